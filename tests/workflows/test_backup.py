"""Backup and restore on the embedded SQLite default (PostgreSQL: tests/integration)."""

import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from workflows import backup

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def installation(settings, tmp_path, monkeypatch):
    """A media folder with one stored file and one registered key file, all the test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"
    (settings.MEDIA_ROOT / "cases" / "C-1").mkdir(parents=True)
    (settings.MEDIA_ROOT / "cases" / "C-1" / "plan.pdf").write_bytes(b"%PDF-1.4 plan")
    key = tmp_path / "keys" / "signer.p12"
    key.parent.mkdir()
    key.write_bytes(b"key bytes")
    monkeypatch.setitem(backup._file_groups, "test-keys", lambda: [key])
    get_user_model().objects.create_user("kept_in_backup")
    return settings.MEDIA_ROOT, key


def command(name: str, *args) -> str:
    out = io.StringIO()
    call_command(name, *args, stdout=out)
    return out.getvalue()


def test_a_backup_restores_the_rows_the_media_and_the_key_files(installation, tmp_path):
    media, key = installation
    command("backup_archive", str(tmp_path / "backup"))
    assert "intact" in command("restore_archive", str(tmp_path / "backup"), "--check")

    get_user_model().objects.filter(username="kept_in_backup").delete()
    (media / "cases" / "C-1" / "plan.pdf").unlink()
    key.unlink()
    with pytest.raises(CommandError, match="already has tables"):
        command("restore_archive", str(tmp_path / "backup"))

    command("restore_archive", str(tmp_path / "backup"), "--force")

    assert get_user_model().objects.filter(username="kept_in_backup").exists()
    assert (media / "cases" / "C-1" / "plan.pdf").read_bytes() == b"%PDF-1.4 plan"
    assert key.read_bytes() == b"key bytes"


def test_an_altered_backup_is_refused_and_changes_nothing(installation, tmp_path):
    _media, key = installation
    command("backup_archive", str(tmp_path / "backup"))
    stored_key = next((tmp_path / "backup" / "files" / "test-keys").iterdir())
    stored_key.write_bytes(b"another key")
    key.unlink()

    with pytest.raises(CommandError, match=re.escape("files/test-keys/0-signer.p12 changed")):
        command("restore_archive", str(tmp_path / "backup"), "--force")
    assert not key.exists()
    with pytest.raises(CommandError, match="backup damaged"):
        command("restore_archive", str(tmp_path / "backup"), "--check")


def test_a_backup_goes_only_into_an_empty_folder(installation, tmp_path):
    (tmp_path / "backup").mkdir()
    (tmp_path / "backup" / "other.txt").write_text("someone else's")
    with pytest.raises(CommandError, match="is not empty"):
        command("backup_archive", str(tmp_path / "backup"))

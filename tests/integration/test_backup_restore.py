"""The README's backup procedure on PostgreSQL: back up, lose everything, restore, verify.

A case is driven to its certificates by the demo's story with the live worker and compacted (its
live workflow rows, ``workflows.compaction``); the backup is made with ``backup_archive``; then the
database schema, the media folder and the signing key files are deleted. A backup with one altered file is refused and changes nothing; the intact one restores,
after which the journal verifies and replays, the fixity audit passes and the certificate PDF
verifies offline as genuine and in force.
"""

import io
import re
import shutil
import tarfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from acceptance.demo import Demo
from certificates.models import Certificate

pytestmark = pytest.mark.django_db(transaction=True)


def command(name: str, *args) -> str:
    out = io.StringIO()
    call_command(name, *args, stdout=out)
    return out.getvalue()


def with_one_media_file_changed(backup: Path, copy: Path) -> str:
    """A copy of ``backup`` whose media.tar has one stored file's bytes changed; its name."""
    shutil.copytree(backup, copy)
    with tarfile.open(backup / "media.tar") as source, tarfile.open(copy / "media.tar", "w") as out:
        changed = None
        for member in source:
            data = source.extractfile(member).read()
            if changed is None and member.name.endswith(".pdf"):
                changed, data = member.name, data.replace(b"%PDF", b"%PDX", 1)
            member.size = len(data)
            out.addfile(member, io.BytesIO(data))
    assert changed is not None
    return changed


def test_a_case_survives_backup_wipe_and_restore(celery_worker, settings, signing_files, tmp_path):
    # The key files the backup keeps are this test's copies: deleting them spares the session's.
    keys = Path(shutil.copytree(signing_files.directory, tmp_path / "signing"))
    settings.CERTIFICATES_PKCS12_PATH = str(keys / signing_files.signer_pkcs12.name)
    settings.CERTIFICATES_TRUST_ROOTS = [str(keys / signing_files.ca_certificate.name)]
    demo = Demo(say=lambda line: None, workdir=tmp_path, wait_seconds=90)
    demo.prepare()
    case = demo.register()
    demo.prefile(case)
    demo.review(case)
    demo.decide(case)
    demo.fulfil(case)
    result = demo.finish(case)
    assert result.replay.verified and case.status == "archived"
    # Archived and compacted, as beat leaves it: the journal alone replays it after the restore.
    assert "1 of 1 instance(s) compacted" in command("compact_instances", case.reference)
    full = case.certificates.get(kind=Certificate.Kind.FULL)
    certificate_pdf = Path(full.pdf.path)

    backup = tmp_path / "backup"
    command("backup_archive", str(backup))
    with pytest.raises(CommandError, match="already has tables"):
        command("restore_archive", str(backup))

    # Everything lost: the database's tables, the media folder, the key files.
    with connection.cursor() as cursor:
        cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    shutil.rmtree(settings.MEDIA_ROOT)
    shutil.rmtree(keys)
    assert not certificate_pdf.exists()

    tampered = with_one_media_file_changed(backup, tmp_path / "tampered")
    with pytest.raises(CommandError, match=re.escape(f"{tampered} changed since the backup")):
        command("restore_archive", str(tmp_path / "tampered"))
    assert connection.introspection.table_names() == []
    assert not Path(settings.MEDIA_ROOT).exists()

    assert "restored" in command("restore_archive", str(backup))

    replayed = command("verify_journal", case.reference, "--replay")
    assert "replay verified" in replayed and "diverges" not in replayed
    command("verify_journal", "--replay")  # every chain, the anchors too: raises on a failure
    assert '"intact": true' in command("audit_fixity")
    verdict = command("verify_certificate", str(certificate_pdf))
    assert full.number in verdict and "✖" not in verdict

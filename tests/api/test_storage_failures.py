"""A store that cannot take a file answers 507 (full) or 503 (unusable) and keeps no part of it.

The full disk is real: the kernel's file size limit (RLIMIT_FSIZE) stops the write partway, as a
full disk or quota does (EFBIG here, ENOSPC there; the integration suite fills a real tmpfs).
"""

from __future__ import annotations

import os
import resource
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from acceptance.models import Material

from .conftest import assert_error

ITEM = "A1-1"
LIMIT = 256 * 1024


@pytest.fixture
def case(open_case):
    return open_case(upload=False).case


@pytest.fixture
def big_pdf(tmp_path) -> Path:
    path = tmp_path / "竣工报告.pdf"
    path.write_bytes(b"%PDF-1.4\n" + os.urandom(2 * 1024 * 1024) + b"\n%%EOF\n")
    return path


@contextmanager
def file_size_limit(size: int):
    """No file this process writes may grow past ``size`` bytes, while inside."""
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (size, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))


def stored_files(media_root: Path) -> list[Path]:
    return [path for path in media_root.rglob("*") if path.is_file()]


def api_upload(client, case, path):
    with path.open("rb") as handle:
        return client.post(
            "/api/materials/",
            {"case": case.reference, "catalog_item": ITEM, "file": handle},
            format="multipart",
        )


@pytest.mark.django_db
def test_a_write_failing_partway_answers_507_and_leaves_no_partial_file(
    case, as_owner, big_pdf, media_root
):
    with file_size_limit(LIMIT):
        response = api_upload(as_owner, case, big_pdf)

    body = assert_error(response, 507, "storage_full")
    assert "存储空间已满" in body["message_zh"] and "storage is full" in body["message_en"]
    assert stored_files(Path(media_root)) == []
    assert not Material.objects.filter(case=case).exists()
    # Once there is room again, the same file is stored whole.
    stored = api_upload(as_owner, case, big_pdf)
    assert stored.status_code == 201, stored.json()
    (path,) = stored_files(Path(media_root))
    assert path.read_bytes() == big_pdf.read_bytes()


@pytest.mark.django_db
def test_the_upload_page_shows_the_full_storage_message(case, big_pdf, media_root):
    browser = Client()
    browser.force_login(case.owner_user)
    node = case.project.nodes.get()
    with file_size_limit(LIMIT), big_pdf.open("rb") as handle:
        response = browser.post(
            reverse("acceptance:upload_files", args=[case.reference]),
            {"node": node.code, "catalog_item": ITEM, "files": [handle]},
            HTTP_ACCEPT="application/json",
        )
    assert response.status_code == 507
    (result,) = response.json()["files"]
    assert result["ok"] is False and result["code"] == "storage_full"
    assert "存储空间已满" in result["message_zh"]
    assert stored_files(Path(media_root)) == []


@pytest.mark.django_db
def test_a_media_folder_that_cannot_be_used_answers_503(
    case, as_owner, big_pdf, settings, tmp_path
):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the media folder should be")
    settings.MEDIA_ROOT = blocker / "media"

    body = assert_error(api_upload(as_owner, case, big_pdf), 503, "storage_unavailable")
    assert "存储暂不可用" in body["message_zh"] and "unavailable" in body["message_en"]
    assert not Material.objects.filter(case=case).exists()

"""The media store on a real small tmpfs: full (ENOSPC) and read-only (EROFS).

Mounting needs root, as CI runs; the uploads go through the same service as the pages and API.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from django.core.files.base import ContentFile

from acceptance.models import CatalogItem, Material
from acceptance.services.materials import material_upload
from workflows.storage import StorageFull, StorageUnavailable

from .scenario import case_waiting_for_first_guidance

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def tmpfs(tmp_path):
    mounted = []

    def mount(*options: str) -> Path:
        point = tmp_path / f"media-{len(mounted)}"
        point.mkdir()
        subprocess.run(
            ["mount", "-t", "tmpfs", "-o", ",".join(options), "tmpfs", str(point)], check=True
        )
        mounted.append(point)
        return point

    yield mount
    for point in mounted:
        subprocess.run(["umount", "--lazy", str(point)], check=True)


def _upload(case, size: int):
    return material_upload(
        case=case,
        user=case.owner_user,
        catalog_item=CatalogItem.objects.get(code="A1-1", version=case.catalog_version),
        file=ContentFile(b"%PDF-1.4\n" + os.urandom(size), name="竣工报告.pdf"),
        name="竣工报告.pdf",
    )


def test_a_full_disk_refuses_the_file_whole_and_keeps_what_was_stored(real_stack, settings, tmpfs):
    case, _a, _b = case_waiting_for_first_guidance()  # stores one small file on the default
    settings.MEDIA_ROOT = tmpfs("size=1m")
    kept = _upload(case, 100_000)

    with pytest.raises(StorageFull) as full:
        _upload(case, 3 * 1024 * 1024)

    assert "存储空间已满" in full.value.message_zh
    files = [path for path in Path(settings.MEDIA_ROOT).rglob("*") if path.is_file()]
    assert files == [Path(settings.MEDIA_ROOT) / kept.file.name]
    assert Material.objects.filter(case=case).count() == 2
    with kept.file.open("rb") as handle:
        assert handle.read(8) == b"%PDF-1.4"


def test_a_read_only_media_folder_is_unavailable(real_stack, settings, tmpfs):
    case, _a, _b = case_waiting_for_first_guidance()
    settings.MEDIA_ROOT = tmpfs("size=1m", "ro")

    with pytest.raises(StorageUnavailable) as unavailable:
        _upload(case, 10_000)

    assert "存储暂不可用" in unavailable.value.message_zh
    assert Material.objects.filter(case=case).count() == 1

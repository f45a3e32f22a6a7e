"""Volumes (案卷) arranged during pre-filing, and their catalogs (卷内目录) as PDF and XLSX."""

from __future__ import annotations

import io
from itertools import pairwise

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from acceptance.models import Material, Retention, Volume
from acceptance.selectors.volumes import case_volumes
from acceptance.services.volumes import volumes_arrange
from tests.documents import assert_fonts_embedded

from .conftest import CaseFlow, make_user

pytestmark = pytest.mark.django_db(transaction=True)

GROUPS = ["A", "B", "C", "D", "E", "AV"]


@pytest.fixture
def prefiled(flow: CaseFlow) -> CaseFlow:
    """Every required item uploaded, the one node submitted and approved."""
    flow.prefile()
    return flow


def test_prefiling_arranges_the_records_into_volumes_by_category(prefiled):
    volumes = case_volumes(prefiled.case)
    filed = prefiled.case.materials.current().count()

    assert [v.group for v in volumes] == GROUPS
    assert [v.number for v in volumes] == [1, 2, 3, 4, 5, 6]
    assert sum(v.item_count for v in volumes) == filed
    reference = prefiled.case.reference
    assert volumes[0].archival_code == f"{reference}-001"
    assert volumes[3].title == "浦东新区测试中学新建工程 竣工图"
    assert volumes[5].title == "浦东新区测试中学新建工程 声像档案"
    # The node check that arranged them says so to the reviewer.
    guidance = prefiled.journal("task.completed")[-2].payload["services"][0]["result"]
    assert guidance["volumes"] == 6


def test_a_volume_takes_the_longest_retention_and_numbers_pages_continuously(prefiled):
    for volume in case_volumes(prefiled.case):
        entries = list(volume.entries.all())
        retentions = {entry.material.catalog_item.retention for entry in entries}
        assert volume.retention == Retention.longest(retentions)
        assert [e.position for e in entries] == list(range(1, len(entries) + 1))
        assert entries[0].start_page == 1
        for before, after in pairwise(entries):
            assert after.start_page == before.end_page + 1
        assert entries[-1].end_page == volume.page_count == sum(e.pages for e in entries)
    # B (supervision) mixes long and short records, so it is long-term; C holds permanent ones.
    by_group = {v.group: v for v in case_volumes(prefiled.case)}
    assert by_group["B"].retention == "permanent"
    assert Retention.longest(["short", "long"]) == "long"


def test_a_group_past_the_page_limit_is_split_into_parts(prefiled, settings):
    settings.ACCEPTANCE_VOLUME_MAX_PAGES = 5

    volumes = volumes_arrange(case=prefiled.case)

    parts = [v for v in volumes if v.group == "A"]
    assert len(parts) > 1
    assert all(v.page_count <= 5 for v in volumes if v.item_count > 1)
    assert parts[0].title.endswith(f"（1/{len(parts)}）")
    assert [v.number for v in volumes] == list(range(1, len(volumes) + 1))


def test_failed_and_superseded_records_are_left_out_and_new_versions_go_in(prefiled):
    old = prefiled.current("A1-1")
    new = prefiled.upload("A1-1", variant=2, supersedes=old)

    volumes = volumes_arrange(case=prefiled.case)

    filed = [e.material_id for v in volumes for e in v.entries.all()]
    assert new.pk in filed and old.pk not in filed
    assert Material.objects.get(pk=old.pk).status == Material.Status.SUPERSEDED


def test_the_volume_catalog_pdf_reads_back_with_every_volume_and_record(prefiled, client):
    client.force_login(prefiled.owner)
    reference = prefiled.case.reference

    response = client.get(f"/cases/{reference}/volumes/catalog.pdf")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="volumes-{reference}.pdf"'
    assert_fonts_embedded(response.content)
    reader = PdfReader(io.BytesIO(response.content))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert reader.metadata.title == f"卷内目录 {reference}"
    assert "案卷目录" in text and text.count("卷内目录") >= 6
    for volume in case_volumes(prefiled.case):
        assert volume.archival_code in text
        for entry in volume.entries.all():
            assert entry.material.catalog_item.code in text


def test_the_volume_catalog_xlsx_has_the_archives_columns(prefiled, client):
    client.force_login(prefiled.reviewer)
    response = client.get(f"/cases/{prefiled.case.reference}/volumes/catalog.xlsx")

    book = load_workbook(io.BytesIO(response.content))
    volumes = case_volumes(prefiled.case)
    assert book.sheetnames == ["案卷目录"] + [f"卷内目录-{v.number}" for v in volumes]
    listing = list(book["案卷目录"].iter_rows(min_row=2, values_only=True))
    assert listing[0] == ("案卷号", "案卷题名", "起止日期", "件数", "页数", "保管期限")
    assert [row[0] for row in listing[1:]] == [v.archival_code for v in volumes]
    assert listing[4][5] == "永久"  # D: as-built drawings are permanent

    first = book[f"卷内目录-{volumes[0].number}"]
    rows = list(first.iter_rows(values_only=True))
    assert rows[0][0] == "卷内目录"
    assert rows[1][:2] == ("档号", volumes[0].archival_code)
    assert rows[3] == ("序号", "文件编号", "责任者", "文件题名", "日期", "页次", "备注")
    entries = list(volumes[0].entries.all())
    lines = rows[4 : 4 + len(entries)]
    assert [line[0] for line in lines] == list(range(1, len(entries) + 1))
    assert lines[0][1] == entries[0].material.catalog_item.code
    assert lines[0][2] == "上海浦东测试建设发展有限公司"
    assert lines[0][3] == entries[0].material.title
    assert rows[5 + len(entries)] == (
        f"本卷共 {volumes[0].item_count} 件 {volumes[0].page_count} 页",
        *([None] * 6),
    )


def test_the_volumes_page_shows_each_record_with_its_check_results(prefiled, client):
    client.force_login(prefiled.owner)

    page = client.get(f"/cases/{prefiled.case.reference}/volumes/").content.decode()

    assert "第 1 卷" in page and "第 6 卷" in page
    assert page.count("真实 ✓") == prefiled.case.materials.current().count()
    assert "可用 !" in page  # the sample video plays but is below SD: a warning


def test_only_the_owners_organisation_and_archive_staff_see_a_case(prefiled, client):
    url = f"/cases/{prefiled.case.reference}/volumes/catalog.xlsx"
    stranger = make_user("owner_elsewhere", "owners")
    auditor = make_user("auditor_test", "auditors")

    assert client.get(url).status_code == 302  # to the login page
    assert client.get(url)["Location"].startswith("/accounts/login/")
    client.force_login(stranger)
    assert client.get(url).status_code == 404
    assert client.get("/").content.decode().count(prefiled.case.reference) == 0
    client.force_login(auditor)
    assert client.get(url).status_code == 200
    assert prefiled.case.reference in client.get("/").content.decode()
    assert client.get(f"/cases/{prefiled.case.reference}/volumes/catalog.doc").status_code == 404
    assert Volume.objects.filter(case=prefiled.case).count() == 6

"""The filing catalog (归档范围): seeded, exported and imported as versions, profiles per works
type, and a case that keeps the version it started with."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import yaml
from django.contrib.admin.sites import site
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from openpyxl import load_workbook

from acceptance.exceptions import CatalogFileInvalid, CatalogNotReady
from acceptance.exports.catalog import catalog_to_xlsx, catalog_to_yaml
from acceptance.models import CatalogItem, CatalogVersion
from acceptance.selectors.catalog import catalog_items, required_items
from acceptance.selectors.completeness import completeness_report
from acceptance.services.catalog import (
    CATALOG_SEED,
    catalog_import,
    catalog_seed,
    catalog_version_copy,
    catalog_version_publish,
)
from acceptance.services.materials import material_upload
from workflows.models import JournalEntry

SEED_ITEMS = len(yaml.safe_load(CATALOG_SEED.read_text(encoding="utf-8"))["items"])
MUNICIPAL_EXCLUDED = {"A3-8", "C6-P3", "C7-4", "D-4", "D-5", "D-6", "D-7", "D-8", "D-9"}
MUNICIPAL_EXCLUDED |= {"E1-10", "E1-11"}
FIELDS = (
    "code",
    "name_zh",
    "name_en",
    "category",
    "retention",
    "required_for",
    "optional_for",
    "tolerable",
    "format_kind",
    "confidence",
    "active",
)


def snapshot(version: CatalogVersion) -> tuple[list[tuple], dict[str, set[str]]]:
    items = [tuple(getattr(i, f) for f in FIELDS) for i in version.items.order_by("code")]
    profiles = {
        p.works_type: set(p.items.values_list("code", flat=True)) for p in version.profiles.all()
    }
    return items, profiles


def import_bytes(content: bytes, name: str, **kwargs) -> CatalogVersion:
    return catalog_import(source=io.BytesIO(content), name=name, **kwargs)


@pytest.mark.django_db
def test_seeding_publishes_version_1_once_with_its_profiles():
    assert catalog_seed() == SEED_ITEMS
    assert catalog_seed() == 0

    version = CatalogVersion.objects.get()
    assert (version.number, version.is_published, version.source) == (1, True, "catalog.yaml")
    assert CatalogVersion.objects.current() == version
    d1, e15, c6p3 = (version.items.get(code=c) for c in ("D-1", "E1-5", "C6-P3"))
    assert (d1.format_kind, d1.tolerable, d1.retention) == ("drawing", False, "permanent")
    assert (e15.tolerable, c6p3.tolerable) == (False, True)
    # Of the 72 items the archive requires only the core items (主审要件) are never tolerable:
    # the main approvals, the five main disciplines' as-built drawings, the completion records.
    required = [item for item in version.items.all() if item.required_by_archive]
    assert sorted(item.code for item in required if not item.tolerable) == [
        "A1-1", "A2-4", "A5-1", "A5-2", "C8-2", "D-1", "D-2", "D-6", "D-7", "D-9", "E1-5", "E1-9",
    ]  # fmt: skip
    assert len(required) == 72
    assert version.items.get(code="E3-2").format_kind == "video"
    assert catalog_items(version, "building").count() == SEED_ITEMS
    municipal = set(catalog_items(version, "municipal").values_list("code", flat=True))
    assert municipal == {i.code for i in version.items.all()} - MUNICIPAL_EXCLUDED
    assert "E1-11" not in {i.code for i in required_items(works_type="municipal")}
    entry = JournalEntry.objects.get(chain="catalog")
    assert (entry.kind, entry.payload["version"], entry.payload["items"]) == (
        "catalog.imported",
        1,
        SEED_ITEMS,
    )


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["yaml", "xlsx"])
def test_an_export_imports_back_as_an_identical_new_version(fmt):
    catalog_seed()
    first = CatalogVersion.objects.get()
    content = catalog_to_yaml(first) if fmt == "yaml" else catalog_to_xlsx(first)

    second = import_bytes(content, f"catalog.{fmt}", note="round trip")

    assert second.number == 2
    assert snapshot(second) == snapshot(first)
    assert CatalogVersion.objects.current() == second
    assert second.categories == first.categories


@pytest.mark.django_db
def test_the_xlsx_export_reads_as_a_catalog_sheet_with_profile_columns():
    catalog_seed()
    book = load_workbook(io.BytesIO(catalog_to_xlsx(CatalogVersion.objects.get())))

    assert book.sheetnames == ["items", "categories", "version"]
    rows = list(book["items"].iter_rows(values_only=True))
    assert rows[0][:5] == (
        "code 编号",
        "name_zh 名称",
        "name_en English name",
        "category 类别",
        "retention 保管期限",
    )
    assert rows[0][-2:] == (
        "building 房屋建筑工程 building works",
        "municipal 市政基础设施工程 municipal works",
    )
    by_code = {row[0]: row for row in rows[1:]}
    assert len(by_code) == SEED_ITEMS
    assert by_code["D-1"][1] == "建筑竣工图"
    assert by_code["D-1"][7] == "no"  # tolerable
    assert by_code["D-6"][-2:] == ("✓", None)  # building only
    assert ("A", "工程准备阶段文件 (preparation stage)") in list(
        book["categories"].iter_rows(values_only=True)
    )


@pytest.mark.django_db
def test_an_edited_xlsx_becomes_a_new_version_with_the_edits():
    catalog_seed()
    book = load_workbook(io.BytesIO(catalog_to_xlsx(CatalogVersion.objects.get())))
    sheet = book["items"]
    for row in sheet.iter_rows(min_row=2):
        if row[0].value == "C6-P3":
            row[7].value = "否"  # no longer tolerable
    sheet.append(
        ["F-1", "新增条目", "New item", "E4", "short", "owner, ucab", "", "是", "", "", ""]
    )
    buffer = io.BytesIO()
    book.save(buffer)

    version = import_bytes(buffer.getvalue(), "edited.xlsx")

    assert version.items.get(code="C6-P3").tolerable is False
    added = version.items.get(code="F-1")
    assert (added.required_for, added.tolerable, added.format_kind) == (
        ["owner", "ucab"],
        True,
        "document",
    )
    # Not ticked for any works type: it applies to none of them.
    assert not added.profiles.exists()
    assert CatalogVersion.objects.get(number=1).items.get(code="C6-P3").tolerable is True


@pytest.mark.django_db
def test_an_invalid_file_lists_every_problem_and_creates_nothing():
    content = yaml.safe_dump(
        {
            "items": [
                {
                    "code": "X-1",
                    "name_zh": "甲",
                    "name_en": "A",
                    "category": "A1",
                    "retention": "forever",
                },
                {
                    "code": "X-1",
                    "name_zh": "乙",
                    "name_en": "B",
                    "category": "A1",
                    "retention": "long",
                    "required_for": ["mayor"],
                },
                {
                    "code": "X-2",
                    "name_zh": "",
                    "name_en": "C",
                    "category": "A1",
                    "retention": "short",
                    "format_kind": "hologram",
                },
            ],
            "profiles": {"rail": {"exclude": []}, "building": {"exclude": ["X-9"]}},
        },
        allow_unicode=True,
    ).encode()

    with pytest.raises(CatalogFileInvalid) as refused:
        import_bytes(content, "bad.yaml")

    problems = refused.value.data["problems"]
    assert problems == [
        "items[1] (X-1): retention 'forever' is not one of permanent, long, short / 保管期限无效",
        "items[2] (X-1): code appears twice / 编号重复",
        "items[2] (X-1): unknown parties in required_for: mayor (known: owner, designer, contractor, supervisor, ucab) / 归档单位无效",
        "items[3] (X-2): name_zh is empty / name_zh 为空",
        "items[3] (X-2): format_kind 'hologram' is not one of document, drawing, photo, video / 载体格式无效",
        "profiles.building: unknown codes X-9 / 编号不存在",
        "profiles: unknown works type 'rail' (known: building, municipal) / 工程类别无效",
    ]
    assert refused.value.message_zh.startswith("归档范围文件有 7 处问题，请修正后重新导入")
    assert not CatalogVersion.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"\x00\x01 not yaml: [", "c.yaml", "the catalog file is not a valid YAML file"),
        (b"PK\x03\x04 broken", "c.xlsx", "the catalog file is not a valid XLSX file"),
        (b"items: []", "c.csv", "cannot tell the format of catalog file 'c.csv'"),
        (b"items: []", "c.yaml", "the file has no catalog items"),
    ],
)
def test_unreadable_catalog_files_are_refused_clearly(content, name, message):
    with pytest.raises(CatalogFileInvalid) as refused:
        import_bytes(content, name)
    assert message in refused.value.message_en


@pytest.mark.django_db
def test_a_draft_copy_is_editable_in_the_admin_and_published_versions_are_not(rf, admin_user):
    catalog_seed()
    published = CatalogVersion.objects.get()
    draft = catalog_version_copy(version=published)
    request = rf.get("/")
    request.user = admin_user
    item_admin = site._registry[CatalogItem]

    assert not draft.is_published
    assert snapshot(draft) == snapshot(published)
    assert item_admin.has_change_permission(request, draft.items.get(code="A1-1"))
    assert not item_admin.has_change_permission(request, published.items.get(code="A1-1"))
    assert CatalogVersion.objects.current() == published

    catalog_version_publish(version=draft)

    assert CatalogVersion.objects.current() == draft
    assert [e.kind for e in JournalEntry.objects.filter(chain="catalog").order_by("sequence")] == [
        "catalog.imported",
        "catalog.copied",
        "catalog.published",
    ]


@pytest.mark.django_db
def test_the_admin_imports_an_uploaded_catalog(admin_client):
    catalog_seed()
    content = catalog_to_yaml(CatalogVersion.objects.get())

    response = admin_client.post(
        "/admin/acceptance/catalogversion/import/",
        {"file": ContentFile(content, name="catalog.yaml"), "note": "城市版", "publish": "on"},
    )

    assert response.status_code == 302
    version = CatalogVersion.objects.current()
    assert (version.number, version.note, version.items.count()) == (2, "城市版", SEED_ITEMS)


@pytest.mark.django_db
def test_the_commands_export_and_import_the_same_shape(tmp_path):
    catalog_seed()
    target = tmp_path / "catalog.xlsx"
    out = io.StringIO()

    call_command("catalog_export", str(target), stdout=out)
    call_command("catalog_import", str(target), "--note", "again", stdout=out)

    assert out.getvalue().splitlines() == [
        f"catalog version 1 written to {target}",
        f"catalog version 2 (published): {SEED_ITEMS} items, profiles building, municipal",
    ]
    with pytest.raises(CommandError, match="not a valid XLSX"):
        (tmp_path / "bad.xlsx").write_bytes(b"nope")
        call_command("catalog_import", str(tmp_path / "bad.xlsx"), stdout=out)


@pytest.mark.django_db(transaction=True)
def test_a_case_keeps_the_catalog_version_it_started_with(open_case, samples):
    flow = open_case(leave_out=["C6-P3"])
    first = flow.case.catalog_version
    assert completeness_report(flow.case).missing_tolerable == ("C6-P3",)

    # Archive staff publish version 2: C6-P3 becomes a core item and a new item is required.
    data = yaml.safe_load(catalog_to_yaml(first))
    for item in data["items"]:
        if item["code"] == "C6-P3":
            item["tolerable"] = False
    data["items"].append(
        {"code": "E4-9", "name_zh": "新增必交", "name_en": "New", "category": "E4",
         "retention": "long", "required_for": ["owner", "ucab"]}
    )  # fmt: skip
    second = import_bytes(yaml.safe_dump(data, allow_unicode=True).encode(), "v2.yaml")

    report = completeness_report(flow.case)
    assert flow.refresh().catalog_version == first
    assert report.catalog_version == 1
    assert (report.missing_tolerable, report.missing_blocking) == (("C6-P3",), ())

    # A case opened now files against version 2.
    later = open_case(upload=False)
    assert later.case.catalog_version == second
    later_report = completeness_report(later.case)
    assert "C6-P3" in later_report.missing_blocking
    assert "E4-9" in later_report.missing_tolerable

    # An item of another version cannot be filed in the first case.
    with pytest.raises(CatalogNotReady):
        material_upload(
            case=flow.case,
            user=flow.owner,
            catalog_item=second.items.get(code="C6-P3"),
            file=ContentFile(samples.path(first.items.get(code="C6-P3")).read_bytes()),
            name="室内环境检测报告.pdf",
        )


@pytest.mark.django_db(transaction=True)
def test_a_municipal_project_does_not_require_building_only_items(open_case, world):
    flow = open_case(upload=False)
    project = flow.case.project
    project.works_type = "municipal"
    project.save()

    report = completeness_report(flow.case)

    required = {item.code for item in report.required}
    assert required.isdisjoint(MUNICIPAL_EXCLUDED)
    assert "D-1" in required


@pytest.mark.django_db(transaction=True)
def test_existing_catalog_items_and_cases_migrate_to_version_1():
    executor = MigrationExecutor(connection)
    executor.migrate([("acceptance", "0001_initial")])
    old = executor.loader.project_state([("acceptance", "0001_initial")]).apps
    User = old.get_model("auth", "User")
    user = User.objects.create(username="legacy_owner")
    Organisation = old.get_model("acceptance", "Organisation")
    Project = old.get_model("acceptance", "Project")
    Case = old.get_model("acceptance", "Case")
    OldItem = old.get_model("acceptance", "CatalogItem")
    OldItem.objects.create(
        code="A1-1", name_zh="项目建议书", name_en="Proposal", category="A1", retention="permanent",
        required_for=["owner", "ucab"],
    )  # fmt: skip
    organisation = Organisation.objects.create(name="旧单位")
    project = Project.objects.create(
        reference="XM-OLD", name="旧项目", location="旧址", works_type="building",
        owner=organisation, created_by=user,
    )  # fmt: skip
    Case.objects.create(reference="YS-OLD", project=project, owner_user=user)

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    version = CatalogVersion.objects.get()
    assert (version.number, version.is_published) == (1, True)
    assert list(version.items.values_list("code", flat=True)) == ["A1-1"]
    assert list(version.cases.values_list("reference", flat=True)) == ["YS-OLD"]
    assert set(version.profiles.values_list("works_type", flat=True)) == {"building", "municipal"}
    assert Path(CATALOG_SEED).is_file()

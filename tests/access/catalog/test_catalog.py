"""The open catalog on real accepted cases: levels, masking, Chinese search, pages and API."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.core.files import File
from django.urls import reverse

from acceptance.models import CatalogItem
from acceptance.services.materials import material_upload
from access.catalog.exceptions import LevelRefused
from access.catalog.index import catalog_project_index
from access.catalog.levels import material_access_level
from access.catalog.models import AccessLevel, CatalogEntry
from access.catalog.search import catalog_search
from access.catalog.services import catalog_item_access_set, material_access_set
from workflows.models import JournalEntry

# The process commits each step, and the catalog is indexed once an acceptance commits.
pytestmark = pytest.mark.django_db(transaction=True)

OPEN_CATALOG_MIGRATION = importlib.import_module("access.migrations.0004_open_catalog")

PERSONAL_TITLE = "产权人张伟房屋所有权证（联系电话13812345678）"
MASKED_TITLE = "产权人张＊房屋所有权证（联系电话138＊＊＊＊5678）"


def accept(flow) -> None:
    flow.reach_decision()
    flow.decide("accept", comment="同意通过")
    flow.refresh()


@pytest.fixture(autouse=True)
def seed_levels(transactional_db):
    """The levels migration 0004 seeds (a transactional test empties every table before it)."""
    OPEN_CATALOG_MIGRATION.seed_levels(apps, None)


@pytest.fixture
def accepted(open_case, samples, world):
    """An accepted case whose records include one titled with a person's name and number."""
    flow = open_case()
    item = CatalogItem.objects.current().get(code="A2-2")  # controlled: no level of its own
    with samples.path(item, 2).open("rb") as handle:
        flow.personal = material_upload(
            case=flow.case,
            user=world.owner,
            catalog_item=item,
            node=flow.node_for(item),
            file=File(handle),
            name="ownership.pdf",
            title=PERSONAL_TITLE,
        )
    accept(flow)
    return flow


def closed_files(project) -> int:
    return CatalogEntry.objects.filter(project=project, kind="file", level="closed").count()


def test_a_case_not_yet_accepted_is_not_in_the_catalog(open_case, client):
    flow = open_case()
    project = flow.case.project

    assert catalog_project_index(project) == 0
    assert not catalog_search("测试中学").exists()
    page = client.get(reverse("access:catalog_project", args=[project.reference]))
    assert page.status_code == 404


def test_an_accepted_case_is_searchable_in_chinese_at_each_records_level(accepted):
    project = accepted.case.project
    entries = CatalogEntry.objects.filter(project=project)
    permit = accepted.current("A5-2")

    assert accepted.status in ("accepted", "archived")  # archiving follows the acceptance
    assert set(entries.values_list("kind", flat=True)) == {"project", "volume", "file"}
    assert entries.filter(kind="file").count() == accepted.case.materials.current().count()
    for query in ("测试中学", "中学新建", "浦东 测试路", project.reference):
        found = catalog_search(query).filter(kind="project")
        assert [entry.code for entry in found] == [project.reference], query
    # The typed text, not its characters scattered or reordered.
    assert not catalog_search("中学测试").exists()
    assert not catalog_search("新建学校").exists()
    (entry,) = catalog_search("施工许可证").filter(material=permit)
    assert entry.level == AccessLevel.OPEN  # the seed: permits are public by law
    assert material_access_level(accepted.current("D-1")) == AccessLevel.CONTROLLED


def test_personal_data_is_masked_on_pages_and_in_the_api_and_cannot_be_searched(accepted, client):
    (entry,) = CatalogEntry.objects.filter(material=accepted.personal)
    assert entry.title == MASKED_TITLE
    assert not catalog_search("张伟").exists()
    assert not catalog_search("13812345678").exists()

    page = client.get(reverse("access:catalog"), {"q": "房屋所有权证"})
    text = page.content.decode()
    assert page.status_code == 200
    assert MASKED_TITLE in text and "控制使用" in text
    assert "张伟" not in text and "13812345678" not in text

    answer = client.get(reverse("api:public-catalog-list"), {"q": "房屋所有权证"})
    assert answer.status_code == 200
    assert [(row["title"], row["level"]) for row in answer.json()["results"]] == [
        (MASKED_TITLE, "controlled")
    ]
    reference = accepted.case.project.reference
    body = client.get(reverse("api:public-catalog-detail", args=[reference])).json()
    listed = [file["title"] for volume in body["volumes"] for file in volume["files"]]
    assert MASKED_TITLE in listed
    # Every current record but the closed ones, which are counted and never named.
    closed = body["closed_files"]
    assert closed == closed_files(accepted.case.project) > 0
    assert len(listed) == accepted.case.materials.current().count() - closed


def test_a_single_character_is_answered_with_advice_on_the_page_and_in_the_api(accepted, client):
    page = client.get(reverse("access:catalog"), {"q": "图"})
    assert page.status_code == 200
    assert "请至少输入两个字" in page.content.decode()
    page = client.get(reverse("access:catalog"), {"q": "加装电梯"})
    assert "没有找到包含“加装电梯”的公开目录条目" in page.content.decode()

    answer = client.get(reverse("api:public-catalog-list"), {"q": "图"})
    assert answer.status_code == 400
    assert answer.json()["code"] == "query_refused"


def test_staff_set_levels_per_catalog_item_and_per_file(accepted, world, client):
    project = accepted.case.project
    drawing, permit = accepted.current("D-1"), accepted.current("A5-2")
    closed_before = closed_files(project)  # the seed closes tender and cost documents
    catalog_item_access_set(code="D", level="open", reason="竣工图向公众开放", actor=world.reviewer)
    assert CatalogEntry.objects.get(material=drawing).level == AccessLevel.OPEN

    material_access_set(
        material=drawing, level="controlled", reason="含住户信息", actor=world.reviewer
    )
    material_access_set(
        material=permit, level="closed", reason="涉及人防工程 civil defence", actor=world.reviewer
    )

    assert CatalogEntry.objects.get(material=drawing).level == AccessLevel.CONTROLLED
    assert material_access_level(permit) == AccessLevel.CLOSED
    assert not catalog_search("施工许可证").filter(material=permit).exists()
    (journaled,) = JournalEntry.objects.filter(
        chain=accepted.case.reference, kind="access.level_set", payload__level="closed"
    )
    assert journaled.payload["reason"] == "涉及人防工程 civil defence"
    page = client.get(reverse("access:catalog_project", args=[project.reference])).content.decode()
    assert f"另有 {closed_before + 1} 件不开放" in page
    assert "建设工程施工许可证" not in page


def test_a_level_change_without_a_reason_or_a_known_level_is_refused(accepted, world):
    permit = accepted.current("A5-2")
    with pytest.raises(LevelRefused, match="须说明依据"):
        material_access_set(material=permit, level="closed", reason="  ", actor=world.reviewer)
    with pytest.raises(LevelRefused, match="未知的开放等级"):
        material_access_set(material=permit, level="secret", reason="x", actor=world.reviewer)
    assert material_access_level(permit) == AccessLevel.OPEN

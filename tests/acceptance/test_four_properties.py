"""The four-property checks (四性检测) on every stored file, run by the pre-filing loop.

Each material version keeps its own report: every property represented, each check with a stable
code, a result and a message that tells the owner what to do.
"""

from __future__ import annotations

import pytest

from acceptance.checks import check_file
from acceptance.conf import DEFAULTS
from acceptance.models import CatalogItem, Material
from acceptance.services.material_checks import materials_check
from acceptance.services.materials import material_check_report

pytestmark = pytest.mark.django_db(transaction=True)

PROPERTIES = {"authenticity", "integrity", "usability", "security"}


def fresh(material: Material) -> Material:
    return Material.objects.get(pk=material.pk)


def codes(material: Material) -> dict[str, str]:
    return {o["code"]: o["result"] for o in material.check_report["outcomes"]}


@pytest.mark.parametrize("code", ["A1-1", "D-1", "E3-1", "E3-2"])
def test_every_kind_of_record_gets_all_four_properties_checked(open_case, code):
    flow = open_case(upload=False)
    material = flow.upload(code)

    materials_check([material])

    report = fresh(material).check_report
    assert {o["property"] for o in report["outcomes"]} == PROPERTIES
    assert "not_checked" not in report["properties"].values()
    results = codes(fresh(material))
    for common in (
        "security.empty_file",
        "security.size_limit",
        "security.executable",
        "security.kind_mismatch",
        "authenticity.fixity",
        "authenticity.file_name",
        "authenticity.metadata_values",
        "integrity.metadata_present",
        "integrity.declared_size",
        "usability.format_accepted",
    ):
        assert results[common] == "pass", common
    assert report["checked_at"]


def test_the_node_check_stores_each_versions_report_and_tells_the_reviewer_what_failed(open_case):
    flow = open_case(upload=False)
    good = flow.upload("A1-1")
    flow.upload("A1-3")
    broken = flow.current("A1-3")
    with open(broken.file.path, "r+b") as handle:
        handle.truncate(broken.size // 2)

    flow.complete("node_submit")

    node_check = flow.task("node_guidance").context["node_check"]
    assert node_check["failed"] == ["A1-3-1.pdf"]
    (finding,) = node_check["findings"]
    assert finding["file"] == "A1-3-1.pdf" and finding["item"] == "A1-3"
    failing = {check["code"] for check in finding["checks"]}
    assert {"authenticity.fixity", "integrity.declared_size", "integrity.file_complete"} <= failing
    assert "A1-3" in node_check["missing"]  # a failed file does not count as delivered
    assert fresh(good).status == Material.Status.CHECKED
    assert fresh(broken).status == Material.Status.CHECK_FAILED

    # The owner's new version is checked on its own; the old one keeps its report.
    flow.review("node_guidance", guidance="more", guidance_comment="A1-3 文件不完整，请重新上传")
    replacement = flow.upload("A1-3", variant=2, supersedes=fresh(broken))
    flow.complete("node_submit")
    assert fresh(replacement).check_report["passed"] is True
    assert fresh(broken).check_report["passed"] is False
    assert "A1-3" not in flow.task("node_guidance").context["node_check"]["missing"]


def test_metadata_values_and_presence_are_checked(open_case):
    flow = open_case(upload=False)
    material = flow.upload("A1-1")
    Material.objects.filter(pk=material.pk).update(
        title="报告<终版>", responsible_party="", formed_on="2999-01-01"
    )
    material = fresh(material)

    report = material_check_report(material)

    by_code = {o.code: o for o in report.outcomes}
    values = by_code["authenticity.metadata_values"]
    assert values.result == "fail"
    assert values.detail["problems"] == [
        'the title contains control characters or one of <>:"/\\|?*',
        "the date 2999-01-01 is in the future",
    ]
    present = by_code["integrity.metadata_present"]
    assert (present.result, present.detail["missing"]) == ("fail", ["responsible_party"])
    assert present.message_zh == "著录项目不全，缺少：责任者。请补全后重新提交。"


def test_a_loose_file_is_checked_without_metadata(samples, world):
    path = samples.path(CatalogItem.objects.get(code="A1-1"))

    report = check_file(path, name=path.name)

    assert report.passed
    assert {o.property.value for o in report.outcomes} == PROPERTIES
    assert "integrity.metadata_present" not in {o.code for o in report.outcomes}


def test_a_photo_past_its_size_limit_is_refused_by_the_checks_too(open_case, settings):
    flow = open_case(upload=False)
    material = flow.upload("E3-1")
    settings.ACCEPTANCE_MAX_BYTES_BY_KIND = {**settings.ACCEPTANCE_MAX_BYTES_BY_KIND, "photo": 1024}
    # Checked at intake under the old limit; a version with no recorded result is checked anew.
    Material.objects.filter(pk=material.pk).update(check_report={})

    materials_check([material])

    results = codes(fresh(material))
    assert results["security.size_limit"] == "fail"
    assert "usability.image_opens" not in results  # not parsed


@pytest.fixture(autouse=True)
def _default_limits(settings):
    settings.ACCEPTANCE_MAX_BYTES_BY_KIND = dict(DEFAULTS["ACCEPTANCE_MAX_BYTES_BY_KIND"])

"""完整性: a node submission's declared file count is checked on arrival.

Owners are not asked for a byte total (a number that means nothing to a clerk)."""

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def node_check_result(flow) -> dict:
    return flow.task("node_guidance").context["node_check"]


def delivered(flow) -> int:
    return flow.case.materials.current().count()


def test_a_submission_that_matches_its_declaration_passes(flow):
    files = delivered(flow)

    flow.complete("node_submit", declared_files=files)

    assert [(o["code"], o["result"]) for o in node_check_result(flow)["declaration"]] == [
        ("integrity.declared_count", "pass"),
    ]


def test_the_node_submission_form_asks_no_byte_total(flow):
    assert [field["name"] for field in flow.task("node_submit").form] == ["declared_files"]


def test_a_submission_short_of_its_declaration_fails_with_both_numbers(flow):
    files = delivered(flow)

    flow.complete("node_submit", declared_files=files + 2)

    (count,) = node_check_result(flow)["declaration"]
    assert (count["result"], count["detail"]) == (
        "fail",
        {"declared": files + 2, "received": files},
    )
    assert f"申报文件数 {files + 2}，实收 {files}" in count["message_zh"]
    assert "check the submission" in count["message_en"]


def test_a_submission_without_a_declaration_has_nothing_to_compare(flow):
    flow.complete("node_submit")

    assert node_check_result(flow)["declaration"] == []


def test_the_reviewer_asks_for_specific_items_and_the_owner_sees_them_on_resubmission(flow):
    flow.complete("node_submit")

    flow.review(
        "node_guidance",
        guidance="more",
        requested_items=["C6-P1", "C5-4"],
        guidance_comment="桩基检测报告缺页",
    )

    assert flow.task("node_submit").context == {
        "node": "completion",
        "requested_items": ["C6-P1", "C5-4"],
        "guidance_comment": "桩基检测报告缺页",
    }

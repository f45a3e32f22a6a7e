"""完整性: a node submission's declared file count and byte total are checked on arrival."""

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def node_check_result(flow) -> dict:
    return flow.task("node_guidance").context["node_check"]


def delivered(flow) -> tuple[int, int]:
    materials = flow.case.materials.current()
    return materials.count(), sum(materials.values_list("size", flat=True))


def test_a_submission_that_matches_its_declaration_passes(flow):
    files, size = delivered(flow)

    flow.complete("node_submit", declared_files=files, declared_bytes=size)

    assert [(o["code"], o["result"]) for o in node_check_result(flow)["declaration"]] == [
        ("integrity.declared_count", "pass"),
        ("integrity.declared_bytes", "pass"),
    ]


def test_a_submission_short_of_its_declaration_fails_with_both_numbers(flow):
    files, size = delivered(flow)

    flow.complete("node_submit", declared_files=files + 2, declared_bytes=size)

    count, total = node_check_result(flow)["declaration"]
    assert (count["result"], count["detail"]) == (
        "fail",
        {"declared": files + 2, "received": files},
    )
    assert f"申报文件数 {files + 2}，实收 {files}" in count["message_zh"]
    assert "check the submission" in count["message_en"]
    assert total["result"] == "pass"


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

"""The drawing review pages: a reviewer decides each drawing, the owner resubmits, the loop ends."""

from __future__ import annotations

import pytest
from django.core.files import File
from django.template.loader import render_to_string
from django.urls import reverse

from acceptance.models import CatalogItem, Material
from acceptance.samples import AS_BUILT_STAMP_FIELDS, make_as_built_dxf
from acceptance.selectors.drawings import case_drawings, drawing_preview_dir
from acceptance.services.drawings import drawing_preview_render
from acceptance.services.materials import material_upload

from .conftest import CORE_DRAWING, PROJECT_NAME

pytestmark = pytest.mark.django_db(transaction=True)


def page_url(flow) -> str:
    return reverse("acceptance:drawings", args=[flow.case.reference])


def verdict(client, flow, material, verdict: str, comment: str = ""):
    url = reverse("acceptance:drawing_verdict", args=[flow.case.reference, material.pk])
    return client.post(url, {"verdict": verdict, "comment": comment}, follow=True)


@pytest.fixture
def at_review(open_case):
    flow = open_case(unstamped=[CORE_DRAWING])
    flow.prefile()
    flow.apply()
    return flow


def test_the_reviewer_returns_one_drawing_approves_the_rest_and_the_loop_ends(client, at_review):
    flow = at_review
    unstamped = flow.current(CORE_DRAWING)
    client.force_login(flow.reviewer)
    page = client.get(page_url(flow)).content.decode()
    assert "drawing.stamp.present" in page and "未找到竣工图章" in page
    assert page.count('class="verdict"') == 11

    for material in case_drawings(flow.case):
        if material.pk != unstamped.pk:
            verdict(client, flow, material, "approve")
    refused = verdict(client, flow, unstamped, "return").content.decode()
    assert "退回图纸须填写意见" in refused
    assert Material.objects.get(pk=unstamped.pk).status == Material.Status.CHECK_FAILED
    verdict(client, flow, unstamped, "return", "缺竣工图章，请加盖后重新上传")

    finished = client.post(
        reverse("acceptance:drawings_finish", args=[flow.case.reference]), follow=True
    )
    assert "审图已完成" in finished.content.decode()
    assert flow.open_tasks() == ["drawing_resubmit", "media_review"]
    assert (
        flow.task("drawing_resubmit")
        .context["drawing_comment"]
        .endswith("缺竣工图章，请加盖后重新上传")
    )
    assert len(flow.journal("drawing.approved")) == 10
    (returned,) = flow.journal("drawing.returned")
    assert returned.payload["material"] == unstamped.pk
    # The drawings approved one by one stay approved while the returned one goes back.
    statuses = set(case_drawings(flow.case).values_list("status", flat=True))
    assert statuses == {Material.Status.APPROVED, Material.Status.RETURNED}

    # The owner sees the same findings and uploads a new version through the page.
    client.force_login(flow.owner)
    owner_page = client.get(page_url(flow)).content.decode()
    assert "未找到竣工图章" in owner_page and 'name="file"' in owner_page
    path = flow.samples.path(unstamped.catalog_item, 2, stamped=True)
    with path.open("rb") as handle:
        client.post(
            reverse("acceptance:drawing_upload", args=[flow.case.reference, unstamped.pk]),
            {"file": handle},
        )
    client.post(reverse("acceptance:drawings_resubmit", args=[flow.case.reference]))
    assert flow.open_tasks() == ["drawing_review", "media_review"]
    new = flow.current(CORE_DRAWING)
    assert (new.version, new.status) == (2, Material.Status.CHECKED)

    client.force_login(flow.reviewer)
    assert client.get(page_url(flow)).content.decode().count('class="verdict"') == 1
    verdict(client, flow, new, "approve")
    client.post(reverse("acceptance:drawings_finish", args=[flow.case.reference]))
    assert flow.open_tasks() == ["media_review"]


def test_the_review_cannot_finish_while_a_drawing_has_no_verdict(client, at_review):
    client.force_login(at_review.reviewer)
    response = client.post(
        reverse("acceptance:drawings_finish", args=[at_review.case.reference]), follow=True
    )
    assert "还有图纸没有审图意见" in response.content.decode()
    assert "drawing_review" in at_review.open_tasks()


def test_an_owner_cannot_give_a_verdict(client, at_review):
    material = at_review.current(CORE_DRAWING)
    client.force_login(at_review.owner)
    page = verdict(client, at_review, material, "return", "自己退回").content.decode()
    assert "只有审图环节的审核员可以给出审图意见" in page
    assert Material.objects.get(pk=material.pk).status == Material.Status.CHECK_FAILED


def test_previews_are_served_with_the_findings_marked_and_nothing_else(client, at_review, settings):
    material = at_review.current(CORE_DRAWING)
    previews = drawing_preview_render(material=material)
    assert [p.name for p in previews] == ["Model", "Layout1"]
    client.force_login(at_review.reviewer)
    page = client.get(page_url(at_review)).content.decode()
    svg_url = reverse(
        "acceptance:drawing_preview", args=[at_review.case.reference, material.pk, "layout-1.svg"]
    )
    assert svg_url in page
    svg = client.get(svg_url)
    assert svg["Content-Type"] == "image/svg+xml"
    assert b"<svg" in b"".join(svg.streaming_content)
    png = client.get(svg_url.replace(".svg", ".png"))
    assert b"".join(png.streaming_content).startswith(b"\x89PNG")
    (drawing_preview_dir(material) / "notes.txt").write_text("x")
    for name in ("notes.txt", "..%2Fpreview.json", "preview.json"):
        bad = reverse(
            "acceptance:drawing_preview", args=[at_review.case.reference, material.pk, "x"]
        ).replace("/x", "/" + name)
        assert client.get(bad).status_code == 404


def test_the_owner_panel_counts_the_returned_drawings_and_links_to_the_page(rf, at_review):
    at_review.review("drawing_review", drawing_verdict="return", drawing_comment="缺章")
    request = rf.get("/")
    request.user = at_review.owner
    html = render_to_string(
        "workflows/panels/drawing_resubmit.html",
        {"task": at_review.task("drawing_resubmit"), "case": at_review.case, "request": request},
    )
    assert "退回 11 张图纸（共 11 张）" in html
    assert page_url(at_review) in html


def test_the_task_panel_summarises_the_set_and_links_to_the_page(rf, at_review):
    task = at_review.task("drawing_review")
    request = rf.get("/")
    request.user = at_review.reviewer
    html = render_to_string(
        "workflows/panels/drawing_review.html",
        {"task": task, "case": at_review.case, "request": request},
    )
    assert "图纸 11 张：自动审查未通过 1 张" in html
    assert page_url(at_review) in html


def test_a_drawing_number_used_twice_is_shown_on_both_drawings(client, open_case, tmp_path):
    flow = open_case()
    item = CatalogItem.objects.get(code="D-2")
    copy = make_as_built_dxf(
        tmp_path / "D-2-copy.dxf",
        project_name=PROJECT_NAME,
        drawing_number="D-1-01",  # the number of the D-1 sample's first sheet
        sheet_title="复印图",
        stamp={tag: "某某" for tag in AS_BUILT_STAMP_FIELDS},
    )
    with copy.open("rb") as handle:
        material_upload(
            case=flow.case,
            user=flow.owner,
            catalog_item=item,
            node=flow.node_for(item),
            file=File(handle),
            name=copy.name,
        )
    flow.prefile()
    flow.apply()

    set_findings = flow.task("drawing_review").context["drawing_check"]["set_findings"]
    assert sorted(set_findings) == ["D-1-1.dxf", "D-2-copy.dxf"]
    client.force_login(flow.reviewer)
    page = client.get(page_url(flow)).content.decode()
    assert page.count("drawing.set.unique_number") == 2
    assert "图号“D-1-01”在本案件的图纸中出现 2 次" in page

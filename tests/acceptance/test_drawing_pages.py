"""The drawing review pages: a reviewer decides each drawing, the owner resubmits, the loop ends."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import ezdxf
import pytest
from django.contrib.auth import get_user_model
from django.core.files import File
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from ezdxf.fonts import fonts
from PIL import Image, ImageChops

from acceptance.drawings import preview
from acceptance.models import CatalogItem, Material
from acceptance.samples import AS_BUILT_STAMP_FIELDS, make_as_built_dxf
from acceptance.selectors.drawings import (
    case_drawings,
    drawing_preview_dir,
    drawing_text_encoding,
)
from acceptance.services.drawings import drawing_preview_render
from acceptance.services.materials import material_upload
from workflows.fonts import CJK_FONT_PATH

from .conftest import CORE_DRAWING, PROJECT_NAME, statuses_as_journaled, statuses_stored

pytestmark = pytest.mark.django_db(transaction=True)

SHARED_DXF = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "dxf"


def page_url(flow, material=None) -> str:
    url = reverse("acceptance:drawings", args=[flow.case.reference])
    return url if material is None else f"{url}?drawing={material.pk}"


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
    # The set is listed once; the drawing shown first is the first without a verdict.
    assert page.count('<a href="?drawing=') == 11
    assert "未找到竣工图章" in page and "drawing.stamp.present" not in page
    assert page.count('class="verdict-form"') == 1 and "尚有 11 张图纸未给出意见" in page
    # The rule by its name, never its id.
    unstamped_page = client.get(page_url(flow, unstamped)).content.decode()
    assert "<strong>竣工图章</strong>" in unstamped_page and "未找到竣工图章" in unstamped_page

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
    # An auditor travelling back to this point sees the verdicts too.
    assert statuses_as_journaled(flow) == statuses_stored(flow)

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
    page = client.get(page_url(flow)).content.decode()
    assert "尚有 1 张图纸未给出意见" in page and f'id="drawing-{new.pk}"' in page
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
    thumbnail = reverse(
        "acceptance:drawing_preview", args=[at_review.case.reference, material.pk, "layout-0.png"]
    )
    assert thumbnail in page  # the set list's thumbnail
    svg_url = thumbnail.replace("layout-0.png", "layout-1.svg")
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
    copy = make_as_built_dxf(
        tmp_path / "D-2-copy.dxf",
        project_name=PROJECT_NAME,
        drawing_number="D-1-01",  # the number of the D-1 sample's first sheet
        sheet_title="复印图",
        stamp={tag: "某某" for tag in AS_BUILT_STAMP_FIELDS},
    )
    flow.upload_file("D-2", copy)
    flow.prefile()
    flow.apply()

    set_findings = flow.task("drawing_review").context["drawing_check"]["set_findings"]
    assert sorted(set_findings) == ["D-1-1.dxf", "D-2-copy.dxf"]
    client.force_login(flow.reviewer)
    for name in ("D-1-1.dxf", "D-2-copy.dxf"):
        material = case_drawings(flow.case).get(original_name=name)
        page = client.get(page_url(flow, material)).content.decode()
        assert "<strong>图号唯一</strong>" in page
        assert "图号“D-1-01”在本案件的图纸中出现 2 次" in page


def index_csv(entries: dict[str, str]) -> SimpleUploadedFile:
    text = "图号,图名\n" + "".join(f"{number},{name}\n" for number, name in entries.items())
    return SimpleUploadedFile("图纸目录.csv", text.encode(), content_type="text/csv")


def upload_index(client, flow, upload):
    url = reverse("acceptance:drawing_index", args=[flow.case.reference])
    return client.post(url, {"file": upload}, follow=True).content.decode()


def test_the_owner_supplies_the_drawing_index_and_the_review_compares_it(client, open_case):
    flow = open_case()
    # The sample drawings carry the number "<item code>-01" and the item's name as sheet name.
    index = {f"{m.catalog_item.code}-01": m.catalog_item.name_zh for m in case_drawings(flow.case)}
    renamed, left_out = sorted(index)[:2]
    index[renamed] = "另一张图"
    del index[left_out]
    index["D-99-01"] = "不存在的图"
    client.force_login(flow.owner)
    page = upload_index(client, flow, index_csv(index))
    assert "已提交图纸目录，共 11 条" in page
    (supplied,) = flow.journal("drawing.index_supplied")
    assert supplied.payload == {"file": "图纸目录.csv", "entries": 11}

    flow.prefile()
    flow.apply()
    context = flow.task("drawing_review").context["drawing_check"]
    assert len(context["index_findings"]) == 1 and "D-99-01" in context["index_findings"][0]
    messages = [m for found in context["set_findings"].values() for m in found]
    assert len(context["set_findings"]) == 2 and len(messages) == 2
    assert any(f"与图纸目录中的“另一张图”不一致（图号 {renamed}）" in m for m in messages)
    assert any(f"图号“{left_out}”不在图纸目录中" in m for m in messages)

    client.force_login(flow.reviewer)
    drawings = {f"{m.catalog_item.code}-01": m for m in case_drawings(flow.case)}
    page = client.get(page_url(flow, drawings[renamed])).content.decode()
    assert "<strong>与图纸目录一致</strong>" in page
    assert f"与图纸目录中的“另一张图”不一致（图号 {renamed}）" in page
    page = client.get(page_url(flow, drawings[left_out])).content.decode()
    assert f"图号“{left_out}”不在图纸目录中" in page
    assert "图纸目录中的图号“D-99-01”（不存在的图）没有对应的图纸" in page
    assert 'id="upload-index"' not in page  # only the owner supplies the index


def test_a_refused_index_keeps_the_one_supplied_and_only_the_owner_may_supply(client, open_case):
    flow = open_case()
    client.force_login(flow.owner)
    upload_index(client, flow, index_csv({"D-1-01": "总平面图"}))
    refused = upload_index(client, flow, index_csv({"D-1-01": "总平面图"} | {"d-1-01 ": "重复"}))
    assert "在图纸目录中重复" in refused and "listed twice in the drawing index" in refused
    wrong_type = upload_index(client, flow, SimpleUploadedFile("目录.docx", b"PK\x03\x04"))
    assert "请上传 CSV 或 XLSX 文件" in wrong_type and "upload a CSV or XLSX file" in wrong_type
    flow.case.refresh_from_db()
    assert flow.case.drawing_index == [["D-1-01", "总平面图"]]
    assert len(flow.journal("drawing.index_supplied")) == 1

    client.force_login(flow.reviewer)
    page = upload_index(client, flow, index_csv({"X-1": "x"}))
    assert "只有建设单位可以提交图纸目录" in page and "only the owner" in page
    flow.case.refresh_from_db()
    assert flow.case.drawing_index == [["D-1-01", "总平面图"]]


def test_the_shipped_cjk_font_is_found_though_ezdxf_cached_its_fonts_without_it(
    tmp_path, monkeypatch
):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    fonts.font_manager.clear()  # what ezdxf knows from a cache file written on another machine

    assert preview._preview_font_installed(CJK_FONT_PATH.name)
    assert fonts.font_manager.has_font(CJK_FONT_PATH.name)


def one_character_drawing(path, character: str):
    """A frame and one character in a style naming a font the server lacks (宋体)."""
    doc = ezdxf.new()
    doc.styles.add("HZ", font="simsun.ttc")
    space = doc.modelspace()
    space.add_lwpolyline([(0, 0), (100, 0), (100, 100), (0, 100)], close=True)
    space.add_text(character, height=60, dxfattribs={"style": "HZ"}).set_placement((20, 20))
    doc.saveas(path)
    return path


def test_chinese_in_a_drawing_preview_is_drawn_as_glyphs_not_boxes(tmp_path):
    pngs = {}
    characters = {"dang": "档", "an": "案", "tu": "图", "kou": "口", "missing": "한"}
    for name, character in characters.items():
        source = one_character_drawing(tmp_path / f"{name}.dxf", character)
        (layout,) = preview.render_previews(source, tmp_path / name, findings=[])
        with Image.open(tmp_path / name / layout.png) as image:
            pngs[name] = image.convert("L")

    def differ(a: str, b: str) -> bool:
        return ImageChops.difference(pngs[a], pngs[b]).getbbox() is not None

    # Had the preview no CJK font, both characters would be the same box as a missing one.
    assert differ("dang", "an") and differ("dang", "missing") and differ("an", "missing")
    # The strokes inside 图's frame are drawn, not cut away with the hole around them.
    assert differ("tu", "kou")


def test_the_viewer_reads_the_drawing_file_with_its_findings_located(client, at_review):
    material = at_review.current(CORE_DRAWING)
    client.force_login(at_review.reviewer)
    response = client.get(page_url(at_review, material))
    config = response.context["viewer"]
    file_url = reverse("acceptance:drawing_file", args=[at_review.case.reference, material.pk])
    assert config["file"] == file_url and config["encoding"] == "utf-8"
    assert config["fonts"] and config["fonts"][0].endswith(".ttf")
    assert [m["number"] for m in config["marks"]] == list(range(1, len(config["marks"]) + 1))
    served = client.get(file_url)
    assert served.status_code == 200
    with material.file.open("rb") as stored:
        assert b"".join(served.streaming_content) == stored.read()

    # Someone who may not read the case gets nothing.
    client.force_login(get_user_model().objects.create_user("stranger", password="test-password"))
    assert client.get(file_url).status_code == 404


CHECK_STATES_SHOWN = {
    "pending": "自动审查尚未完成",
    "running": "自动审查进行中",
    "findings": "发现的问题",
    "no findings": "自动审查未发现问题",
}


def check_states_shown(page: str) -> list[str]:
    return [state for state, words in CHECK_STATES_SHOWN.items() if words in page]


def test_each_drawing_shows_one_check_state_pending_running_findings_or_none(client, at_review):
    client.force_login(at_review.reviewer)
    shown = {}
    for material in case_drawings(at_review.case):
        (state,) = check_states_shown(client.get(page_url(at_review, material)).content.decode())
        shown[material.pk] = state
    assert shown[at_review.current(CORE_DRAWING).pk] == "findings"  # no as-built stamp
    assert "no findings" in shown.values()

    # The same drawing before its checks ran, and while they run: one state each, no verdict.
    material = at_review.current(CORE_DRAWING)
    Material.objects.filter(pk=material.pk).update(check_report={}, check_started_at=None)
    assert check_states_shown(client.get(page_url(at_review, material)).content.decode()) == [
        "pending"
    ]
    started = timezone.now() + timedelta(minutes=1)
    Material.objects.filter(pk=material.pk).update(check_started_at=started)
    assert check_states_shown(client.get(page_url(at_review, material)).content.decode()) == [
        "running"
    ]


def test_a_binary_dxf_gets_no_viewer_and_says_why(client, open_case, tmp_path):
    flow = open_case(leave_out=[CORE_DRAWING])
    item = CatalogItem.objects.get(code=CORE_DRAWING)
    binary = SHARED_DXF / "bin_dxf_r12.dxf"
    with binary.open("rb") as handle:
        material = material_upload(
            case=flow.case,
            user=flow.owner,
            catalog_item=item,
            node=flow.node_for(item),
            file=File(handle),
            name="D-1 二进制.dxf",
        )
    flow.prefile()
    flow.apply()
    client.force_login(flow.reviewer)
    response = client.get(page_url(flow, material))
    page = response.content.decode()
    assert response.context["viewer"]["file"] is None
    assert "无法在线看图" in page, page
    assert "drawing-viewer-config" not in page
    assert "dxf-viewer.js" not in page


@pytest.mark.parametrize(
    ("version", "codec", "encoding"),
    [
        ("R2000", "gbk", "gbk"),
        ("R2000", "cp1252", "windows-1252"),
        ("R2018", "gbk", "utf-8"),
    ],
)
def test_the_browser_decodes_a_drawing_by_its_code_page(tmp_path, version, codec, encoding):
    doc = ezdxf.new(version)
    doc.encoding = codec  # written as $DWGCODEPAGE (ANSI_936, ANSI_1252); R2007 on is UTF-8
    doc.modelspace().add_text("竣工图" if codec == "gbk" else "plan")
    path = tmp_path / "drawing.dxf"
    doc.saveas(path)
    stored = SimpleNamespace(file=SimpleNamespace(path=str(path)))
    assert drawing_text_encoding(stored) == encoding

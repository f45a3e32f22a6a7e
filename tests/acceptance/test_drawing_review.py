"""The drawing rules (数字化审图) on generated drawings, one passing and failing per rule, and on
every shared DXF fixture."""

from __future__ import annotations

import io
import json
from pathlib import Path

import ezdxf
import pytest
from django.core.management import call_command
from ezdxf.enums import InsertUnits
from ezdxf.lldxf.const import VALID_DXF_LINEWEIGHT_VALUES, acad_release
from ezdxf.units import METER_FACTOR
from openpyxl import Workbook

from acceptance.drawings.index import MAX_BYTES, MAX_ROWS, parse_drawing_index
from acceptance.drawings.review import review_drawing, review_index_unmatched, review_set
from acceptance.drawings.rules import RULES, Severity
from acceptance.drawings.scan import LINEWEIGHTS, RELEASES, UNITS, scan_drawing
from acceptance.exceptions import UploadRefused
from acceptance.samples import (
    AS_BUILT_STAMP_BLOCK,
    AS_BUILT_STAMP_FIELDS,
    SHEET_LAYOUT,
    TITLE_BLOCK,
    make_as_built_dxf,
)

FIXTURES = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures" / "dxf"
PROJECT = "浦东新区测试中学新建工程"
FULL_STAMP = {tag: f"{label}甲" for tag, label in AS_BUILT_STAMP_FIELDS.items()}


def drawing(path: Path, **kwargs) -> Path:
    args = {
        "project_name": PROJECT,
        "drawing_number": "建施-01",
        "sheet_title": "一层平面图",
        "stamp": FULL_STAMP,
    }
    return make_as_built_dxf(path, **{**args, **kwargs})


def rules_found(path: Path, **kwargs) -> dict[str, list]:
    found: dict[str, list] = {}
    for finding in review_drawing(path, **kwargs).findings:
        found.setdefault(finding.rule, []).append(finding)
    return found


def edit(path: Path, change) -> Path:
    doc = ezdxf.readfile(path)
    change(doc)
    doc.saveas(path)
    return path


def the_insert(doc, name):
    return next(e for e in doc.paperspace(SHEET_LAYOUT).query("INSERT") if e.dxf.name == name)


def test_a_complete_stamped_drawing_passes_every_rule(tmp_path: Path) -> None:
    review = review_drawing(drawing(tmp_path / "a.dxf"), project_name=PROJECT)
    assert review.findings == []
    assert review.title == {
        "project_name": PROJECT,
        "drawing_number": "建施-01",
        "sheet_title": "一层平面图",
    }
    outcomes = {o.code: o for o in review.outcomes()}
    assert outcomes["drawing.stamp.fields"].result == "pass"
    assert all(o.message_zh and o.message_en for o in outcomes.values())


def test_a_drawing_without_stamp_is_an_error(tmp_path: Path) -> None:
    found = rules_found(drawing(tmp_path / "a.dxf", stamp=None))
    assert list(found) == ["stamp.present"]
    assert found["stamp.present"][0].severity is Severity.ERROR
    assert "竣工图章" in found["stamp.present"][0].message_zh


def test_empty_stamp_fields_are_named_and_located(tmp_path: Path) -> None:
    path = drawing(tmp_path / "a.dxf", stamp={"CONTRACTOR": "上海建工", "DATE": "2026-01-10"})
    (finding,) = rules_found(path)["stamp.fields"]
    assert finding.detail["empty_fields"] == [
        "compiler",
        "checker",
        "technical_lead",
        "supervisor",
        "site_supervisor",
        "chief_supervisor",
    ]
    assert "编制人" in finding.message_zh and "compiler" in finding.message_en
    doc = ezdxf.readfile(path)
    assert finding.handle == the_insert(doc, AS_BUILT_STAMP_BLOCK).dxf.handle
    assert finding.layout == SHEET_LAYOUT
    x1, y1, x2, y2 = finding.box
    assert (x2 - x1, y2 - y1) == pytest.approx((80, 50))


def test_a_stamp_found_by_its_chinese_tags_under_another_block_name(tmp_path: Path) -> None:
    def rename_tags(doc):
        stamp = the_insert(doc, AS_BUILT_STAMP_BLOCK)
        for attrib in stamp.attribs:
            attrib.dxf.tag = AS_BUILT_STAMP_FIELDS[attrib.dxf.tag]
        doc.blocks.rename_block(AS_BUILT_STAMP_BLOCK, "STAMP_2024")

    path = edit(drawing(tmp_path / "a.dxf"), rename_tags)
    assert rules_found(path, project_name=PROJECT) == {}


def test_a_stamp_at_twice_the_size_is_a_warning(tmp_path: Path) -> None:
    def enlarge(doc):
        stamp = the_insert(doc, AS_BUILT_STAMP_BLOCK)
        stamp.dxf.xscale = stamp.dxf.yscale = 2
        stamp.dxf.insert = (20, 200)

    (finding,) = rules_found(edit(drawing(tmp_path / "a.dxf"), enlarge))["stamp.size"]
    assert finding.severity is Severity.WARNING
    assert (finding.detail["width_mm"], finding.detail["height_mm"]) == (160, 100)


def test_a_stamp_over_the_title_block_is_an_error(tmp_path: Path) -> None:
    def move_down(doc):
        the_insert(doc, AS_BUILT_STAMP_BLOCK).dxf.insert = (300, 10)

    found = rules_found(edit(drawing(tmp_path / "a.dxf"), move_down))
    assert list(found) == ["stamp.overlap"]
    assert "图签" in found["stamp.overlap"][0].message_zh


def test_a_model_space_sheet_at_1_to_100_has_a_stamp_of_the_right_size(tmp_path: Path) -> None:
    def to_model_space(doc):
        msp = doc.modelspace()
        for name, at in ((TITLE_BLOCK, (30000, 0)), (AS_BUILT_STAMP_BLOCK, (40000, 5000))):
            old = the_insert(doc, name)
            new = msp.add_blockref(name, at, dxfattribs={"xscale": 100, "yscale": 100})
            new.add_auto_attribs({a.dxf.tag: a.dxf.text for a in old.attribs})
            doc.paperspace(SHEET_LAYOUT).delete_entity(old)

    found = rules_found(edit(drawing(tmp_path / "a.dxf"), to_model_space), project_name=PROJECT)
    assert found == {}


def test_the_title_block_project_name_must_match_the_case(tmp_path: Path) -> None:
    path = drawing(tmp_path / "a.dxf", project_name="另一个工程")
    (finding,) = rules_found(path, project_name=PROJECT)["title.project_name"]
    assert finding.detail == {"title_block": "另一个工程", "case": PROJECT}
    # Full-width characters and spaces do not make a difference.
    assert (
        rules_found(drawing(tmp_path / "b.dxf", project_name=f" {PROJECT} "), project_name=PROJECT)
        == {}
    )


def test_an_empty_drawing_number_is_an_error(tmp_path: Path) -> None:
    assert list(rules_found(drawing(tmp_path / "a.dxf", drawing_number=""))) == [
        "title.drawing_number"
    ]


def test_a_drawing_without_title_block(tmp_path: Path) -> None:
    def drop_title(doc):
        doc.paperspace(SHEET_LAYOUT).delete_entity(the_insert(doc, TITLE_BLOCK))

    assert list(rules_found(edit(drawing(tmp_path / "a.dxf"), drop_title))) == ["title.present"]


def test_units_not_set_is_a_warning(tmp_path: Path) -> None:
    found = rules_found(drawing(tmp_path / "a.dxf", units_mm=False))
    assert list(found) == ["drawing.units"]
    assert found["drawing.units"][0].severity is Severity.WARNING


def test_missing_extents_are_reported(tmp_path: Path) -> None:
    def forget_extents(doc):
        msp = doc.modelspace()
        msp.dxf.extmin, msp.dxf.extmax = (1e20, 1e20, 1e20), (-1e20, -1e20, -1e20)

    found = rules_found(edit(drawing(tmp_path / "a.dxf"), forget_extents))
    assert list(found) == ["drawing.extents"]


def test_an_unbound_external_reference_is_an_error(tmp_path: Path) -> None:
    def attach_xref(doc):
        doc.add_xref_def("C:/projects/base-plan.dxf", "BASE")
        doc.modelspace().add_blockref("BASE", (0, 0))

    (finding,) = rules_found(edit(drawing(tmp_path / "a.dxf"), attach_xref))["drawing.xrefs"]
    assert finding.detail["path"] == "C:/projects/base-plan.dxf"
    assert finding.layout == "Model" and finding.handle


def test_a_text_style_with_an_unknown_font_is_reported(tmp_path: Path) -> None:
    def odd_font(doc):
        doc.styles.add("ODD", font="no-such-font-anywhere.ttf")

    (finding,) = rules_found(edit(drawing(tmp_path / "a.dxf"), odd_font))["drawing.fonts"]
    assert finding.detail["styles"] == {"ODD": "no-such-font-anywhere.ttf"}


def test_proxy_entities_are_reported(tmp_path: Path) -> None:
    path = drawing(tmp_path / "a.dxf")
    text = path.read_text(encoding="utf8")
    entities = text.index("ENTITIES")
    end = text.index("ENDSEC", entities)
    proxy = "ACAD_PROXY_ENTITY\n  5\nFFF1\n  8\n0\n  0\n"
    path.write_text(text[:end] + proxy + text[end:], encoding="utf8")
    (finding,) = rules_found(path)["drawing.proxies"]
    assert finding.handle == "FFF1" and finding.detail["count"] == 1


def test_a_truncated_drawing_is_recovered_and_the_repairs_reported(tmp_path: Path) -> None:
    path = drawing(tmp_path / "a.dxf")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) * 2 // 3])
    found = rules_found(path)
    assert "file.truncated" in found
    assert found["file.truncated"][0].severity is Severity.ERROR
    assert "截断" in found["file.truncated"][0].message_zh


def test_a_dwg_file_is_refused_with_a_hint_to_export_dxf(tmp_path: Path) -> None:
    path = tmp_path / "plan.dxf"
    path.write_bytes(b"AC1032" + bytes(200))
    (finding,) = rules_found(path)["file.dwg"]
    assert "DXF" in finding.message_zh and "Save As" in finding.message_en


def test_an_ancient_version_is_refused(tmp_path: Path) -> None:
    path = drawing(tmp_path / "a.dxf")
    path.write_text(path.read_text(encoding="utf8").replace("AC1032", "AC1006", 1), "utf8")
    assert list(rules_found(path)) == ["file.version"]


def test_a_drawing_above_the_size_limit_is_refused(tmp_path: Path, settings) -> None:
    settings.ACCEPTANCE_DRAWING_MAX_BYTES = 10_000
    (finding,) = rules_found(drawing(tmp_path / "a.dxf"))["file.size"]
    assert finding.detail["max_bytes"] == 10_000
    assert "拆分" in finding.message_zh


def test_a_profile_switches_rules_off_and_changes_severity(tmp_path: Path, settings) -> None:
    settings.ACCEPTANCE_DRAWING_RULES = {"drawing.units": {"severity": "error"}}
    settings.ACCEPTANCE_DRAWING_PROFILES = {"municipal": {"stamp.present": {"enabled": False}}}
    path = drawing(tmp_path / "a.dxf", stamp=None, units_mm=False)
    found = rules_found(path, works_type="municipal")
    assert list(found) == ["drawing.units"]
    assert found["drawing.units"][0].severity is Severity.ERROR
    assert "stamp.present" not in review_drawing(path, works_type="municipal").ran
    assert "stamp.present" in rules_found(path, works_type="building")


def test_drawing_numbers_must_be_unique_and_agree_with_the_index() -> None:
    titles = {
        1: {"drawing_number": "建施-01", "sheet_title": "一层平面图"},
        2: {"drawing_number": "建施-01", "sheet_title": "二层平面图"},
        3: {"drawing_number": "建施-03", "sheet_title": "立面图"},
    }
    index = {"建施-01": "一层平面图", "建施-03": "剖面图"}
    found = review_set(titles, index=index)
    assert [f.rule for f in found[1]] == ["set.unique_number"]
    assert [f.rule for f in found[2]] == ["set.unique_number", "set.index"]
    assert [f.rule for f in found[3]] == ["set.index"]
    assert found[3][0].detail == {"drawing_number": "建施-03", "sheet": "立面图", "index": "剖面图"}


@pytest.mark.parametrize("path", sorted(FIXTURES.glob("*.dxf")), ids=lambda p: p.name)
def test_every_shared_fixture_gets_a_review_result(path: Path) -> None:
    review = review_drawing(path, project_name=PROJECT)
    assert review.ran, "no rule ran"
    for finding in review.findings:
        assert finding.rule in RULES
        assert finding.message_zh and finding.message_en
    if not review.readable:
        assert any(f.severity is Severity.ERROR for f in review.findings)


@pytest.mark.parametrize(
    ("name", "rule"),
    [
        ("bin_dxf_r12.dxf", "file.binary_dxf"),
        ("recover01.dxf", "file.repaired"),
        ("Minimal_DXF_AC1009.dxf", "file.empty"),
        ("images.dxf", "drawing.images"),
        ("3_us_main.dxf", "stamp.present"),
    ],
)
def test_known_shared_fixtures_get_the_expected_finding(name: str, rule: str) -> None:
    assert rule in rules_found(FIXTURES / name)


def test_check_files_prints_the_drawing_findings_in_its_json(tmp_path: Path, capsys) -> None:
    path = drawing(tmp_path / "plan.dxf", stamp=None)
    with pytest.raises(SystemExit) as exit_status:
        call_command("check_files", str(path), "--kind", "drawing")
    assert exit_status.value.code == 1
    (result,) = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    checks = {check["code"]: check for check in result["checks"]}
    assert checks["drawing.stamp.present"]["result"] == "fail"
    assert checks["drawing.stamp.present"]["detail"]["severity"] == "error"
    assert checks["drawing.title.project_name"]["result"] == "pass"
    assert "未找到竣工图章" in checks["drawing.stamp.present"]["message_zh"]


@pytest.mark.parametrize(
    ("version", "codec", "text", "encoding"),
    [
        ("R2000", "gbk", "浦东新区测试中学", "gbk"),  # $DWGCODEPAGE ANSI_936
        ("R2004", "cp1252", "Pudong", "cp1252"),
        ("R2018", "gbk", "浦东新区测试中学", "utf-8"),  # R2007 on: UTF-8 whatever the code page
    ],
)
def test_a_drawing_is_read_in_its_own_code_page(tmp_path, version, codec, text, encoding):
    doc = ezdxf.new(version)
    doc.encoding = codec
    doc.blocks.new(TITLE_BLOCK)
    doc.modelspace().add_blockref(TITLE_BLOCK, (0, 0)).add_attrib("PROJECT_NAME", text)
    doc.saveas(tmp_path / "plan.dxf")

    facts = scan_drawing(tmp_path / "plan.dxf")

    assert facts.encoding == encoding
    assert [insert.attribs for insert in facts.inserts] == [{"PROJECT_NAME": text}]


def test_the_scan_s_dxf_tables_are_ezdxf_s() -> None:
    """The scan judges clean drawings without loading ezdxf, from copies of ezdxf's tables."""
    assert acad_release == RELEASES
    assert VALID_DXF_LINEWEIGHT_VALUES == LINEWEIGHTS
    assert [name for name, _ in UNITS] == [unit.name for unit in InsertUnits]
    assert [factor for _, factor in UNITS] == pytest.approx(METER_FACTOR)


# -- the drawing index (图纸目录) --------------------------------------------------------------

INDEX_TITLES = {
    "a.dxf": {"drawing_number": "建施-01", "sheet_title": "一层平面图"},
    "b.dxf": {"drawing_number": "建施-02", "sheet_title": "立面图"},
}


def xlsx_bytes(rows: list[list]) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def index_findings(data: bytes, filename: str) -> dict[str, list]:
    """Every set.index finding of INDEX_TITLES against the parsed index, by drawing (or extra)."""
    index = dict(parse_drawing_index(data, filename))
    found = {
        key: [f for f in findings if f.rule == "set.index"]
        for key, findings in review_set(INDEX_TITLES, index=index).items()
    }
    found["extra"] = review_index_unmatched(INDEX_TITLES, index)
    return found


@pytest.mark.parametrize(
    ("data", "filename"),
    [
        ("图号,图名\n建施-01,一层平面图\n建施-02,立面图\n".encode(), "目录.csv"),
        ("Sheet name,Drawing number\n立面图,建施-02\n一层平面图,建施-01\n".encode(), "i.CSV"),
        ("建施-01,一层平面图\r\n建施 - 02 ,立面图\r\n".encode("gb18030"), "no-header.csv"),
        (
            xlsx_bytes([["图号", "图名"], ["建施-01", "一层平面图"], ["建施-02", "立面图"]]),
            "i.xlsx",
        ),
        (xlsx_bytes([["建施-01", "一层平面图"], [None, None], ["建施-02", "立面图"]]), "i.xlsx"),
    ],
    ids=[
        "csv-chinese-header",
        "csv-english-header-swapped",
        "csv-gbk-no-header",
        "xlsx",
        "xlsx-no-header",
    ],
)
def test_a_good_drawing_index_gives_no_finding(data: bytes, filename: str) -> None:
    assert index_findings(data, filename) == {"a.dxf": [], "b.dxf": [], "extra": []}


def test_the_index_names_each_disagreeing_missing_and_extra_drawing() -> None:
    found = index_findings("图号,图名\n建施-01,首层平面图\n建施-09,屋顶平面图\n".encode(), "i.csv")
    (renamed,) = found["a.dxf"]
    assert renamed.detail == {
        "drawing_number": "建施-01",
        "sheet": "一层平面图",
        "index": "首层平面图",
    }
    assert "建施-01" in renamed.message_zh and "首层平面图" in renamed.message_zh
    (missing,) = found["b.dxf"]
    assert "图号“建施-02”不在图纸目录中" in missing.message_zh
    assert "'建施-02' is not in the drawing index" in missing.message_en
    (extra,) = found["extra"]
    assert extra.rule == "set.index" and extra.detail["drawing_number"] == "建施-09"
    assert "建施-09" in extra.message_zh and "no drawing carries it" in extra.message_en


@pytest.mark.parametrize(
    ("data", "filename", "zh", "en"),
    [
        (b"%PDF-1.4", "目录.pdf", "请上传 CSV 或 XLSX 文件", "upload a CSV or XLSX"),
        (b"\n , \n", "i.csv", "图纸目录是空的", "is empty"),
        ("图号,图名\n".encode(), "i.csv", "只有表头", "no drawing rows"),
        (xlsx_bytes([["图号", "备注"], ["建施-01", "x"]]), "i.xlsx", "缺少“图名”列", "sheet name"),
        ("名称,图名\n建施-01,一层\n".encode(), "i.csv", "缺少“图号”列", "drawing number"),
        ("建施-01,一层\n建施-02\n".encode(), "i.csv", "第 2 行缺少图名", "Row 2"),
        ("图号,图名\n建施-01,一层\nJS-1,a\n建施－01,二层\n".encode(), "i.csv", "重复", "twice"),
        (b"PK\x03\x04broken", "i.xlsx", "无法读取该 XLSX", "cannot be read"),
        (b"\xff\xfe\x00\xd8", "i.csv", "编码", "UTF-8"),
    ],
    ids=[
        "type",
        "empty",
        "header-only",
        "no-name-column",
        "no-number-column",
        "short-row",
        "duplicate",
        "broken-xlsx",
        "encoding",
    ],
)
def test_an_unusable_drawing_index_is_refused_in_both_languages(data, filename, zh, en) -> None:
    with pytest.raises(UploadRefused) as refused:
        parse_drawing_index(data, filename)
    assert zh in refused.value.message_zh
    assert en in refused.value.message_en


def test_an_oversized_or_overlong_drawing_index_is_refused() -> None:
    with pytest.raises(UploadRefused) as big:
        parse_drawing_index(b"a,b\n" * (MAX_BYTES // 4 + 1), "i.csv")
    assert "超过 2 MB" in big.value.message_zh and "larger than 2 MB" in big.value.message_en
    rows = [[f"建施-{n}", f"图{n}"] for n in range(MAX_ROWS + 1)]
    for data, filename in (
        (
            "".join(f"{a},{b}\n" for a, b in rows).encode(),
            "i.csv",
        ),
        (xlsx_bytes(rows), "i.xlsx"),
    ):
        with pytest.raises(UploadRefused) as long:
            parse_drawing_index(data, filename)
        assert f"超过 {MAX_ROWS} 行" in long.value.message_zh


def test_the_viewer_offers_model_space_and_each_layout_holding_something_in_tab_order(tmp_path):
    from acceptance.models import Material
    from acceptance.selectors.drawings import drawing_marks, drawing_spaces

    def layouts(doc):
        doc.layouts.new("立面图").add_line((0, 0), (420, 297))
        doc.layouts.new("Layout3")  # empty: a CAD program has the tab, the reviewer needs none

    path = edit(drawing(tmp_path / "layouts.dxf"), layouts)
    outcomes = [o.as_dict() for o in review_drawing(path, project_name=PROJECT).outcomes()]
    spaces = drawing_spaces(Material(check_report={"outcomes": outcomes}))

    assert [(space["zh"], space["en"]) for space in spaces] == [
        ("模型", "Model"),
        ("布局1", SHEET_LAYOUT),
        ("立面图", ""),
    ]
    assert [space["key"] for space in spaces][:2] == ["model", "paper"]
    elevation = spaces[2]["key"]
    assert elevation.startswith("*PAPER_SPACE")
    finding = {"result": "fail", "message_zh": "问题", "message_en": "problem"}
    marks = drawing_marks(
        [
            {**finding, "detail": {"layout": "立面图", "box": [0, 0, 10, 10]}},
            {**finding, "detail": {"layout": SHEET_LAYOUT, "box": [0, 0, 10, 10]}},
            {**finding, "detail": {"layout": "Model", "box": [0, 0, 10, 10]}},
        ],
        spaces,
    )
    assert [mark["space"] for mark in marks] == [elevation, "paper", "model"]
    # A result recorded before the spaces were listed: the two spaces every DXF has.
    assert [space["key"] for space in drawing_spaces(Material(check_report={}))] == [
        "model",
        "paper",
    ]

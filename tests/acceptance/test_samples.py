"""The sample generators write files a reviewer's tools read back as intended."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import ezdxf
import pytest
from ezdxf import bbox
from PIL import ExifTags, Image, ImageChops
from pypdf import PdfReader

from acceptance.checks import FileKind, check_file
from acceptance.samples import (
    AS_BUILT_STAMP_BLOCK,
    AS_BUILT_STAMP_FIELDS,
    CJK_TEXT_STYLE,
    SHEET_LAYOUT,
    TITLE_BLOCK,
    make_as_built_dxf,
    make_pdf_document,
    make_site_photo,
)
from tests.documents import assert_fonts_embedded

STAMP = {
    "CONTRACTOR": "上海建工集团股份有限公司",
    "COMPILER": "张伟",
    "CHECKER": "李娜",
    "TECH_LEAD": "王强",
    "DATE": "2026-01-10",
    "SUPERVISOR": "上海市建设工程监理有限公司",
    "SITE_SUPERVISOR": "赵敏",
}


def drawing(path: Path, **kwargs) -> Path:
    options = {
        "project_name": "浦东新区测试中学新建工程",
        "drawing_number": "建施-03",
        "sheet_title": "三层平面图",
        "stamp": STAMP,
    }
    return make_as_built_dxf(path, **(options | kwargs))


def inserts(doc: ezdxf.document.Drawing, name: str) -> list:
    return [
        insert
        for layout in doc.layouts
        for insert in layout.query("INSERT")
        if insert.dxf.name == name
    ]


def test_the_stamp_attributes_read_back_with_missing_fields_empty(tmp_path: Path) -> None:
    doc = ezdxf.readfile(drawing(tmp_path / "plan.dxf"))

    (stamp,) = inserts(doc, AS_BUILT_STAMP_BLOCK)
    values = {attrib.dxf.tag: attrib.dxf.text for attrib in stamp.attribs}
    assert values == {tag: STAMP.get(tag, "") for tag in AS_BUILT_STAMP_FIELDS}
    assert values["CHIEF_SUPERVISOR"] == ""
    assert stamp.get_layout().name == SHEET_LAYOUT
    attdefs = {a.dxf.tag: a.dxf.prompt for a in doc.blocks[AS_BUILT_STAMP_BLOCK].attdefs()}
    assert attdefs == AS_BUILT_STAMP_FIELDS


def test_the_stamp_is_80_by_50_mm_with_the_word_and_sits_above_the_title_block(
    tmp_path: Path,
) -> None:
    doc = ezdxf.readfile(drawing(tmp_path / "plan.dxf"))
    (stamp,) = inserts(doc, AS_BUILT_STAMP_BLOCK)
    (title,) = inserts(doc, TITLE_BLOCK)

    stamp_box = bbox.extents([stamp])
    title_box = bbox.extents([title])
    assert stamp_box.size.x == pytest.approx(80)
    assert stamp_box.size.y == pytest.approx(50)
    assert stamp_box.extmin.y >= title_box.extmax.y  # above, not overlapping
    assert title_box.extmin.x <= stamp_box.extmin.x and stamp_box.extmax.x <= title_box.extmax.x
    words = [t.dxf.text for t in doc.blocks[AS_BUILT_STAMP_BLOCK].query("TEXT")]
    assert "竣工图" in words
    assert set(AS_BUILT_STAMP_FIELDS.values()) <= set(words)


def test_the_title_block_carries_project_number_and_sheet_title(tmp_path: Path) -> None:
    doc = ezdxf.readfile(drawing(tmp_path / "plan.dxf"))

    (title,) = inserts(doc, TITLE_BLOCK)
    assert {a.dxf.tag: a.dxf.text for a in title.attribs} == {
        "PROJECT_NAME": "浦东新区测试中学新建工程",
        "DRAWING_NO": "建施-03",
        "SHEET_TITLE": "三层平面图",
    }


def test_the_drawing_is_r2018_in_millimetres_with_walls_dimensions_and_cjk_text(
    tmp_path: Path,
) -> None:
    doc = ezdxf.readfile(drawing(tmp_path / "plan.dxf"))
    msp = doc.modelspace()

    assert doc.dxfversion == "AC1032"
    assert doc.header["$INSUNITS"] == 4
    assert len(msp.query("LWPOLYLINE[layer=='A-WALL']")) >= 4
    assert len(msp.query("DIMENSION")) >= 2
    assert doc.styles.get(CJK_TEXT_STYLE).dxf.font == "simsun.ttc"
    assert {t.dxf.style for t in msp.query("TEXT")} == {CJK_TEXT_STYLE}


def test_a_drawing_without_stamp_or_units(tmp_path: Path) -> None:
    doc = ezdxf.readfile(drawing(tmp_path / "plan.dxf", stamp=None, units_mm=False))

    assert inserts(doc, AS_BUILT_STAMP_BLOCK) == []
    assert len(inserts(doc, TITLE_BLOCK)) == 1
    assert doc.header["$INSUNITS"] == 0


def test_an_unknown_stamp_field_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="SIGNATURE"):
        drawing(tmp_path / "plan.dxf", stamp={"SIGNATURE": "x"})


def test_the_site_photo_has_its_exif(tmp_path: Path) -> None:
    taken = datetime(2026, 1, 10, 9, 30, 15, tzinfo=timezone(timedelta(hours=8)))
    path = make_site_photo(
        tmp_path / "p.jpg", taken_at=taken, make="Nikon", model="Z 6II", size=(1600, 1200)
    )

    with Image.open(path) as image:
        assert (image.format, image.size) == ("JPEG", (1600, 1200))
        exif = image.getexif()
    details = exif.get_ifd(ExifTags.IFD.Exif)
    assert exif[ExifTags.Base.Make] == "Nikon"
    assert exif[ExifTags.Base.Model] == "Z 6II"
    assert exif[ExifTags.Base.Orientation] == 1
    assert exif[ExifTags.Base.DateTime] == "2026:01:10 09:30:15"
    assert details[ExifTags.Base.DateTimeOriginal] == "2026:01:10 09:30:15"
    assert details[ExifTags.Base.OffsetTimeOriginal] == "+08:00"
    assert check_file(path, declared_kind=FileKind.PHOTO).passed


def test_photos_with_different_labels_differ(tmp_path: Path) -> None:
    taken = datetime(2026, 1, 10, 9, 30)
    first = make_site_photo(tmp_path / "a.jpg", taken_at=taken, label="A-1", size=(640, 480))
    second = make_site_photo(tmp_path / "b.jpg", taken_at=taken, label="A-2", size=(640, 480))

    with Image.open(first) as a, Image.open(second) as b:
        assert ImageChops.difference(a.convert("RGB"), b.convert("RGB")).getbbox() is not None


def test_the_pdf_reads_back_with_its_chinese_text(tmp_path: Path) -> None:
    path = make_pdf_document(
        tmp_path / "doc.pdf", title="竣工验收报告", lines=["工程质量符合设计要求。"]
    )

    reader = PdfReader(path)
    assert len(reader.pages) == 1
    assert reader.metadata.title == "竣工验收报告"
    text = reader.pages[0].extract_text()
    assert "竣工验收报告" in text
    assert "工程质量符合设计要求" in text
    assert check_file(path, declared_kind=FileKind.DOCUMENT).passed
    assert_fonts_embedded(path)


def test_long_text_flows_onto_a_second_page(tmp_path: Path) -> None:
    lines = ["施工单位对本工程质量负责，各分部分项工程均已验收合格。" * 3] * 30
    path = make_pdf_document(tmp_path / "long.pdf", title="说明", lines=lines)

    assert len(PdfReader(path).pages) == 2

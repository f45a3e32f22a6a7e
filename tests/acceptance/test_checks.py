"""File checks on real files: generated samples, hand-made bad files and the shared fixtures."""

from __future__ import annotations

import hashlib
import io
import json
import struct
import zlib
from datetime import datetime
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfWriter

from acceptance.checks import (
    CheckOutcome,
    CheckResult,
    FileKind,
    FileReport,
    check_file,
    sniff_format,
)
from acceptance.samples import make_as_built_dxf, make_pdf_document, make_site_photo

FIXTURES = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures"

STAMP = {"CONTRACTOR": "上海建工集团", "COMPILER": "张伟", "DATE": "2026-01-10"}


def outcome(report: FileReport, code: str) -> CheckOutcome:
    """The one outcome with ``code``; fails the test when it is missing or repeated."""
    found = [o for o in report.outcomes if o.code == code]
    assert len(found) == 1, f"{code} in {[o.code for o in report.outcomes]}"
    return found[0]


def codes(report: FileReport) -> set[str]:
    return {o.code for o in report.outcomes}


@pytest.fixture(scope="module")
def samples_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("samples")


@pytest.fixture(scope="module")
def good_dxf(samples_dir: Path) -> Path:
    return make_as_built_dxf(
        samples_dir / "floor-plan.dxf",
        project_name="浦东新区测试中学新建工程",
        drawing_number="建施-01",
        sheet_title="一层平面图",
        stamp=STAMP,
    )


@pytest.fixture(scope="module")
def good_photo(samples_dir: Path) -> Path:
    return make_site_photo(
        samples_dir / "site.jpg", taken_at=datetime(2026, 1, 10, 9, 30), label="基础验槽"
    )


@pytest.fixture(scope="module")
def good_pdf(samples_dir: Path) -> Path:
    return make_pdf_document(
        samples_dir / "report.pdf",
        title="竣工验收报告",
        lines=[f"第 {n} 条：工程质量符合设计要求和施工质量验收规范。" for n in range(1, 60)],
    )


# Good files


def test_a_good_as_built_dxf_passes_every_check(good_dxf: Path) -> None:
    report = check_file(good_dxf, declared_kind=FileKind.DRAWING)

    assert report.passed
    assert (report.detected_format, report.detected_kind) == ("dxf", FileKind.DRAWING)
    assert all(o.result is CheckResult.PASS for o in report.outcomes)
    opens = outcome(report, "usability.dxf_opens")
    assert opens.detail["dxfversion"] == "AC1032"
    assert opens.detail["release"] == "R2018"
    assert outcome(report, "usability.dxf_units").detail["insunits"] == 4
    assert outcome(report, "usability.dxf_content").detail["modelspace_entities"] > 0
    assert outcome(report, "security.kind_mismatch").result is CheckResult.PASS


def test_a_drawing_without_units_is_a_warning_not_a_failure(samples_dir: Path) -> None:
    path = make_as_built_dxf(
        samples_dir / "no-units.dxf",
        project_name="P",
        drawing_number="1",
        sheet_title="T",
        stamp=None,
        units_mm=False,
    )
    report = check_file(path, declared_kind=FileKind.DRAWING)

    assert report.passed
    units = outcome(report, "usability.dxf_units")
    assert units.result is CheckResult.WARN
    assert "单位" in units.message_zh


def test_a_good_pdf_opens_with_its_pages_counted(good_pdf: Path) -> None:
    report = check_file(good_pdf, declared_kind=FileKind.DOCUMENT)

    assert report.passed
    assert outcome(report, "usability.pdf_opens").detail["pages"] == 2
    assert outcome(report, "integrity.pdf_pages").result is CheckResult.PASS


def test_a_pdf_is_accepted_as_a_drawing_too(good_pdf: Path) -> None:
    report = check_file(good_pdf, declared_kind=FileKind.DRAWING)

    assert report.passed
    assert report.detected_kind is FileKind.DRAWING


def test_a_good_photo_decodes_fully(good_photo: Path) -> None:
    report = check_file(good_photo, declared_kind=FileKind.PHOTO)

    assert report.passed
    assert report.detected_format == "jpeg"
    opens = outcome(report, "usability.image_opens")
    assert (opens.detail["width"], opens.detail["height"]) == (2048, 1536)
    assert outcome(report, "security.decompression_bomb").result is CheckResult.PASS


def test_the_report_carries_the_streamed_digest_and_is_json(good_photo: Path) -> None:
    data = good_photo.read_bytes()
    report = check_file(good_photo)

    assert report.sha256 == hashlib.sha256(data).hexdigest()
    assert report.size == len(data)
    assert outcome(report, "authenticity.fixity").detail["sha256"] == report.sha256
    as_dict = json.loads(json.dumps(report.as_dict(), ensure_ascii=False))
    assert as_dict["passed"] is True
    assert as_dict["detected_kind"] == "photo"
    assert {o["code"] for o in as_dict["outcomes"]} == codes(report)


# Bad files


def test_a_dwg_is_refused_with_advice_to_export_dxf(tmp_path: Path) -> None:
    path = tmp_path / "plan.dwg"
    path.write_bytes(b"AC1032" + bytes(range(256)) * 8)

    report = check_file(path, declared_kind=FileKind.DRAWING)

    assert not report.passed
    assert report.detected_format == "dwg"
    accepted = outcome(report, "usability.format_accepted")
    assert accepted.result is CheckResult.FAIL
    assert accepted.detail["dwg_version"] == "AC1032"
    assert "DXF" in accepted.message_zh and "DXF" in accepted.message_en
    assert outcome(report, "security.kind_mismatch").result is CheckResult.PASS


def test_an_empty_file_fails_and_is_not_parsed(tmp_path: Path) -> None:
    path = tmp_path / "empty.pdf"
    path.write_bytes(b"")

    report = check_file(path, declared_kind=FileKind.DOCUMENT)

    assert not report.passed
    assert (report.detected_format, report.size) == ("empty", 0)
    assert report.sha256 == hashlib.sha256(b"").hexdigest()
    assert outcome(report, "security.empty_file").result is CheckResult.FAIL
    assert not any(o.property == "usability" for o in report.outcomes)


def test_a_pdf_that_is_really_html_fails_on_kind_mismatch(tmp_path: Path) -> None:
    path = tmp_path / "report.pdf"
    path.write_text("<!DOCTYPE html>\n<html><body><script>alert(1)</script></body></html>\n")

    report = check_file(path, declared_kind=FileKind.DOCUMENT)

    assert not report.passed
    assert report.detected_format == "html"
    mismatch = outcome(report, "security.kind_mismatch")
    assert mismatch.result is CheckResult.FAIL
    assert mismatch.detail == {
        "format": "html",
        "detected_kind": "unknown",
        "declared_kind": "document",
    }
    assert "HTML" in mismatch.message_zh
    assert "usability.pdf_opens" not in codes(report)


def test_an_encrypted_pdf_fails_asking_for_an_unencrypted_copy(tmp_path: Path) -> None:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.encrypt(user_password="secret", owner_password="owner")
    path = tmp_path / "locked.pdf"
    with path.open("wb") as fh:
        writer.write(fh)

    report = check_file(path, declared_kind=FileKind.DOCUMENT)

    assert not report.passed
    encrypted = next(o for o in report.outcomes if o.code.endswith(".pdf_encrypted"))
    assert encrypted.result is CheckResult.FAIL
    assert "未加密" in encrypted.message_zh
    assert "unencrypted copy" in encrypted.message_en


def test_a_pdf_without_pages_fails_integrity(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    PdfWriter().write(buffer)
    path = tmp_path / "blank.pdf"
    path.write_bytes(buffer.getvalue())

    report = check_file(path, declared_kind=FileKind.DOCUMENT)

    assert outcome(report, "integrity.pdf_pages").result is CheckResult.FAIL


def test_a_damaged_pdf_fails_to_open_with_the_error_in_detail(tmp_path: Path) -> None:
    path = tmp_path / "damaged.pdf"
    path.write_bytes(b"%PDF-1.7\n" + b"\x00garbage" * 100)

    report = check_file(path, declared_kind=FileKind.DOCUMENT)

    opens = outcome(report, "usability.pdf_opens")
    assert opens.result is CheckResult.FAIL
    assert opens.detail["error_type"]


def test_a_truncated_jpeg_fails_to_decode(good_photo: Path, tmp_path: Path) -> None:
    data = good_photo.read_bytes()
    path = tmp_path / "half.jpg"
    path.write_bytes(data[: len(data) // 2])

    report = check_file(path, declared_kind=FileKind.PHOTO)

    assert not report.passed
    opens = outcome(report, "usability.image_opens")
    assert opens.result is CheckResult.FAIL
    assert "truncated" in opens.detail["error"]


def _png_chunk(tag: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))


def test_a_decompression_bomb_is_refused_at_pillows_default_limit(tmp_path: Path) -> None:
    # A valid 30000 × 30000 bi-level PNG: 110 KB on disk, 900 million pixels once decoded.
    width = height = 30000
    rows = (b"\x00" * (1 + width // 8)) * 1000
    packer = zlib.compressobj(9)
    idat = b"".join(packer.compress(rows) for _ in range(height // 1000)) + packer.flush()
    path = tmp_path / "bomb.png"
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0))
        + _png_chunk(b"IDAT", idat)
        + _png_chunk(b"IEND", b"")
    )
    limit = Image.MAX_IMAGE_PIXELS

    report = check_file(path, declared_kind=FileKind.PHOTO)

    assert not report.passed
    bomb = outcome(report, "security.decompression_bomb")
    assert bomb.result is CheckResult.FAIL
    assert "解压炸弹" in bomb.message_zh
    assert "decompression bomb" in bomb.message_en
    assert "usability.image_opens" not in codes(report)
    assert limit == Image.MAX_IMAGE_PIXELS  # the guard was left in place


def test_an_image_over_the_limit_where_pillow_only_warns_is_refused_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "large.png"
    Image.new("1", (3000, 3000)).save(path)
    # 9 million pixels: above this limit, below Pillow's hard refusal at twice the limit.
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 6_000_000)

    with pytest.warns(Image.DecompressionBombWarning):
        report = check_file(path, declared_kind=FileKind.PHOTO)

    bomb = outcome(report, "security.decompression_bomb")
    assert bomb.result is CheckResult.FAIL
    assert (bomb.detail["width"], bomb.detail["height"]) == (3000, 3000)
    assert bomb.detail["max_pixels"] == 6_000_000


def test_a_fixity_mismatch_fails_authenticity(good_pdf: Path) -> None:
    digest = hashlib.sha256(good_pdf.read_bytes()).hexdigest()

    changed = check_file(good_pdf, expected_digest="0" * 64)
    same = check_file(good_pdf, expected_digest=digest.upper())

    fixity = outcome(changed, "authenticity.fixity")
    assert fixity.result is CheckResult.FAIL
    assert fixity.detail == {"sha256": digest, "expected_sha256": "0" * 64}
    assert not changed.passed
    assert outcome(same, "authenticity.fixity").result is CheckResult.PASS


def test_a_file_over_max_bytes_fails_and_is_not_parsed(good_pdf: Path) -> None:
    report = check_file(good_pdf, declared_kind=FileKind.DOCUMENT, max_bytes=1000)

    size = outcome(report, "security.size_limit")
    assert size.result is CheckResult.FAIL
    assert size.detail["max_bytes"] == 1000
    assert "usability.pdf_opens" not in codes(report)

    within = check_file(good_pdf, declared_kind=FileKind.DOCUMENT, max_bytes=10**9)
    assert outcome(within, "security.size_limit").result is CheckResult.PASS


@pytest.mark.parametrize(
    ("content", "fmt"),
    [
        (b"\x7fELF\x02\x01\x01" + b"\x00" * 64, "elf"),
        (b"MZ\x90\x00\x03" + b"\x00" * 64, "exe"),
        (b"#!/bin/sh\nrm -rf /\n", "script"),
    ],
)
def test_executables_and_scripts_fail_whatever_they_are_declared_as(
    tmp_path: Path, content: bytes, fmt: str
) -> None:
    path = tmp_path / "drawing.pdf"
    path.write_bytes(content)

    report = check_file(path, declared_kind=FileKind.DOCUMENT)

    assert report.detected_format == fmt
    assert outcome(report, "security.executable").result is CheckResult.FAIL
    assert outcome(report, "security.kind_mismatch").result is CheckResult.FAIL
    assert not any(o.property == "usability" for o in report.outcomes)


def test_a_photo_declared_as_a_document_is_a_mismatch(good_photo: Path) -> None:
    report = check_file(good_photo, declared_kind=FileKind.DOCUMENT)

    assert outcome(report, "security.kind_mismatch").result is CheckResult.FAIL
    assert outcome(report, "usability.format_accepted").result is CheckResult.FAIL


def test_a_missing_file_or_a_folder_is_reported_not_raised(tmp_path: Path) -> None:
    for path in (tmp_path / "missing.pdf", tmp_path):
        report = check_file(path)

        assert report.detected_format == "unreadable"
        assert outcome(report, "security.storage_readable").result is CheckResult.FAIL


# Sniffing


@pytest.mark.parametrize(
    ("head", "fmt"),
    [
        (b"%PDF-1.7\n", "pdf"),
        (b"  0\nSECTION\n  2\nHEADER\n", "dxf"),
        (b"999\ncomment\n0\nSECTION\n", "dxf"),
        (b"AutoCAD Binary DXF\r\n\x1a\x00", "dxf"),
        (b"AC1018\x00\x00", "dwg"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "jpeg"),
        (b"\x89PNG\r\n\x1a\n", "png"),
        (b"II*\x00\x08\x00\x00\x00", "tiff"),
        (b"MM\x00*\x00\x00\x00\x08", "tiff"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "webp"),
        (b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00", "mp4"),
        (b"\x00\x00\x00\x14ftypqt  \x00\x00\x02\x00", "mov"),
        (b"\x1aE\xdf\xa3\x9fB\x86\x81\x01B\x82\x88matroska", "mkv"),
        (b"\x1aE\xdf\xa3\x9fB\x86\x81\x01B\x82\x84webm", "webm"),
        (b"FLV\x01\x05", "flv"),
        (b"RIFF\x00\x00\x00\x00AVI LIST", "avi"),
        (b"ID3\x04\x00", "mp3"),
        (b"PK\x03\x04\x14\x00", "zip"),
        (b"\n  <!doctype HTML><html>", "html"),
        (b"<?xml version='1.0'?><svg xmlns='http://www.w3.org/2000/svg'/>", "svg"),
        ("竣工档案说明\n".encode(), "text"),
        (b"\x00\x01\x02\x03\xfe\xfd", "unknown"),
    ],
)
def test_sniff_format_reads_the_content_not_the_name(tmp_path: Path, head: bytes, fmt: str) -> None:
    path = tmp_path / "upload.pdf"
    path.write_bytes(head)

    assert sniff_format(path) == fmt


def test_sniff_format_of_an_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.jpg"
    path.write_bytes(b"")

    assert sniff_format(path) == "empty"


# Shared fixtures: real files from other projects' test suites, many deliberately broken


def _fixture_files(folder: str) -> list[Path]:
    directory = FIXTURES / folder
    return sorted(p for p in directory.iterdir() if p.is_file()) if directory.is_dir() else []


@pytest.mark.parametrize(
    "path", _fixture_files("dxf") + _fixture_files("photos"), ids=lambda p: p.name
)
def test_every_shared_fixture_gets_a_report_not_a_crash(path: Path) -> None:
    kind = FileKind.DRAWING if path.parent.name == "dxf" else FileKind.PHOTO

    report = check_file(path, declared_kind=kind)

    assert isinstance(report, FileReport)
    assert report.size == path.stat().st_size
    assert report.outcomes
    for item in report.outcomes:
        assert item.message_zh and item.message_en
    json.dumps(report.as_dict(), ensure_ascii=False)


@pytest.mark.parametrize(
    ("name", "code", "result"),
    [
        ("dxf/bin_dxf_r12.dxf", "usability.dxf_opens", CheckResult.PASS),
        ("dxf/recover01.dxf", "usability.dxf_recovered", CheckResult.WARN),
        ("dxf/duplicate_handles.dxf", "usability.dxf_recovered", CheckResult.WARN),
        ("dxf/Minimal_DXF_AC1009.dxf", "usability.dxf_content", CheckResult.FAIL),
        ("dxf/3_us_main.dxf", "usability.dxf_content", CheckResult.PASS),
        ("photos/truncated_jpeg.jpg", "usability.image_opens", CheckResult.FAIL),
        ("photos/truncated_image.png", "usability.image_opens", CheckResult.FAIL),
        ("photos/broken.png", "usability.image_opens", CheckResult.FAIL),
        ("photos/multipage.tiff", "usability.image_opens", CheckResult.PASS),
        ("photos/hopper_orientation_6.webp", "usability.image_opens", CheckResult.PASS),
        (
            "photos/oom-225817ca0f8c663be7ab4b9e717b02c661e66834.tif",
            "usability.image_opens",
            CheckResult.FAIL,
        ),
    ],
)
def test_known_shared_fixtures_get_the_expected_answer(
    name: str, code: str, result: CheckResult
) -> None:
    report = check_file(FIXTURES / name)

    assert outcome(report, code).result is result

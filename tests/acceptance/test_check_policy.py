"""The archive's policy in the file checks: attachments in PDFs, accepted formats, empty
drawings, repairs reported with the reader that opened the drawing, numbers people can read."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfWriter

from acceptance.checks import CheckResult, FileKind, FileReport, check_file
from acceptance.checks.quantities import megapixels
from acceptance.media.photos import examine_photo

from .recordings import make_recording

# The first bytes of a Windows program (DOS header and stub), enough for any sniffer.
WINDOWS_PROGRAM = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + bytes(200)


def outcome(report: FileReport, code: str):
    found = [o for o in report.outcomes if o.code == code]
    assert len(found) == 1, f"{code} in {[o.code for o in report.outcomes]}"
    return found[0]


def _pdf_with(path: Path, name: str, data: bytes) -> Path:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.add_attachment(name, data)
    writer.write(path)
    return path


def _attachments_listed_by_poppler(path: Path) -> str:
    """pdfdetach (poppler), a reader independent of pypdf, lists the attachments."""
    return subprocess.run(
        ["pdfdetach", "-list", str(path)], capture_output=True, text=True, check=True
    ).stdout


def test_a_pdf_carrying_an_executable_is_refused_by_default(tmp_path: Path) -> None:
    pdf = _pdf_with(tmp_path / "report.pdf", "setup.exe", WINDOWS_PROGRAM)
    assert "setup.exe" in _attachments_listed_by_poppler(pdf)
    report = check_file(pdf, declared_kind=FileKind.DOCUMENT, name="report.pdf")
    found = outcome(report, "security.pdf_embedded_files")
    assert found.result is CheckResult.FAIL
    assert not report.passed
    assert found.detail["attachments"][0] == {
        "name": "setup.exe",
        "size": len(WINDOWS_PROGRAM),
        "format": "exe",
        "executable": True,
    }
    assert "setup.exe（Windows 可执行程序）" in found.message_zh
    assert "setup.exe (Windows executable)" in found.message_en


def test_a_script_named_harmlessly_is_still_an_executable(tmp_path: Path) -> None:
    pdf = _pdf_with(tmp_path / "notes.pdf", "readme.txt", b"#!/bin/sh\nrm -rf ~\n")
    found = outcome(check_file(pdf), "security.pdf_embedded_files")
    assert found.result is CheckResult.FAIL
    assert found.detail["attachments"][0]["format"] == "script"


def test_other_attachments_are_reported_not_refused(tmp_path: Path) -> None:
    pdf = _pdf_with(tmp_path / "survey.pdf", "points.csv", b"x,y\n1,2\n")
    assert "points.csv" in _attachments_listed_by_poppler(pdf)
    report = check_file(pdf, declared_kind=FileKind.DOCUMENT)
    found = outcome(report, "security.pdf_embedded_files")
    assert found.result is CheckResult.WARN
    assert report.passed


@pytest.mark.parametrize(
    ("policy", "attached", "expected"),
    [
        ("refuse", ("points.csv", b"x,y\n1,2\n"), CheckResult.FAIL),
        ("report", ("setup.exe", WINDOWS_PROGRAM), CheckResult.WARN),
    ],
)
def test_the_attachment_policy_is_a_setting(
    settings, tmp_path: Path, policy: str, attached, expected
) -> None:
    settings.ACCEPTANCE_PDF_EMBEDDED_FILES = policy
    pdf = _pdf_with(tmp_path / "a.pdf", *attached)
    assert outcome(check_file(pdf), "security.pdf_embedded_files").result is expected


def test_a_pdf_without_attachments_passes_the_attachment_check(tmp_path: Path) -> None:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.write(tmp_path / "plain.pdf")
    found = outcome(check_file(tmp_path / "plain.pdf"), "security.pdf_embedded_files")
    assert found.result is CheckResult.PASS


def test_flac_is_named_and_refused_by_policy_with_advice_not_as_a_disguise(
    tmp_path: Path,
) -> None:
    flac = make_recording(tmp_path / "interview.flac", "flac", audio="flac")
    report = check_file(flac, declared_kind=FileKind.VIDEO, name="interview.flac")
    assert report.detected_format == "flac"
    assert outcome(report, "security.kind_mismatch").result is CheckResult.PASS
    policy = outcome(report, "usability.format_accepted")
    assert policy.result is CheckResult.FAIL
    assert policy.message_en.startswith("FLAC lossless audio is not an accepted audio or video")
    assert "Convert it to WAV (lossless) or MP3" in policy.message_en
    assert "转换为 WAV" in policy.message_zh
    assert outcome(report, "usability.av_opens").result is CheckResult.PASS


def test_the_accepted_formats_are_a_setting(settings, tmp_path: Path) -> None:
    settings.ACCEPTANCE_ACCEPTED_FORMATS = {"video": ["mp4", "wav", "mp3", "flac"]}
    flac = make_recording(tmp_path / "interview.flac", "flac", audio="flac")
    report = check_file(flac, declared_kind=FileKind.VIDEO, name="interview.flac")
    assert outcome(report, "usability.format_accepted").result is CheckResult.PASS


def test_an_m4a_is_accepted_for_its_mp4_container_under_any_family_extension(
    tmp_path: Path,
) -> None:
    m4a = make_recording(tmp_path / "memo.m4a", "ipod", audio="aac")
    for name in ("memo.m4a", "memo.mp4", "memo.3g2", "memo.mov"):
        report = check_file(m4a, declared_kind=FileKind.VIDEO, name=name)
        assert report.detected_format == "m4a"
        assert outcome(report, "authenticity.file_name").result is CheckResult.PASS, name
        accepted = outcome(report, "usability.format_accepted")
        assert accepted.result is CheckResult.PASS
        assert accepted.detail["container"] == "mp4"


def test_cover_art_is_not_a_video_stream_and_audio_gets_audio_advice(tmp_path: Path) -> None:
    song = make_recording(tmp_path / "song.mp3", "mp3", audio="libmp3lame", cover=True)
    report = check_file(song, declared_kind=FileKind.VIDEO, name="song.mp3")
    opens = outcome(report, "usability.av_opens")
    assert opens.detail["cover_art"] == ["png"]
    assert all(s["type"] == "audio" for s in opens.detail["streams"])
    assert "with cover art" in opens.message_en
    assert outcome(report, "usability.av_codec").result is CheckResult.PASS
    broken = tmp_path / "broken.mp3"
    broken.write_bytes(b"ID3\x03\x00\x00\x00\x00\x00\x10" + bytes(4000))
    failed = outcome(check_file(broken, declared_kind=FileKind.VIDEO), "usability.av_opens")
    assert failed.result is CheckResult.FAIL
    assert "WAV or MP3" in failed.message_en
    assert "camera" not in failed.message_en


def test_a_drawing_that_needs_repairs_says_how_many_of_what_kind_and_who_read_it(
    tmp_path: Path,
) -> None:
    text = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures" / "dxf"
    drawing = text / "recover01.dxf"
    report = check_file(drawing, declared_kind=FileKind.DRAWING)
    opens = outcome(report, "usability.dxf_opens")
    assert (opens.result, opens.detail["reader"]) == (CheckResult.PASS, "recover")
    assert "read by ezdxf's recover reader" in opens.message_en
    repairs = outcome(report, "usability.dxf_recovered")
    assert repairs.result is CheckResult.WARN
    assert repairs.detail["kinds"]["refused"] == 1
    assert repairs.detail["fixes"] == sum(repairs.detail["kinds"].values()) > 60
    assert "section structure errors" in repairs.message_en
    assert "DXF R2013 or R2018" in repairs.message_en
    assert "R2013 或 R2018" in repairs.message_zh


def _empty_drawing(path: Path) -> Path:
    import ezdxf

    ezdxf.new("R2018").saveas(path)
    return path


def test_an_empty_drawing_is_a_policy_failure_not_integrity_damage(tmp_path: Path) -> None:
    report = check_file(_empty_drawing(tmp_path / "empty.dxf"), declared_kind=FileKind.DRAWING)
    content = outcome(report, "usability.dxf_content")
    assert content.result is CheckResult.FAIL
    assert "archive's policy" in content.message_en
    assert report.properties["integrity"] == "pass"


def test_the_empty_drawing_severity_is_the_drawing_rule_setting(settings, tmp_path: Path) -> None:
    settings.ACCEPTANCE_DRAWING_RULES = {"file.empty": {"severity": "warning"}}
    report = check_file(_empty_drawing(tmp_path / "empty.dxf"), declared_kind=FileKind.DRAWING)
    assert outcome(report, "usability.dxf_content").result is CheckResult.WARN
    assert report.passed


def test_a_large_drawing_is_judged_by_the_streaming_pass_without_loading_it(
    settings, tmp_path: Path
) -> None:
    settings.ACCEPTANCE_DRAWING_AUDIT_MAX_BYTES = 0
    import ezdxf

    doc = ezdxf.new("R2018")
    doc.modelspace().add_line((0, 0), (1, 1))
    doc.saveas(tmp_path / "big.dxf")
    text = (tmp_path / "big.dxf").read_text()
    lines = text.split("\n")
    handle_at = next(
        i for i in range(0, len(lines) - 3, 2) if lines[i].strip() == "0"
        and lines[i + 1].strip() == "LINE"
    ) + 3  # fmt: skip
    lines[handle_at] = "XYZ"  # not hexadecimal
    (tmp_path / "flawed.dxf").write_text("\n".join(lines))
    sound = check_file(tmp_path / "big.dxf", declared_kind=FileKind.DRAWING)
    assert outcome(sound, "usability.dxf_opens").detail["reader"] == "scan"
    assert outcome(sound, "usability.dxf_recovered").result is CheckResult.PASS
    flawed = outcome(
        check_file(tmp_path / "flawed.dxf", declared_kind=FileKind.DRAWING),
        "usability.dxf_recovered",
    )
    assert (flawed.result, flawed.detail["kinds"]) == (CheckResult.WARN, {"handle": 1})
    assert "1 structural defects (1 × duplicate or invalid handles)" in flawed.message_en


def test_small_numbers_keep_their_precision(tmp_path: Path) -> None:
    assert [megapixels(p) for p in (256 * 187, 640 * 480, 2048 * 1536, 6000 * 4000)] == [
        "0.048",
        "0.31",
        "3.1",
        "24",
    ]
    Image.new("RGB", (256, 187), (90, 90, 90)).save(tmp_path / "thumb.jpg")
    found = next(
        o
        for o in examine_photo(tmp_path / "thumb.jpg", "jpeg").outcomes
        if o.code == "usability.photo_resolution"
    )
    assert "only 0.048 megapixels (256×187)" in found.message_en
    assert "0.0 " not in found.message_zh


def test_an_empty_drawing_passes_when_the_rule_is_switched_off(settings, tmp_path: Path) -> None:
    settings.ACCEPTANCE_DRAWING_RULES = {"file.empty": {"enabled": False}}
    report = check_file(_empty_drawing(tmp_path / "empty.dxf"), declared_kind=FileKind.DRAWING)
    content = outcome(report, "usability.dxf_content")
    assert content.result is CheckResult.PASS
    assert "do not ask for content" in content.message_en

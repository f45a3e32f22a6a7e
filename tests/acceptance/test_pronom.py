"""Every file gets a PRONOM format id (siegfried) or a stated reason; OFD is known by structure."""

from __future__ import annotations

import io
import zipfile
from datetime import date
from pathlib import Path

from acceptance.checks import FileKind, check_file
from acceptance.checks.formats import ACCEPTED_FORMATS, PRONOM_IDS, accepted_pronom_ids
from workflows.ofd import OfdDocument, OfdPage, OfdText, ofd_render

FIXTURES = Path(__file__).resolve().parents[2] / ".." / "shared" / "fixtures"
SAMPLES = sorted(p for folder in ("photos", "dxf", "av") for p in (FIXTURES / folder).iterdir())


def identified(report) -> dict:
    (outcome,) = [o for o in report.outcomes if o.code == "usability.format_identified"]
    return {"result": outcome.result.value, "message_zh": outcome.message_zh, **outcome.detail}


def test_every_fixture_gets_a_pronom_id_or_a_stated_reason():
    results = {path.name: identified(check_file(path)) for path in SAMPLES}

    without = {name: r for name, r in results.items() if not r["puid"]}
    assert all(r["reason"] and r["result"] == "warn" for r in without.values()), without
    assert all(r["identifier"].startswith("siegfried ") for r in results.values())
    # Most real files are known to PRONOM; the ones that are not are damaged or odd variants.
    assert len(without) < len(results) / 10, sorted(without)
    assert results["hopper.jpg"]["puid"] == "fmt/43"
    assert results["hopper.jpg"]["message_zh"] == (
        "文件格式识别为 JPEG File Interchange Format 1.01（PRONOM fmt/43）。"
    )
    assert results["bin_dxf_r12.dxf"]["puid"] == "fmt/81"
    assert results["sample.mp4"]["puid"] == "fmt/199"
    assert "truncated_jpeg.jpg" in without


def test_the_archives_pronom_list_holds_every_id_siegfried_gives_its_accepted_formats():
    """A file of an accepted format is identified by one of the PRONOM ids listed for it."""
    outside = {}
    for path in SAMPLES:
        report = check_file(path)
        puid = report.format_id["puid"]
        listed = PRONOM_IDS.get(report.detected_format)
        if puid and listed and report.passed and puid not in listed:
            outside[path.name] = (report.detected_format, puid)
    assert outside == {}


def test_the_accepted_formats_are_listed_by_pronom_id():
    documents = accepted_pronom_ids(ACCEPTED_FORMATS[FileKind.DOCUMENT])
    photos = accepted_pronom_ids(ACCEPTED_FORMATS[FileKind.PHOTO])

    assert {"fmt/18", "fmt/95", "fmt/354", "fmt/480"} <= set(documents)  # PDF 1.4, PDF/A
    assert {"fmt/43", "fmt/353", "fmt/11", "fmt/568"} <= set(photos)
    report = check_file(FIXTURES / "photos" / "hopper.jpg", declared_kind=FileKind.PHOTO)
    (accepted,) = [o for o in report.outcomes if o.code == "usability.format_accepted"]
    assert "fmt/43" in accepted.detail["accepted_pronom"]


def an_ofd(tmp_path: Path) -> Path:
    page = OfdPage(items=[OfdText(20, 30, "建设工程竣工档案验收意见书", 6)])
    document = OfdDocument("意见书", "城市建设档案馆", "测试", date(2026, 12, 6), [page])
    path = tmp_path / "opinion.ofd"
    path.write_bytes(ofd_render(document))
    return path


def test_an_ofd_document_is_recognised_by_its_structure_and_said_to_have_no_pronom_id(tmp_path):
    report = check_file(an_ofd(tmp_path), declared_kind=FileKind.DOCUMENT, name="opinion.ofd")

    assert report.detected_format == "ofd"
    found = identified(report)
    assert (found["puid"], found["result"]) == ("", "pass")
    assert found["message_zh"] == (
        "文件格式按结构识别为 OFD 版式文档 (GB/T 33190)；该格式尚无 PRONOM 编号。"
    )
    assert report.passed, [o for o in report.outcomes if o.result.value == "fail"]


def test_a_zip_with_an_ofd_xml_that_is_not_ofd_stays_a_refused_package(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("OFD.xml", "<not-ofd/>")
    path = tmp_path / "fake.ofd"
    path.write_bytes(buffer.getvalue())

    report = check_file(path, declared_kind=FileKind.DOCUMENT)

    assert report.detected_format == "zip"
    assert not report.passed


def test_content_siegfried_cannot_place_gets_a_reason_not_a_crash(tmp_path):
    path = tmp_path / "odd.bin"
    path.write_bytes(bytes(10))

    found = identified(check_file(path))

    # A match on the name's extension alone (siegfried's "Binary File" for .bin) is no id.
    assert found["puid"] == "" and found["reason"]


def test_refused_content_is_not_handed_to_the_identifier_either(tmp_path):
    empty, program = tmp_path / "empty.pdf", tmp_path / "report.pdf"
    empty.write_bytes(b"")
    program.write_bytes(b"MZ\x90\x00" + bytes(200))

    for path in (empty, program):
        report = check_file(path)
        assert report.format_id == {} and not report.passed

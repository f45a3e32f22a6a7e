"""``manage.py check_files PATH...``: the four-property checks on files outside any case."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pillow_heif
import pytest
from django.core.management import call_command
from PIL import Image

from acceptance.samples import make_sample_record

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_VIDEO = ROOT / "acceptance" / "data" / "samples" / "site_video.mp4"
FIXTURES = ROOT.parent / "shared" / "fixtures"
PROPERTIES = {"authenticity", "integrity", "usability", "security"}


def run(*paths, **options) -> tuple[int, list[dict]]:
    out = io.StringIO()
    try:
        call_command("check_files", *map(str, paths), stdout=out, **options)
        status = 0
    except SystemExit as exit_:
        status = exit_.code
    return status, [json.loads(line) for line in out.getvalue().splitlines()]


def record(tmp_path: Path, kind: str, name: str = "record") -> Path:
    return make_sample_record(
        tmp_path / name,
        kind=kind,
        code="D-1" if kind == "drawing" else "A1-1",
        title="建筑竣工图" if kind == "drawing" else "项目建议书",
        subtitle="sample",
        project_name="测试项目",
        photo_size=(2048, 1536),
    )


def by_code(result: dict) -> dict[str, dict]:
    return {check["code"]: check for check in result["checks"]}


@pytest.mark.django_db
def test_good_files_pass_with_every_property_checked_and_exit_0(tmp_path):
    pdf = record(tmp_path, "document")
    photo = record(tmp_path, "photo")
    drawing = record(tmp_path, "drawing")

    status, results = run(pdf, photo, drawing, SAMPLE_VIDEO)

    assert status == 0
    assert [r["path"] for r in results] == [str(pdf), str(photo), str(drawing), str(SAMPLE_VIDEO)]
    assert [r["detected_kind"] for r in results] == ["document", "photo", "drawing", "video"]
    for result in results:
        assert result["passed"] is True
        assert {c["property"] for c in result["checks"]} == PROPERTIES
        assert set(result["properties"]) == PROPERTIES
        assert "not_checked" not in result["properties"].values()
        for check in result["checks"]:
            assert set(check) == {
                "code",
                "property",
                "result",
                "message_zh",
                "message_en",
                "detail",
            }
            assert check["code"].startswith(check["property"] + ".") or check["code"].startswith(
                "drawing."
            )
            assert check["message_zh"] and check["message_en"]
    pdf_checks = by_code(results[0])
    assert pdf_checks["integrity.file_complete"]["result"] == "pass"
    assert pdf_checks["authenticity.file_name"]["result"] == "pass"
    # Drawings also get the rules configured for their kind (ACCEPTANCE_FILE_RULES).
    assert by_code(results[2])["drawing.stamp.fields"]["result"] == "pass"
    video = by_code(results[3])
    assert video["usability.av_opens"]["detail"]["streams"][0]["codec"] == "h264"
    assert video["integrity.av_streams"]["result"] == "pass"
    # 320×180 plays but is below SD: a warning that says what to deliver instead.
    assert video["usability.av_codec"]["result"] == "warn"
    assert "720×576" in video["usability.av_codec"]["message_zh"]


@pytest.mark.django_db
def test_any_failing_file_makes_the_exit_status_1_and_says_why(tmp_path):
    good = record(tmp_path, "document")
    truncated = tmp_path / "截断.pdf"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    html = tmp_path / "报告.pdf"
    html.write_text("<html><body>not a pdf</body></html>")

    status, results = run(good, truncated, html)

    assert status == 1
    assert [r["passed"] for r in results] == [True, False, False]
    assert by_code(results[1])["integrity.file_complete"]["result"] == "fail"
    assert "缺少结束标记 %%EOF" in by_code(results[1])["integrity.file_complete"]["message_zh"]
    assert results[2]["detected_format"] == "html"
    assert by_code(results[2])["security.kind_mismatch"]["result"] == "fail"


@pytest.mark.django_db
def test_folders_are_walked_and_missing_paths_are_reported_not_raised(tmp_path):
    delivery = tmp_path / "delivery"
    (delivery / "b").mkdir(parents=True)
    first = record(delivery, "document", "a")
    second = record(delivery / "b", "photo", "c")
    bomb = delivery / "b" / "z.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("big.bin", bytes(16 * 1024 * 1024))

    status, results = run(delivery, tmp_path / "nowhere.pdf")

    assert status == 1
    assert [r["path"] for r in results] == [
        str(first),
        str(second),
        str(bomb),
        str(tmp_path / "nowhere.pdf"),
    ]
    assert by_code(results[2])["security.zip_bomb"]["result"] == "fail"
    missing = by_code(results[3])["security.storage_readable"]
    assert (missing["property"], missing["result"]) == ("security", "fail")


@pytest.mark.django_db
def test_a_declared_kind_and_digest_are_checked(tmp_path):
    photo = record(tmp_path, "photo")

    status, (result,) = run(photo, kind="document", sha256="0" * 64)

    assert status == 1
    checks = by_code(result)
    assert checks["security.kind_mismatch"]["result"] == "fail"
    assert checks["authenticity.fixity"]["result"] == "fail"


@pytest.mark.django_db
def test_truncated_and_odd_av_fixtures_get_answers_not_crashes():
    files = sorted((FIXTURES / "av").iterdir())

    status, results = run(*files)

    assert status == 1
    assert len(results) == len(files)
    assert all("error" not in r for r in results)
    by_name = {Path(r["path"]).name: r for r in results}
    assert by_name["sample_fragmented.mp4"]["passed"] is True
    assert by_code(by_name["sample_qt.mp4"])["usability.av_opens"]["result"] == "fail"


def command(tmp_path: Path, *paths: Path) -> subprocess.CompletedProcess:
    """``manage.py check_files`` in a fresh process, as a person runs it."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "ARCHIVE_DATA_DIR": str(tmp_path),
    }
    return subprocess.run(
        [sys.executable, "manage.py", "check_files", *map(str, paths)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_phone_s_heic_photo_is_decoded_by_the_command(tmp_path):
    """The HEIF decoder is added when an image is first opened, not at start-up: it still is."""
    photo = tmp_path / "IMG_0001.heic"
    pillow_heif.from_pillow(Image.new("RGB", (640, 480), "teal")).save(photo, quality=80)

    done = command(tmp_path, photo)

    (result,) = [json.loads(line) for line in done.stdout.splitlines()]
    assert result["detected_format"] == "heic"
    assert by_code(result)["usability.image_opens"]["result"] == "pass"
    assert "640×480" in by_code(result)["usability.image_opens"]["message_zh"]


def test_the_command_never_prints_a_traceback(tmp_path):
    fifo = tmp_path / "pipe.pdf"
    os.mkfifo(fifo)

    done = command(tmp_path, fifo, tmp_path / "gone.dxf")

    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    results = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r["checks"][0]["code"] for r in results] == ["security.storage_readable"] * 2

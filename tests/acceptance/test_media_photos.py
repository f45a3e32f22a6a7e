"""Photo and recording intake on real files: generated cases for each check, every shared fixture.

No database: ``examine_photo`` and ``check_path`` (what ``manage.py check_files`` prints) are
pure. The case-level checks (period in the case, duplicates, derivatives stored) are covered in
test_media_review.py.
"""

from __future__ import annotations

import io
import json
from datetime import date, datetime
from pathlib import Path

import av
import numpy as np
import pillow_heif
import pytest
from django.core.management import call_command
from PIL import ExifTags, Image

from acceptance.checks import CheckResult, FileKind, check_file, sniff_format
from acceptance.checks.video import AvRules, check_av
from acceptance.media.av import poster_frame
from acceptance.media.photos import PhotoRules, aspect_fit, examine_photo, period_outcome
from acceptance.samples import make_site_photo
from acceptance.services.filecheck import check_path

FIXTURES = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures"
SAMPLE_VIDEO = (
    Path(__file__).resolve().parents[2] / "acceptance" / "data" / "samples" / "site_video.mp4"
)
TAKEN = datetime(2025, 6, 1, 9, 30)
SMALL_RULES = PhotoRules(min_pixels=3_000_000, thumbnail_size=160, preview_size=800)


def results(examination) -> dict[str, str]:
    return {o.code: o.result.value for o in examination.outcomes}


def the(examination, code: str):
    (found,) = [o for o in examination.outcomes if o.code == code]
    return found


@pytest.fixture(scope="module")
def site_photo(tmp_path_factory) -> Path:
    return make_site_photo(
        tmp_path_factory.mktemp("photos") / "site.jpg", taken_at=TAKEN, size=(2400, 1600)
    )


def exif_with(*, make="Canon", model="EOS R5", when=TAKEN, orientation=None) -> Image.Exif:
    exif = Image.Exif()
    if make:
        exif[ExifTags.Base.Make] = make
    if model:
        exif[ExifTags.Base.Model] = model
    if when:
        exif[ExifTags.Base.DateTime] = when.strftime("%Y:%m:%d %H:%M:%S")
    if orientation:
        exif[ExifTags.Base.Orientation] = orientation
    return exif


def noisy(size: tuple[int, int], seed: int = 1) -> Image.Image:
    rng = np.random.default_rng(seed)
    return Image.fromarray(rng.integers(0, 255, (size[1], size[0], 3), dtype=np.uint8))


# -- every check passes on a good camera photo -------------------------------------------------


def test_a_camera_photo_passes_every_check_and_gets_upright_derivatives(site_photo):
    examination = examine_photo(site_photo, "jpeg", SMALL_RULES)
    assert results(examination) == {
        "security.decompression_bomb": "pass",
        "usability.image_opens": "pass",
        "usability.photo_resolution": "pass",
        "authenticity.photo_exif": "pass",
        "usability.photo_orientation": "pass",
    }
    assert examination.taken_at == TAKEN
    assert examination.exif["make"] == "Canon"
    assert examination.preview.size == (800, 533)
    assert examination.thumbnail.size == (160, 107)
    assert len(examination.phash) == 16
    # Draft mode: the decoder scaled by 1/2, not to full size, yet read the whole file.
    assert examination.facts["decoded_size"] == [1200, 800]


def test_aspect_fit_asks_the_decoder_for_the_aspect_correct_size():
    assert aspect_fit((6000, 4000), 1024) == (1024, 683)
    assert aspect_fit((4000, 6000), 1024) == (683, 1024)
    assert aspect_fit((800, 600), 1024) == (800, 600)


# -- each check failing, on generated files -----------------------------------------------------


def test_a_small_photo_is_refused_for_resolution(tmp_path):
    path = tmp_path / "small.jpg"
    noisy((1024, 768)).save(path, "JPEG", exif=exif_with())
    outcome = the(examine_photo(path, "jpeg", SMALL_RULES), "usability.photo_resolution")
    assert outcome.result is CheckResult.FAIL
    assert "0.79 百万像素" in outcome.message_zh and "minimum of 3" in outcome.message_en
    assert outcome.detail == {
        "width": 1024,
        "height": 768,
        "pixels": 786432,
        "min_pixels": 3_000_000,
    }


def test_a_photo_without_exif_fails_and_one_missing_its_make_warns(tmp_path):
    bare = tmp_path / "bare.jpg"
    noisy((2100, 1500)).save(bare, "JPEG")
    outcome = the(examine_photo(bare, "jpeg", SMALL_RULES), "authenticity.photo_exif")
    assert outcome.result is CheckResult.FAIL
    assert outcome.detail["missing"] == ["date-time", "make", "model"]

    partial = tmp_path / "partial.jpg"
    noisy((2100, 1500)).save(partial, "JPEG", exif=exif_with(make=""))
    outcome = the(examine_photo(partial, "jpeg", SMALL_RULES), "authenticity.photo_exif")
    assert outcome.result is CheckResult.WARN
    assert outcome.detail["missing"] == ["make"] and "相机厂商" in outcome.message_zh


def test_a_rotated_photo_gets_an_upright_preview_and_the_original_is_untouched(tmp_path):
    path = tmp_path / "rotated.jpg"
    noisy((2400, 1600)).save(path, "JPEG", exif=exif_with(orientation=6))
    before = path.read_bytes()
    examination = examine_photo(path, "jpeg", SMALL_RULES)
    orientation = the(examination, "usability.photo_orientation")
    assert orientation.result is CheckResult.PASS and orientation.detail == {"orientation": 6}
    assert examination.preview.size == (533, 800)  # portrait once turned
    assert path.read_bytes() == before


def test_an_invalid_orientation_warns(tmp_path):
    path = tmp_path / "odd.jpg"
    noisy((2400, 1600)).save(path, "JPEG", exif=exif_with(orientation=9))
    assert the(examine_photo(path, "jpeg", SMALL_RULES), "usability.photo_orientation").result is (
        CheckResult.WARN
    )


def test_a_truncated_photo_is_refused_as_incomplete(site_photo, tmp_path):
    path = tmp_path / "cut.jpg"
    path.write_bytes(site_photo.read_bytes()[:-20000])
    examination = examine_photo(path, "jpeg", SMALL_RULES)
    (outcome,) = examination.outcomes
    assert (outcome.code, outcome.result) == ("usability.image_opens", CheckResult.FAIL)
    assert "截断" in outcome.message_zh and "truncated" in outcome.message_en
    assert examination.preview is None


def test_the_decompression_bomb_guard_refuses_clearly(site_photo, monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1_000_000)
    (outcome,) = examine_photo(site_photo, "jpeg", SMALL_RULES).outcomes
    assert (outcome.code, outcome.result) == ("security.decompression_bomb", CheckResult.FAIL)
    assert "解压炸弹" in outcome.message_zh and "decompression bomb" in outcome.message_en
    assert outcome.detail["max_pixels"] == 1_000_000


@pytest.mark.parametrize("fmt,pillow", [("png", "PNG"), ("tiff", "TIFF"), ("webp", "WEBP")])
def test_png_tiff_and_webp_photos_are_accepted(tmp_path, fmt, pillow):
    path = tmp_path / f"photo.{fmt}"
    noisy((2100, 1500)).save(path, pillow, exif=exif_with())
    assert sniff_format(path) == fmt
    examination = examine_photo(path, fmt, SMALL_RULES)
    assert set(results(examination).values()) == {"pass"}, examination.outcomes
    report = check_file(path, declared_kind=FileKind.PHOTO, image_check=lambda p, f: [])
    assert {o.code: o.result for o in report.outcomes}["usability.format_accepted"] == "pass"


def test_a_phone_heic_photo_is_accepted_with_its_exif(tmp_path):
    path = tmp_path / "phone.heic"
    heif = pillow_heif.from_pillow(noisy((2100, 1500)))
    heif.save(path, quality=60, exif=exif_with(make="Apple", model="iPhone 15").tobytes())
    assert sniff_format(path) == "heic"
    examination = examine_photo(path, "heic", SMALL_RULES)
    assert set(results(examination).values()) == {"pass"}, examination.outcomes
    assert examination.exif["model"] == "iPhone 15"
    result = check_path(path)
    assert result["detected_kind"] == "photo" and result["passed"], result


def test_the_construction_period_check():
    start, end = date(2024, 6, 1), date(2025, 12, 1)
    inside = period_outcome(TAKEN, start, end, margin_days=30)
    assert inside.result is CheckResult.PASS
    outside = period_outcome(datetime(2023, 1, 5, 8), start, end, margin_days=30)
    assert outside.result is CheckResult.WARN
    assert "2023-01-05" in outside.message_zh and "2024-06-01 至 2025-12-01" in outside.message_zh
    just_before = period_outcome(datetime(2024, 5, 20), start, end, margin_days=30)
    assert just_before.result is CheckResult.PASS
    unknown = period_outcome(None, start, end, margin_days=30)
    assert unknown.result is CheckResult.WARN and "没有拍摄时间" in unknown.message_zh


# -- audio and video --------------------------------------------------------------------------


def test_av_rules_are_configurable_and_unknown_rules_are_refused():
    strict = AvRules.from_mapping({"min_width": 1920, "min_height": 1080, "min_bit_rate": 16e6})
    outcomes = {o.code: o for o in check_av(SAMPLE_VIDEO, strict)}
    assert outcomes["usability.av_opens"].result is CheckResult.PASS
    assert outcomes["usability.av_codec"].result is CheckResult.WARN
    assert "1920×1080" in outcomes["usability.av_codec"].message_zh
    assert outcomes["usability.av_quality"].result is CheckResult.WARN
    lenient = AvRules.from_mapping(
        {"min_width": 0, "min_height": 0, "min_bit_rate": 0, "min_frame_rate": 0}
    )
    assert {o.code: o.result for o in check_av(SAMPLE_VIDEO, lenient)}["usability.av_quality"] == (
        "pass"
    )
    with pytest.raises(ValueError, match="min_pixels"):
        AvRules.from_mapping({"min_pixels": 1})


def test_a_probe_reports_codec_size_frame_rate_and_bit_rate_and_a_poster_is_taken():
    opened = next(o for o in check_av(SAMPLE_VIDEO) if o.code == "usability.av_opens")
    (stream,) = [s for s in opened.detail["streams"] if s["type"] == "video"]
    assert stream["codec"] == "h264" and stream["width"] and stream["frame_rate"]
    assert opened.detail["bit_rate"] and opened.detail["duration_s"] > 0
    poster = poster_frame(SAMPLE_VIDEO, 320)
    assert max(poster.size) == 320


def test_a_truncated_video_is_reported_as_unplayable(tmp_path):
    path = tmp_path / "cut.mp4"
    path.write_bytes(SAMPLE_VIDEO.read_bytes()[:600])
    outcomes = {o.code: o for o in check_av(path)}
    assert outcomes["usability.av_opens"].result is CheckResult.FAIL
    assert "损坏" in outcomes["usability.av_opens"].message_zh


def test_a_low_sample_rate_recording_warns(tmp_path):
    path = tmp_path / "voice.wav"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("pcm_s16le", rate=8000)
        frame = av.AudioFrame.from_ndarray(
            np.zeros((1, 8000), dtype=np.int16), format="s16", layout="mono"
        )
        frame.sample_rate = 8000
        for packet in stream.encode(frame):
            container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    quality = next(o for o in check_av(path) if o.code == "usability.av_quality")
    assert quality.result is CheckResult.WARN and "8000 Hz" in quality.message_zh


# -- manage.py check_files and every shared fixture -------------------------------------------


def test_check_files_prints_the_photo_checks_in_its_json(site_photo):
    out = io.StringIO()
    call_command("check_files", str(site_photo), stdout=out)
    result = json.loads(out.getvalue())
    codes = {check["code"]: check["result"] for check in result["checks"]}
    assert result["passed"] is True
    assert codes["usability.photo_resolution"] == "pass"
    assert codes["authenticity.photo_exif"] == "pass"
    assert codes["usability.photo_orientation"] == "pass"


def test_check_files_exits_1_for_a_photo_below_the_minimum(tmp_path):
    path = tmp_path / "small.jpg"
    noisy((640, 480)).save(path, "JPEG", exif=exif_with())
    out = io.StringIO()
    with pytest.raises(SystemExit) as exit_status:
        call_command("check_files", str(path), stdout=out)
    assert exit_status.value.code == 1
    result = json.loads(out.getvalue())
    failed = [check["code"] for check in result["checks"] if check["result"] == "fail"]
    assert failed == ["usability.photo_resolution"]


def _fixture_files(folder: str) -> list[Path]:
    directory = FIXTURES / folder
    return sorted(p for p in directory.iterdir() if p.is_file()) if directory.is_dir() else []


@pytest.mark.parametrize(
    "path", _fixture_files("photos") + _fixture_files("av"), ids=lambda p: p.name
)
def test_every_shared_photo_and_recording_is_processed_or_refused_specifically(path: Path):
    result = check_path(path)
    assert "error" not in result, result  # a crash inside the checks
    assert result["detected_kind"] in ("photo", "video")
    failures = [check for check in result["checks"] if check["result"] == "fail"]
    assert result["passed"] == (not failures)
    for check in failures:
        assert check["code"] and check["message_zh"] and check["message_en"]
    fmt = result["detected_format"]
    if result["detected_kind"] == "photo" and fmt in ("jpeg", "png", "tiff", "webp"):
        examination = examine_photo(path, fmt, SMALL_RULES)
        opened = the(examination, "usability.image_opens") if examination.outcomes else None
        refused = {"usability.image_opens", "security.decompression_bomb"}
        if examination.preview is not None:
            assert opened.result is CheckResult.PASS and examination.thumbnail.size[0] > 0
        else:
            assert {o.code for o in examination.outcomes} <= refused
            assert all(o.result is CheckResult.FAIL for o in examination.outcomes)

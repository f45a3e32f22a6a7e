"""Examine one photo: decode it once, check it, describe it and make its derivatives.

Pure Pillow, no database: the case-level checks (construction period, duplicates in the case)
take the facts returned here. The original file is only read; derivatives are new images.
JPEG photos are decoded in draft mode (DCT scaling) straight to the preview's size: every
entropy-coded byte is still read, so a truncated or corrupt file fails just as in a full decode,
at about half the cost for a 24-megapixel photo.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from PIL import ExifTags, Image, ImageOps

from ..checks.images import (
    PILLOW_FORMATS,
    bomb_outcome,
    decoded_outcomes,
    max_image_pixels,
    open_image,
    undecodable_outcome,
)
from ..checks.outcomes import CheckOutcome, CheckResult, make_outcome
from ..checks.quantities import megapixels

ORIENTATION_ZH = {
    1: "正常",
    2: "水平镜像",
    3: "旋转 180°",
    4: "垂直镜像",
    5: "镜像并逆时针旋转 90°",
    6: "顺时针旋转 90°",
    7: "镜像并顺时针旋转 90°",
    8: "逆时针旋转 90°",
}
EXIF_DATE_FORMAT = "%Y:%m:%d %H:%M:%S"
# EXIF fields kept with the photo record (DA/T 50: make, model, date-time, resolution, exposure).
_IFD0_FIELDS = {
    "make": ExifTags.Base.Make,
    "model": ExifTags.Base.Model,
    "date_time": ExifTags.Base.DateTime,
    "artist": ExifTags.Base.Artist,
    "software": ExifTags.Base.Software,
    "orientation": ExifTags.Base.Orientation,
}
_EXIF_FIELDS = {
    "date_time_original": ExifTags.Base.DateTimeOriginal,
    "exposure_time": ExifTags.Base.ExposureTime,
    "f_number": ExifTags.Base.FNumber,
    "iso": ExifTags.Base.ISOSpeedRatings,
    "focal_length": ExifTags.Base.FocalLength,
    "image_description": ExifTags.Base.ImageDescription,
}


@dataclass(frozen=True)
class PhotoRules:
    """What a photo is held to: minimum pixel count and derivative sizes (longest side, px)."""

    min_pixels: int = 3_000_000
    thumbnail_size: int = 320
    preview_size: int = 1280


@dataclass
class PhotoExamination:
    """The outcomes of one photo's checks, its facts and (when it decoded) its derivatives."""

    outcomes: list[CheckOutcome]
    facts: dict[str, Any] = field(default_factory=dict)
    exif: dict[str, Any] = field(default_factory=dict)
    taken_at: datetime | None = None
    phash: str = ""
    thumbnail: Image.Image | None = None
    preview: Image.Image | None = None

    @property
    def decoded(self) -> bool:
        return self.preview is not None


def examine_photo(path: Path, fmt: str, rules: PhotoRules = PhotoRules()) -> PhotoExamination:
    """Check the photo at ``path`` (sniffed format ``fmt``); never raises for bad content.

    Outcomes: ``security.decompression_bomb``, ``usability.image_opens``,
    ``usability.photo_resolution``, ``authenticity.photo_exif`` and
    ``usability.photo_orientation``.
    """
    if fmt not in PILLOW_FORMATS:
        return PhotoExamination(outcomes=[])
    limit = max_image_pixels()
    try:
        with warnings.catch_warnings():
            # Between 1x and 2x the limit Pillow only warns: refuse those too.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return _examine(path, fmt, rules, limit)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        return PhotoExamination(outcomes=[bomb_outcome(exc, max_pixels=limit)])
    except Exception as exc:  # Pillow decoders raise OSError, SyntaxError, ValueError, ...
        return PhotoExamination(outcomes=[undecodable_outcome(exc)])


def _examine(path: Path, fmt: str, rules: PhotoRules, limit: int) -> PhotoExamination:
    import imagehash  # here, where used: it loads NumPy and SciPy, slower than Django

    with open_image(path, fmt) as im:
        width, height = im.size
        if width * height > limit:
            return PhotoExamination(
                outcomes=[
                    bomb_outcome(
                        ValueError(f"{width}x{height} pixels exceeds {limit}"),
                        width=width,
                        height=height,
                        max_pixels=limit,
                    )
                ]
            )
        exif_data = im.getexif()
        exif = read_exif(exif_data)
        facts = {
            "width": width,
            "height": height,
            "pixels": width * height,
            "mode": im.mode,
            "pillow_format": im.format,
            "frames": getattr(im, "n_frames", 1),
        }
        draft_size = aspect_fit((width, height), rules.preview_size)
        if im.format in ("JPEG", "MPO") and im.mode in ("RGB", "L", "CMYK", "YCbCr"):
            im.draft(im.mode, draft_size)
        im.load()
        facts["decoded_size"] = list(im.size)
        preview = _display_image(im)
    preview.thumbnail(aspect_fit(preview.size, rules.preview_size), Image.Resampling.BICUBIC)
    thumbnail = preview.copy()
    thumbnail.thumbnail(aspect_fit(thumbnail.size, rules.thumbnail_size), Image.Resampling.BILINEAR)
    taken_at = exif_datetime(exif)
    outcomes = [
        *decoded_outcomes(facts, limit),
        _resolution(width, height, rules.min_pixels),
        _exif_outcome(exif, taken_at),
        _orientation(exif.get("orientation")),
    ]
    return PhotoExamination(
        outcomes=outcomes,
        facts=facts,
        exif=exif,
        taken_at=taken_at,
        phash=str(imagehash.phash(thumbnail)),
        thumbnail=thumbnail,
        preview=preview,
    )


def aspect_fit(size: tuple[int, int], longest: int) -> tuple[int, int]:
    """``size`` scaled so its longer side is at most ``longest``, keeping its aspect ratio.

    Asking the JPEG decoder for ``(longest, longest)`` on a 3:2 photo lets it scale by half as
    much as it could; the aspect-correct size lets it pick the largest DCT scale that fits.
    """
    width, height = size
    scale = min(1.0, longest / max(width, height, 1))
    return max(1, math.ceil(width * scale)), max(1, math.ceil(height * scale))


def _display_image(im: Image.Image) -> Image.Image:
    """The decoded image turned upright (EXIF orientation) in a mode JPEG can store."""
    upright = ImageOps.exif_transpose(im) or im
    if upright.mode not in ("RGB", "L"):
        if upright.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
            upright = upright.point(lambda value: value / 256).convert("L")
        else:
            upright = upright.convert("RGBA" if "A" in upright.getbands() else "RGB")
            if upright.mode == "RGBA":
                background = Image.new("RGB", upright.size, "white")
                background.paste(upright, mask=upright.getchannel("A"))
                upright = background
    return upright


def read_exif(exif: Image.Exif) -> dict[str, Any]:
    """The EXIF fields the photo record keeps, as JSON-safe values (text stripped)."""
    values: dict[str, Any] = {}
    for name, tag in _IFD0_FIELDS.items():
        if tag in exif:
            values[name] = _json_safe(exif[tag])
    try:
        sub = exif.get_ifd(ExifTags.IFD.Exif)
    except Exception:  # a broken sub-IFD pointer: keep what IFD0 gave
        sub = {}
    for name, tag in _EXIF_FIELDS.items():
        if tag in sub:
            values[name] = _json_safe(sub[tag])
    return {name: value for name, value in values.items() if value not in ("", None)}


def _json_safe(value: Any) -> Any:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if isinstance(value, str):
        return value.strip("\x00 ").strip()
    if isinstance(value, int | str):
        return value
    if isinstance(value, tuple):
        return [_json_safe(v) for v in value]
    try:
        number = float(value)  # IFDRational
    except (TypeError, ValueError, ZeroDivisionError):
        return str(value)
    return round(number, 6) if math.isfinite(number) else None


def exif_datetime(exif: dict[str, Any]) -> datetime | None:
    """When the photo was taken (DateTimeOriginal, else DateTime), naive camera-local time."""
    for name in ("date_time_original", "date_time"):
        text = exif.get(name)
        if isinstance(text, str):
            try:
                return datetime.strptime(text[:19], EXIF_DATE_FORMAT)
            except ValueError:
                continue
    return None


def _resolution(width: int, height: int, min_pixels: int) -> CheckOutcome:
    pixels = width * height
    detail = {"width": width, "height": height, "pixels": pixels, "min_pixels": min_pixels}
    shown, minimum = megapixels(pixels), megapixels(min_pixels)
    if pixels < min_pixels:
        return make_outcome(
            "usability.photo_resolution",
            CheckResult.FAIL,
            f"照片只有 {shown} 百万像素（{width}×{height}），低于档案要求的 {minimum} "
            "百万像素。请上传相机拍摄的原始尺寸照片，不要上传压缩或截图后的照片。",
            f"The photo has only {shown} megapixels ({width}×{height}), below the "
            f"archive's minimum of {minimum}. Upload the camera's full-size original, not a "
            "compressed copy or a screenshot.",
            **detail,
        )
    return make_outcome(
        "usability.photo_resolution",
        CheckResult.PASS,
        f"照片 {shown} 百万像素，达到 {minimum} 百万像素的要求。",
        f"The photo has {shown} megapixels, at least the required {minimum}.",
        **detail,
    )


def _exif_outcome(exif: dict[str, Any], taken_at: datetime | None) -> CheckOutcome:
    missing = [
        (zh, en)
        for zh, en, present in (
            ("拍摄时间", "date-time", taken_at is not None),
            ("相机厂商", "make", bool(exif.get("make"))),
            ("相机型号", "model", bool(exif.get("model"))),
        )
        if not present
    ]
    detail = {"exif": exif, "missing": [en for _zh, en in missing]}
    if len(missing) == 3:
        return make_outcome(
            "authenticity.photo_exif",
            CheckResult.FAIL,
            "照片没有 EXIF 拍摄信息（拍摄时间、相机厂商和型号），可能不是原始文件"
            "（经过编辑、截图或社交软件转发）。请上传相机或手机中的原始照片。",
            "The photo has no EXIF capture data (date-time, make and model): it is probably not "
            "the original (edited, a screenshot, or sent through a chat app). Upload the "
            "original from the camera or phone.",
            **detail,
        )
    if missing:
        return make_outcome(
            "authenticity.photo_exif",
            CheckResult.WARN,
            f"照片的 EXIF 缺少{'、'.join(zh for zh, _en in missing)}。如有原始照片，请改交原始照片。",
            f"The photo's EXIF lacks its {', '.join(en for _zh, en in missing)}. Upload the "
            "original photo if you have it.",
            **detail,
        )
    return make_outcome(
        "authenticity.photo_exif",
        CheckResult.PASS,
        f"照片带有 EXIF：{exif['make']} {exif['model']}，拍摄于 {taken_at:%Y-%m-%d %H:%M}。",
        f"The photo has EXIF: {exif['make']} {exif['model']}, taken {taken_at:%Y-%m-%d %H:%M}.",
        **detail,
    )


def _orientation(value: Any) -> CheckOutcome:
    if value in (None, 1):
        return make_outcome(
            "usability.photo_orientation",
            CheckResult.PASS,
            "照片方向正常。",
            "The photo is upright.",
            orientation=value,
        )
    if value in ORIENTATION_ZH:
        return make_outcome(
            "usability.photo_orientation",
            CheckResult.PASS,
            f"照片 EXIF 方向标记为“{ORIENTATION_ZH[value]}”，预览图和缩略图已按此摆正；"
            "原始文件保持不变。",
            f"The photo's EXIF orientation is {value}; the preview and thumbnail are turned "
            "upright, the original is kept as it is.",
            orientation=value,
        )
    return make_outcome(
        "usability.photo_orientation",
        CheckResult.WARN,
        f"照片 EXIF 方向值 {value!r} 无效，预览按原样显示。请检查照片方向是否正确。",
        f"The photo's EXIF orientation {value!r} is invalid; the preview is shown as stored. "
        "Check that the photo is the right way up.",
        orientation=str(value),
    )


def period_outcome(
    taken_at: datetime | None, start: date | None, end: date | None, *, margin_days: int
) -> CheckOutcome:
    """``authenticity.photo_period``: taken within the construction period (± a margin)."""
    detail = {
        "taken_at": taken_at.isoformat() if taken_at else None,
        "start": start.isoformat() if start else None,
        "end": end.isoformat() if end else None,
        "margin_days": margin_days,
    }
    if taken_at is None or start is None:
        return make_outcome(
            "authenticity.photo_period",
            CheckResult.WARN,
            "无法核对拍摄时间是否在施工期内（照片没有拍摄时间或项目未登记开工日期）。",
            "Cannot check that the photo was taken during construction (no capture date in "
            "the photo, or no start date registered for the project).",
            **detail,
        )
    day = taken_at.date()
    early = (start - day).days
    late = (day - end).days if end else 0
    if early > margin_days or late > margin_days:
        period_zh = f"{start:%Y-%m-%d} 至 {end:%Y-%m-%d}" if end else f"{start:%Y-%m-%d} 起"
        period_en = f"{start:%Y-%m-%d} to {end:%Y-%m-%d}" if end else f"from {start:%Y-%m-%d}"
        return make_outcome(
            "authenticity.photo_period",
            CheckResult.WARN,
            f"照片拍摄于 {day:%Y-%m-%d}，不在项目施工期（{period_zh}）内。"
            "请确认照片属于本工程，或相机时间设置是否正确，并在说明中注明。",
            f"The photo was taken on {day:%Y-%m-%d}, outside the construction period "
            f"({period_en}). Check that it belongs to this project and that the camera's clock "
            "was right, and say so in its caption.",
            **detail,
        )
    return make_outcome(
        "authenticity.photo_period",
        CheckResult.PASS,
        f"照片拍摄于 {day:%Y-%m-%d}，在项目施工期内。",
        f"The photo was taken on {day:%Y-%m-%d}, during the construction period.",
        **detail,
    )

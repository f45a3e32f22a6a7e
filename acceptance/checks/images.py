"""Decode an image fully with Pillow, refusing decompression bombs."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from PIL import Image

from .outcomes import CheckOutcome, CheckResult, error_detail, make_outcome

MAX_FRAMES = 64
"""Frames (pages of a multi-page TIFF, MPO views...) decoded at most per image."""

# Pillow's own default. Used only when some other code has set Image.MAX_IMAGE_PIXELS to None:
# uploaded files must never be decoded without a pixel limit.
_FALLBACK_MAX_PIXELS = 1024 * 1024 * 1024 // 4 // 3

# Sniffed format -> Pillow plugins allowed to open it, so hostile bytes never reach other
# decoders.
PILLOW_FORMATS: dict[str, tuple[str, ...]] = {
    "jpeg": ("JPEG", "MPO"),
    "png": ("PNG",),
    "tiff": ("TIFF",),
    "webp": ("WEBP",),
    "gif": ("GIF",),
    "bmp": ("BMP",),
    "heic": ("HEIF",),
    "jp2": ("JPEG2000",),
    "psd": ("PSD",),
}


class _TooManyPixels(Exception):
    def __init__(self, width: int, height: int, limit: int) -> None:
        super().__init__(f"{width}x{height} = {width * height} pixels exceeds {limit}")
        self.width, self.height, self.limit = width, height, limit


def check_image(path: Path, fmt: str) -> list[CheckOutcome]:
    """Return the outcomes of decoding every frame of the image at ``path``.

    ``fmt`` is the sniffed format (``"jpeg"``, ``"png"``, ``"tiff"``, ``"webp"``, ``"gif"``
    or ``"bmp"``).
    """
    limit = max_image_pixels()
    try:
        facts = _decode(path, fmt, limit)
    except _TooManyPixels as exc:
        return [bomb_outcome(exc, width=exc.width, height=exc.height, max_pixels=limit)]
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        return [bomb_outcome(exc, max_pixels=limit)]
    except Exception as exc:  # Pillow decoders raise OSError, SyntaxError, ValueError, ...
        return [undecodable_outcome(exc)]
    return decoded_outcomes(facts, limit)


def undecodable_outcome(exc: BaseException) -> CheckOutcome:
    """``usability.image_opens`` failed: the image is damaged or truncated."""
    return make_outcome(
        "usability.image_opens",
        CheckResult.FAIL,
        "图像文件已损坏或不完整（可能上传中断或文件被截断），无法完整解码。"
        "请上传相机、手机或扫描仪生成的原始文件。",
        "The image is damaged or incomplete (an interrupted upload or a truncated file) and "
        "cannot be fully decoded. Upload the original file from the camera, phone or scanner.",
        **error_detail(exc),
    )


def decoded_outcomes(facts: dict[str, Any], limit: int) -> list[CheckOutcome]:
    """The bomb guard and ``usability.image_opens`` passed; ``facts`` has width and height."""
    return [
        make_outcome(
            "security.decompression_bomb",
            CheckResult.PASS,
            "图像尺寸在安全范围内。",
            "The image size is within the safety limit.",
            max_pixels=limit,
        ),
        make_outcome(
            "usability.image_opens",
            CheckResult.PASS,
            f"图像可以完整解码（{facts['width']}×{facts['height']} 像素）。",
            f"The image decodes fully ({facts['width']}×{facts['height']} pixels).",
            **facts,
        ),
    ]


def max_image_pixels() -> int:
    """Pillow's decompression-bomb limit, never unlimited for uploaded files."""
    return Image.MAX_IMAGE_PIXELS or _FALLBACK_MAX_PIXELS


@cache
def _heif_plugin() -> None:
    # Phones save HEIC/HEIF; pillow-heif adds the decoder as Pillow's "HEIF" plugin. Added when
    # an uploaded image is first opened: loading it at start-up slowed every command.
    import pillow_heif

    pillow_heif.register_heif_opener()


def open_image(path: Path, fmt: str) -> Image.Image:
    """Open an uploaded image with only the Pillow plugins of its sniffed format ``fmt``."""
    _heif_plugin()
    return Image.open(path, formats=PILLOW_FORMATS[fmt])


def _decode(path: Path, fmt: str, limit: int) -> dict[str, Any]:
    with open_image(path, fmt) as im:
        facts: dict[str, Any] = {
            "width": im.width,
            "height": im.height,
            "mode": im.mode,
            "pillow_format": im.format,
        }
        frames = getattr(im, "n_frames", 1)
        facts["frames"] = frames
        for index in range(min(frames, MAX_FRAMES)):
            im.seek(index)
            # Pillow only checks the first frame at open() and merely warns between 1x and 2x
            # its limit; refuse every frame above the limit before decoding it.
            if im.width * im.height > limit:
                raise _TooManyPixels(im.width, im.height, limit)
            im.load()
    facts["frames_decoded"] = min(frames, MAX_FRAMES)
    return facts


def bomb_outcome(exc: Exception, **detail: Any) -> CheckOutcome:
    return make_outcome(
        "security.decompression_bomb",
        CheckResult.FAIL,
        "图像像素数过大，超出系统安全上限（疑似“解压炸弹”），已拒绝处理。"
        "请上传正常尺寸的照片或扫描件（如需高分辨率，请分幅扫描）。",
        "Refused: the image has too many pixels for the safety limit (image too large / "
        "decompression bomb). Upload a normally sized photo or scan (split very large scans "
        "into tiles).",
        **detail,
        **error_detail(exc),
    )

"""The Chinese font the certificates are set in.

An archive document should embed its fonts, so a CJK TrueType font file is looked for and embedded
(as a subset) by reportlab. On a machine without one, reportlab's built-in CID font
``STSong-Light`` is used instead: the PDF still shows Chinese text in any reader that has the
Adobe Chinese font pack, but the font is not embedded. A warning is logged when that happens.

The paths tried come from the Django setting ``CERTIFICATES_FONT_PATHS`` (a list of paths) when
Django settings are available and it is set, otherwise from :data:`DEFAULT_FONT_PATHS`.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterable
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont

logger = logging.getLogger(__name__)

DEFAULT_FONT_PATHS: tuple[str, ...] = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
)

EMBEDDED_FONT_NAME = "CertificateCJK"
FALLBACK_FONT_NAME = "STSong-Light"

# Characters every candidate font must have: a Latin-only font would print empty boxes.
_REQUIRED_CHARACTERS = "建设工程竣工档案验收意见书年月日"

_lock = threading.Lock()
_registered: tuple[str, bool] | None = None  # (font name, embedded)


def _configured_font_paths() -> list[str] | None:
    """``settings.CERTIFICATES_FONT_PATHS`` or None when Django or the setting is absent."""
    try:
        from django.conf import settings
        from django.core.exceptions import ImproperlyConfigured
    except ImportError:
        return None
    try:
        paths = getattr(settings, "CERTIFICATES_FONT_PATHS", None)
    except ImproperlyConfigured:  # DJANGO_SETTINGS_MODULE not set, settings not configured
        return None
    if paths is None:
        return None
    if isinstance(paths, str | os.PathLike):
        paths = [paths]
    return [os.fspath(path) for path in paths]


def candidate_font_paths() -> list[str]:
    """The font files tried, in order."""
    configured = _configured_font_paths()
    return configured if configured is not None else list(DEFAULT_FONT_PATHS)


def _load_truetype(path: str) -> TTFont | None:
    if not Path(path).is_file():
        return None
    try:
        # subfontIndex picks the first face of a .ttc collection; plain .ttf files ignore it.
        font = TTFont(EMBEDDED_FONT_NAME, path, subfontIndex=0)
    except Exception as exc:  # e.g. CFF-outline OpenType, which reportlab cannot embed
        logger.info("Certificate font %s cannot be used by reportlab: %s", path, exc)
        return None
    char_to_glyph = font.face.charToGlyph
    missing = [char for char in _REQUIRED_CHARACTERS if ord(char) not in char_to_glyph]
    if missing:
        logger.info("Certificate font %s lacks Chinese glyphs (%s)", path, "".join(missing))
        return None
    return font


def _register(paths: Iterable[str]) -> tuple[str, bool]:
    paths = list(paths)
    for path in paths:
        font = _load_truetype(path)
        if font is not None:
            pdfmetrics.registerFont(font)
            logger.debug("Certificate font %s registered from %s", EMBEDDED_FONT_NAME, path)
            return EMBEDDED_FONT_NAME, True
    logger.warning(
        "No usable CJK TrueType font found (tried: %s); certificates will use the built-in CID "
        "font %s and fonts will not be embedded in the PDF. Install fonts-wqy-microhei or set "
        "CERTIFICATES_FONT_PATHS.",
        ", ".join(paths) or "none",
        FALLBACK_FONT_NAME,
    )
    pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_FONT_NAME))
    return FALLBACK_FONT_NAME, False


def register_cjk_font() -> str:
    """Register the certificate font once and return its reportlab name."""
    global _registered
    with _lock:
        if _registered is None:
            _registered = _register(candidate_font_paths())
        return _registered[0]


def font_is_embedded() -> bool:
    """Whether certificates embed their font (a TrueType file was found)."""
    register_cjk_font()
    assert _registered is not None
    return _registered[1]


def _reset_for_tests() -> None:
    """Forget the registration so the next call looks for fonts again (tests only)."""
    global _registered
    with _lock:
        _registered = None

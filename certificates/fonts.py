"""The Chinese font the certificates are set in, always embedded.

An archive document embeds its fonts. By default certificates use the CJK font shipped with the
product (:mod:`workflows.fonts`). An archive that wants another face (a licensed 宋体, say) lists
TrueType files in the Django setting ``CERTIFICATES_FONT_PATHS``; the first usable one is
embedded, and when none is, the shipped font is used and a warning names the files tried.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

from workflows.fonts import reportlab_cjk_font

logger = logging.getLogger(__name__)

CONFIGURED_FONT_NAME = "CertificateCJK"

# Characters every configured font must have: a Latin-only font would print empty boxes.
_REQUIRED_CHARACTERS = "建设工程竣工档案验收意见书年月日"

_lock = threading.Lock()
_registered: str | None = None


def configured_font_paths() -> list[str]:
    """``settings.CERTIFICATES_FONT_PATHS`` (a path or a list of paths), or none."""
    from django.conf import settings

    paths = getattr(settings, "CERTIFICATES_FONT_PATHS", None) or []
    if isinstance(paths, str | os.PathLike):
        paths = [paths]
    return [os.fspath(path) for path in paths]


def _load_truetype(path: str):
    from reportlab.pdfbase.ttfonts import TTFont

    if not Path(path).is_file():
        return None
    try:
        # subfontIndex picks the first face of a .ttc collection; plain .ttf files ignore it.
        font = TTFont(CONFIGURED_FONT_NAME, path, subfontIndex=0)
    except Exception as exc:  # e.g. CFF-outline OpenType, which reportlab cannot embed
        logger.info("Certificate font %s cannot be used by reportlab: %s", path, exc)
        return None
    char_to_glyph = font.face.charToGlyph
    missing = [char for char in _REQUIRED_CHARACTERS if ord(char) not in char_to_glyph]
    if missing:
        logger.info("Certificate font %s lacks Chinese glyphs (%s)", path, "".join(missing))
        return None
    return font


def _register(paths: list[str]) -> str:
    from reportlab.pdfbase import pdfmetrics

    shipped = reportlab_cjk_font()  # registered in any case: the font each canvas starts with
    for path in paths:
        font = _load_truetype(path)
        if font is not None:
            pdfmetrics.registerFont(font)
            return CONFIGURED_FONT_NAME
    if paths:
        logger.warning(
            "None of CERTIFICATES_FONT_PATHS is a usable CJK TrueType font (tried: %s); "
            "certificates use the font shipped with the product.",
            ", ".join(paths),
        )
    return shipped


def register_cjk_font() -> str:
    """Register the certificate font once and return its reportlab name."""
    global _registered
    with _lock:
        if _registered is None:
            _registered = _register(configured_font_paths())
        return _registered


def _reset_for_tests() -> None:
    """Forget the registration so the next call looks for fonts again (tests only)."""
    global _registered
    with _lock:
        _registered = None

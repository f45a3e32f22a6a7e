"""The CJK font shipped with the product, so Chinese renders on a machine with no font installed.

One file serves every document and picture the product writes (certificate, commitment and report
PDFs, drawing previews, generated sample records) and pages that draw Chinese text themselves
(it is a static file, ``{% static CJK_FONT_STATIC %}``): WenQuanYi Micro Hei 文泉驿微米黑, Apache-2.0
(see ``LICENSE-wqy-microhei.txt`` beside it), TrueType outlines, which reportlab embeds as a
subset, Pillow and ezdxf draw, and browsers load.

It is face 0 of Debian's ``wqy-microhei.ttc`` cut to Latin, Greek, Cyrillic, symbols, CJK
punctuation, kana, bopomofo and every CJK ideograph the font has (Hangul and hinting dropped:
3.3 MB instead of 5.2 MB)::

    pyftsubset wqy-microhei.ttc --font-number=0 --layout-features='*' --no-hinting \\
      --name-IDs='*' --name-languages='*' --notdef-outline --unicodes=U+0000-024F,U+02B0-04FF,\\
    U+2000-27BF,U+2E80-2FDF,U+3000-312F,U+31C0-4DBF,U+4E00-9FFF,U+F900-FAFF,U+FE10-FE4F,U+FF00-FFEF

This module lives in the lowest layer that draws Chinese (the BPMN diagrams) and imports nothing
heavy: reportlab is imported only when a PDF is written.
"""

from __future__ import annotations

import threading
from pathlib import Path

CJK_FONT_STATIC = "workflows/fonts/wqy-microhei.ttf"
CJK_FONT_PATH = Path(__file__).resolve().parent / "static" / CJK_FONT_STATIC
CJK_FONT_FAMILY = "WenQuanYi Micro Hei"
# The name PDFs refer to the font by (reportlab's registry is per process).
REPORTLAB_FONT_NAME = "WenQuanYiMicroHei"

_lock = threading.Lock()
_registered = False


def reportlab_cjk_font() -> str:
    """Register the shipped font with reportlab once and return its name.

    reportlab embeds the glyphs a PDF uses (a subset), so the document shows the same text on any
    reader. It also becomes the font every reportlab canvas and table cell starts with, which
    would otherwise be Helvetica: set on each page and each table cell though no text uses it,
    and so listed in the PDF as a font that is not embedded.
    """
    global _registered
    with _lock:
        if not _registered:
            from reportlab import rl_config
            from reportlab.pdfbase import pdfmetrics
            from reportlab.pdfbase.ttfonts import TTFont
            from reportlab.platypus.tables import CellStyle

            pdfmetrics.registerFont(TTFont(REPORTLAB_FONT_NAME, str(CJK_FONT_PATH)))
            rl_config.canvas_basefontname = REPORTLAB_FONT_NAME
            CellStyle.fontname = REPORTLAB_FONT_NAME
            _registered = True
    return REPORTLAB_FONT_NAME

"""The CJK font shipped with the product: Chinese renders with no font installed on the machine."""

from __future__ import annotations

from pathlib import Path

from django.contrib.staticfiles import finders
from fontTools.ttLib import TTFont
from PIL import Image, ImageChops
from reportlab.pdfgen.canvas import Canvas

from tests.documents import assert_fonts_embedded, rasterize
from workflows.fonts import CJK_FONT_FAMILY, CJK_FONT_PATH, CJK_FONT_STATIC, reportlab_cjk_font

# Not in the font (Hangul was cut from it): drawn as the empty box a missing glyph gets.
MISSING = "한"


def gb2312_hanzi() -> list[str]:
    """The 6,763 characters of GB 2312, the floor of any Chinese font (rows 16–87)."""
    characters = []
    for row in range(0xB0, 0xF8):
        for cell in range(0xA1, 0xFF):
            try:
                characters.append(bytes([row, cell]).decode("gb2312"))
            except UnicodeDecodeError:
                continue  # the five unassigned cells at the end of row 55
    return characters


def test_the_font_holds_every_gb2312_character_and_the_rare_ones_of_names():
    font = TTFont(CJK_FONT_PATH, lazy=True)
    cmap = font.getBestCmap()
    hanzi = gb2312_hanzi()
    assert len(hanzi) == 6763
    assert [c for c in hanzi if ord(c) not in cmap] == []
    # Outside GB 2312 yet common in people's and places' names, and the symbols of records.
    assert all(ord(c) in cmap for c in "堃喆玥昇珺琇镕浜氹　，。、（）《》【】℃№㎡×°±ⅠⅣ")
    assert ord(MISSING) not in cmap
    assert "glyf" in font  # TrueType outlines: reportlab can embed them
    assert font["OS/2"].fsType & 0b0010 == 0  # not restricted-licence: embedding is allowed
    assert font["name"].getDebugName(1) == CJK_FONT_FAMILY


def draw_pdf(path: Path, text: str) -> Path:
    font = reportlab_cjk_font()
    canvas = Canvas(str(path), pagesize=(200, 200), invariant=True)
    canvas.setFont(font, 120)
    canvas.drawString(40, 50, text)
    canvas.save()
    return path


def test_a_pdf_embeds_the_font_and_draws_chinese_as_glyphs_not_boxes(tmp_path):
    pages = {}
    for name, text in {"dang": "档", "an": "案", "missing": MISSING}.items():
        pdf = draw_pdf(tmp_path / f"{name}.pdf", text)
        assert_fonts_embedded(pdf)
        with Image.open(rasterize(pdf, tmp_path / f"{name}.png", dpi=72)) as image:
            pages[name] = image.convert("L")

    def differ(a: str, b: str) -> bool:
        return ImageChops.difference(pages[a], pages[b]).getbbox() is not None

    assert pages["dang"].getextrema()[0] < 64  # something dark was drawn
    # Had the font no Chinese, both characters would be the same empty box as a missing one.
    assert differ("dang", "an") and differ("dang", "missing") and differ("an", "missing")


def test_pages_fall_back_to_the_shipped_font_served_as_a_static_file():
    assert Path(finders.find(CJK_FONT_STATIC)) == CJK_FONT_PATH
    site_css = Path(finders.find("site.css")).read_text(encoding="utf8")
    # site.css is served from the static root: its url() is relative to that.
    assert f'url("{CJK_FONT_STATIC}")' in site_css
    assert '"Archive CJK"' in site_css.split("body {", 1)[1].split("}", 1)[0]

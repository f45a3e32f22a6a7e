"""What a reader of a written PDF would get (its fonts via poppler's pdffonts, its pages as PNG), and
a tampered copy of a written OFD. What easyofd reads and draws of an OFD, how alike two page
images are and the `openssl` check of its seal are in ``tests.certificates.helpers``."""

from __future__ import annotations

import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class PdfFont:
    name: str
    type: str
    embedded: bool


def pdf_fonts(pdf: bytes | Path) -> list[PdfFont]:
    """The fonts of every page, as ``pdffonts`` lists them."""
    with tempfile.TemporaryDirectory() as folder:
        path = _as_file(pdf, Path(folder))
        listing = subprocess.run(
            ["pdffonts", str(path)], check=True, capture_output=True, text=True, timeout=60
        ).stdout
    fonts = []
    # name, type (may hold spaces: "CID TrueType"), encoding, emb, sub, uni, object, ID
    for line in listing.splitlines()[2:]:
        words = line.split()
        emb = words[-5]
        fonts.append(PdfFont(name=words[0], type=" ".join(words[1:-6]), embedded=emb == "yes"))
    return fonts


def assert_fonts_embedded(pdf: bytes | Path) -> list[PdfFont]:
    """Every font of the PDF is embedded, and the shipped CJK font is among them."""
    fonts = pdf_fonts(pdf)
    assert fonts, "the PDF uses no font"
    assert all(font.embedded for font in fonts), fonts
    assert any("WenQuanYi" in font.name for font in fonts), fonts
    return fonts


def rasterize(pdf: bytes | Path, out: Path, *, dpi: int = 80, page: int = 1) -> Path:
    """One page as ``out`` (a PNG path), via poppler's pdftoppm."""
    with tempfile.TemporaryDirectory() as folder:
        path = _as_file(pdf, Path(folder))
        stem = out.with_suffix("")
        pages = ["-f", str(page), "-l", str(page)]
        subprocess.run(
            ["pdftoppm", "-r", str(dpi), "-png", "-singlefile", *pages, str(path), str(stem)],
            check=True,
            capture_output=True,
            timeout=60,
        )
    return stem.with_suffix(".png")


def _as_file(pdf: bytes | Path, folder: Path) -> Path:
    if isinstance(pdf, Path):
        return pdf
    path = folder / "document.pdf"
    path.write_bytes(pdf)
    return path


# -- OFD: what the independent reader (easyofd) and the `openssl` command line make of one --------


def pdf_page_image(pdf: bytes, page: int = 1, *, dpi: int = 100):
    """One page of a PDF drawn by poppler, as a PIL image."""
    from PIL import Image

    with tempfile.TemporaryDirectory() as folder:
        png = rasterize(pdf, Path(folder) / "page.png", dpi=dpi, page=page)
        with Image.open(png) as image:
            return image.convert("RGB")


def repacked(data: bytes, name: str, change) -> bytes:
    """The package ``data`` with its file ``name`` changed by ``change`` (a tampered copy)."""
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as package:
        files = {entry: package.read(entry) for entry in package.namelist()}
    files[name] = change(files[name])
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        for entry, content in files.items():
            package.writestr(entry, content)
    return buffer.getvalue()

"""The acceptance certificate as OFD: what an OFD reader, and a scanner of its QR code, would get."""

from __future__ import annotations

import io
import subprocess
import zipfile

import pytest
from fontTools.ttLib import TTFont
from lxml import etree

from certificates.ofd import render_certificate_ofd
from tests.certificates.helpers import easyofd_pages
from tests.certificates.test_pdf import make_conditional, make_content
from workflows.fonts import CJK_FONT_PATH
from workflows.ofd import OFD_NAMESPACE

NS = {"ofd": OFD_NAMESPACE}


def _xml(package: zipfile.ZipFile, name: str):
    return etree.fromstring(package.read(name))


@pytest.fixture(scope="module")
def full() -> bytes:
    return render_certificate_ofd(make_content())


@pytest.fixture(scope="module")
def conditional() -> bytes:
    return render_certificate_ofd(make_conditional())


def test_package_has_the_ofd_structure_with_the_font_embedded(full):
    with zipfile.ZipFile(io.BytesIO(full)) as package:
        names = set(package.namelist())
        assert {
            "OFD.xml",
            "Doc_0/Document.xml",
            "Doc_0/PublicRes.xml",
            "Doc_0/DocumentRes.xml",
            "Doc_0/Pages/Page_0/Content.xml",
        } <= names
        entry = _xml(package, "OFD.xml")
        assert entry.tag == f"{{{OFD_NAMESPACE}}}OFD"
        assert entry.findtext("ofd:DocBody/ofd:DocRoot", namespaces=NS) == "Doc_0/Document.xml"
        document = _xml(package, "Doc_0/Document.xml")
        assert document.findtext("ofd:CommonData/ofd:PageArea/ofd:PhysicalBox", namespaces=NS) == (
            "0 0 210 297"
        )
        pages = document.findall("ofd:Pages/ofd:Page", NS)
        assert [page.get("BaseLoc") for page in pages] == ["Pages/Page_0/Content.xml"]
        resources = _xml(package, "Doc_0/PublicRes.xml")
        font_name = resources.findtext("ofd:Fonts/ofd:Font/ofd:FontFile", namespaces=NS)
        font_path = f"Doc_0/{resources.get('BaseLoc')}/{font_name}"
        font_file = package.read(font_path)
        embedded = TTFont(io.BytesIO(font_file))
        printed = "".join(
            code.text
            for code in _xml(package, "Doc_0/Pages/Page_0/Content.xml").iterfind(
                ".//ofd:TextCode", NS
            )
        )
    # The shipped font, cut to the glyphs the page prints: every character has its glyph.
    assert embedded["name"].getDebugName(1) == "WenQuanYi Micro Hei"
    assert set(printed) <= {chr(code) for code in embedded.getBestCmap()}
    assert len(font_file) < CJK_FONT_PATH.stat().st_size / 20


def test_cjk_glyph_advances_are_given_per_character(full):
    with zipfile.ZipFile(io.BytesIO(full)) as package:
        content = _xml(package, "Doc_0/Pages/Page_0/Content.xml")
    title = next(
        obj
        for obj in content.iterfind(".//ofd:TextObject", NS)
        if obj.findtext("ofd:TextCode", namespaces=NS) == "建设工程竣工档案验收意见书"
    )
    advances = title.find("ofd:TextCode", NS).get("DeltaX").split()
    # One advance between each pair of characters: CJK ideographs are a full em wide.
    assert len(advances) == len("建设工程竣工档案验收意见书") - 1
    assert {float(advance) for advance in advances} == {float(title.get("Size"))}


def test_independent_reader_returns_the_certificates_text(full):
    (page,) = easyofd_pages(full)
    for expected in (
        "建设工程竣工档案验收意见书",
        "JGYS2026-00001",
        "浦东新区张江科学城配套住宅项目（二期）3号楼",
        "上海张江科学城建设发展有限公司",
        "沪规建证〔2023〕0215号",
        "2026年9月30日",
        "同意通过竣工档案验收",
        "7K3M-Q9XD",
        "https://archive.example.cn/certificates/verify/7K3M-Q9XD",
        "城市建设档案馆",
        # Issued at 16:30 UTC on 20 November: the 21st in Shanghai.
        "2026年11月21日",
    ):
        assert expected in page


def test_conditional_certificate_keeps_deadline_and_footer_together(conditional):
    pages = easyofd_pages(conditional)
    assert "有条件验收" in pages[0]
    assert "工程竣工测量报告" in "".join(pages)
    last = pages[-1]
    assert "承诺补交期限" in last and "2027年2月21日" in last and "城市建设档案馆" in last


def test_embedded_qr_code_decodes_to_the_verification_address(full, tmp_path):
    with zipfile.ZipFile(io.BytesIO(full)) as package:
        media = _xml(package, "Doc_0/DocumentRes.xml")
        name = media.findtext("ofd:MultiMedias/ofd:MultiMedia/ofd:MediaFile", namespaces=NS)
        png = tmp_path / "qr.png"
        png.write_bytes(package.read(f"Doc_0/{media.get('BaseLoc')}/{name}"))
    decoded = subprocess.run(
        ["zbarimg", "--quiet", "--raw", str(png)], capture_output=True, text=True, timeout=60
    )
    assert decoded.stdout.strip() == "https://archive.example.cn/certificates/verify/7K3M-Q9XD"


def test_licence_elements_are_named_after_gbt_36905(full):
    with zipfile.ZipFile(io.BytesIO(full)) as package:
        entry = _xml(package, "OFD.xml")
    custom = {
        node.get("Name"): node.text
        for node in entry.iterfind("ofd:DocBody/ofd:DocInfo/ofd:CustomDatas/ofd:CustomData", NS)
    }
    assert custom["证照类型名称"] == "建设工程竣工档案验收意见书"
    assert custom["证照编号"] == "JGYS2026-00001"
    assert custom["持证主体"] == "上海张江科学城建设发展有限公司"
    assert custom["证照颁发机构"] == "城市建设档案馆"
    assert custom["证照颁发日期"] == "2026-11-21"
    assert custom["有效期截止日期"] == "长期"
    assert custom["证照状态"] == "有效"


@pytest.mark.parametrize("make", [make_content, make_conditional], ids=["full", "conditional"])
def test_independent_reader_draws_the_ofd_as_the_pdf_looks(make, tmp_path):
    """easyofd renders the OFD to an image; it puts ink where poppler's image of the PDF of
    the same certificate does (text, frame, table, QR code), and a different certificate's
    PDF does not match it as well."""
    from PIL import Image

    from certificates.pdf import render_certificate_pdf
    from tests.certificates.helpers import ARTIFACTS, easyofd_image, ink_agreement
    from tests.documents import rasterize

    content = make()
    drawn = easyofd_image(render_certificate_ofd(content))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    drawn.save(ARTIFACTS / f"ofd_easyofd_{make.__name__}.png")
    pdf_page = Image.open(rasterize(render_certificate_pdf(content), tmp_path / "pdf.png"))
    other = make_conditional if make is make_content else make_content
    other_page = Image.open(rasterize(render_certificate_pdf(other()), tmp_path / "other.png"))

    same = ink_agreement(drawn, pdf_page)
    different = ink_agreement(drawn, other_page)

    assert same >= 0.55, same
    assert same - different >= 0.15, (same, different)

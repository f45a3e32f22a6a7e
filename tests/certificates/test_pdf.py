"""The acceptance certificate PDF: what a reader of the document would notice."""

from __future__ import annotations

import dataclasses
import io
import logging
import shutil
import subprocess
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader
from pypdf.generic import IndirectObject

import certificates
from certificates import fonts
from certificates.pdf import CertificateContent, format_chinese_date, render_certificate_pdf
from tests.documents import assert_fonts_embedded, pdf_fonts
from workflows.fonts import CJK_FONT_PATH, REPORTLAB_FONT_NAME

# The folder holding the certificates package: the repository root (test-artifacts/ is ignored).
REPO_ROOT = Path(certificates.__file__).resolve().parents[1]
ARTIFACTS = REPO_ROOT / "test-artifacts" / "certificates"

OPINION = (
    "经审查，该工程竣工档案（文书、技术、竣工图、声像、电子五类档案）基本符合《建设工程文件"
    "归档规范》及本市城建档案管理的有关规定，同意通过竣工档案验收。\n"
    "本意见书经涂改或未加盖本馆印章无效。建设单位应在工程竣工验收后三个月内向本馆移交全套"
    "工程档案。"
)


def make_content(**changes) -> CertificateContent:
    content = CertificateContent(
        number="JGYS2026-00001",
        conditional=False,
        project_name="浦东新区张江科学城配套住宅项目（二期）3号楼",
        project_location="上海市浦东新区张江镇科苑路88号",
        owner="上海张江科学城建设发展有限公司",
        contractor="中建八局第三建设有限公司",
        supervisor="上海建科工程咨询有限公司",
        designer="华东建筑设计研究院有限公司",
        planning_permit_no="沪规建证〔2023〕0215号",
        construction_permit_no="310115202303150101",
        floor_area_m2="12,345.67",
        structure_type="框架-剪力墙结构",
        start_date=date(2024, 3, 1),
        completion_date=date(2026, 9, 30),
        opinion_text=OPINION,
        tolerated_items=(),
        commitment_deadline=None,
        # 16:30 UTC on 20 November is already 21 November in Shanghai.
        issued_at=datetime(2026, 11, 20, 16, 30, tzinfo=UTC),
        issuer_name="城市建设档案馆",
        verification_code="7K3M-Q9XD",
        verification_url="https://archive.example.cn/certificates/verify/7K3M-Q9XD",
    )
    return dataclasses.replace(content, **changes)


def make_conditional(**changes) -> CertificateContent:
    values = {
        "number": "JGYS2026-00002",
        "conditional": True,
        "tolerated_items": (
            ("C2-03", "工程竣工测量报告"),
            ("C5-11", "建筑节能分部工程质量验收记录"),
            ("D1-02", "竣工图（给排水专业）"),
        ),
        "commitment_deadline": date(2027, 2, 21),
    }
    values.update(changes)
    return make_content(**values)


def extract_text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def resolve(obj):
    return obj.get_object() if isinstance(obj, IndirectObject) else obj


def font_files(pdf: bytes) -> set[str]:
    """Kinds of embedded font programs (/FontFile, /FontFile2, /FontFile3) on every page."""
    found: set[str] = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        resources = resolve(page.get("/Resources")) or {}
        for font in (resolve(resources.get("/Font")) or {}).values():
            font = resolve(font)
            candidates = [font, *(resolve(d) for d in resolve(font.get("/DescendantFonts", [])))]
            for candidate in candidates:
                descriptor = resolve(candidate.get("/FontDescriptor")) or {}
                found.update(
                    key for key in ("/FontFile", "/FontFile2", "/FontFile3") if key in descriptor
                )
    return found


def rasterize(pdf: bytes, name: str, dpi: int = 80) -> Path:
    """Page 1 as a PNG in test-artifacts/certificates/, via poppler's pdftoppm."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pdf_path = ARTIFACTS / f"{name}.pdf"
    pdf_path.write_bytes(pdf)
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            str(dpi),
            "-png",
            "-singlefile",
            "-f",
            "1",
            "-l",
            "1",
            str(pdf_path),
            str(ARTIFACTS / name),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return ARTIFACTS / f"{name}.png"


def dark_pixel_share(png: Path) -> float:
    with Image.open(png) as image:
        grey = image.convert("L")
        low, high = grey.getextrema()
        assert low < 80 and high > 240, (low, high)
        histogram = grey.histogram()
        return sum(histogram[:128]) / (grey.width * grey.height)


@pytest.fixture
def fresh_font_registration():
    fonts._reset_for_tests()
    yield
    fonts._reset_for_tests()


def test_chinese_date_format():
    assert format_chinese_date(date(2026, 11, 21)) == "2026年11月21日"
    assert format_chinese_date(date(2027, 2, 1)) == "2027年2月1日"
    assert format_chinese_date(None) == "—"


def test_full_acceptance_shows_title_number_project_and_issue_date():
    pdf = render_certificate_pdf(make_content())
    assert pdf.startswith(b"%PDF-")
    text = extract_text(pdf)
    assert "竣工档案验收意见书" in text
    assert "Completion Archive Acceptance Opinion" in text
    assert "JGYS2026-00001" in text
    assert "浦东新区张江科学城配套住宅项目" in text
    assert "中建八局第三建设有限公司" in text
    assert "城市建设档案馆" in text
    assert "7K3M-Q9XD" in text
    # issued_at is printed in Asia/Shanghai: 2026-11-20 16:30 UTC is the 21st there.
    assert "2026年11月21日" in text
    assert "2024年3月1日" in text and "2026年9月30日" in text
    assert "有条件验收" not in text
    assert "容缺" not in text


def test_conditional_acceptance_lists_tolerated_items_and_deadline():
    pdf = render_certificate_pdf(make_conditional())
    text = extract_text(pdf)
    assert "竣工档案验收意见书" in text
    assert "有条件验收" in text
    assert "JGYS2026-00002" in text
    for code, name in make_conditional().tolerated_items:
        assert code in text
        assert name in text
    assert "2027年2月21日" in text
    assert "2027-02-21" in text


def test_pdf_metadata():
    reader = PdfReader(io.BytesIO(render_certificate_pdf(make_conditional())))
    metadata = reader.metadata
    assert "建设工程竣工档案验收意见书" in metadata.title
    assert metadata.author == "城市建设档案馆"
    assert metadata.subject == "JGYS2026-00002"


def test_naive_issue_time_is_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        render_certificate_pdf(make_content(issued_at=datetime(2026, 11, 21, 9, 0)))


def test_empty_values_render_as_dash():
    pdf = render_certificate_pdf(
        make_conditional(floor_area_m2="", start_date=None, tolerated_items=(), designer="")
    )
    text = extract_text(pdf)
    assert "—" in text
    assert "JGYS2026-00002" in text


def test_long_content_flows_onto_a_second_page():
    items = tuple((f"C{i:02d}-01", f"第{i}项补充验收资料与声像档案") for i in range(1, 41))
    pdf = render_certificate_pdf(make_conditional(tolerated_items=items))
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) >= 2
    text = extract_text(pdf)
    assert "第40项补充验收资料与声像档案" in text
    # The issuer block is printed once, at the end.
    assert reader.pages[-1].extract_text().count("城市建设档案馆") == 1


def test_the_shipped_font_is_embedded_by_default(fresh_font_registration):
    assert fonts.register_cjk_font() == REPORTLAB_FONT_NAME
    assert fonts.register_cjk_font() == REPORTLAB_FONT_NAME  # idempotent
    pdf = render_certificate_pdf(make_conditional())
    assert "/FontFile2" in font_files(pdf)
    assert_fonts_embedded(pdf)


def test_a_configured_font_is_embedded_in_place_of_the_shipped_one(
    fresh_font_registration, settings, tmp_path
):
    own = tmp_path / "archive-song.ttf"
    shutil.copy(CJK_FONT_PATH, own)
    settings.CERTIFICATES_FONT_PATHS = [str(tmp_path / "missing.ttc"), str(own)]
    assert fonts.register_cjk_font() == fonts.CONFIGURED_FONT_NAME
    assert all(font.embedded for font in pdf_fonts(render_certificate_pdf(make_content())))


def test_unusable_configured_fonts_fall_back_to_the_shipped_one_with_a_warning(
    fresh_font_registration, settings, tmp_path, caplog
):
    not_a_font = tmp_path / "broken.ttf"
    not_a_font.write_bytes(b"not a font")
    settings.CERTIFICATES_FONT_PATHS = [str(tmp_path / "missing.ttc"), str(not_a_font)]
    with caplog.at_level(logging.WARNING, logger="certificates.fonts"):
        assert fonts.register_cjk_font() == REPORTLAB_FONT_NAME
    assert "broken.ttf" in caplog.text and "shipped with the product" in caplog.text
    assert_fonts_embedded(render_certificate_pdf(make_content()))


@pytest.mark.parametrize(
    ("name", "content"),
    [("certificate-full", make_content()), ("certificate-conditional", make_conditional())],
)
def test_rendered_page_is_not_blank(name, content):
    png = rasterize(render_certificate_pdf(content), name)
    with Image.open(png) as image:
        # A4 portrait at 80 dpi: 210 mm x 297 mm is about 662 x 936 pixels.
        width, height = image.size
        assert abs(width - 662) <= 2 and abs(height - 936) <= 2, image.size
    share = dark_pixel_share(png)
    # Text, tables and the border: a few percent of the page, far from empty or all black.
    assert 0.01 < share < 0.3, share


def test_the_qr_code_holds_the_verification_address():
    url = "https://archive.example.cn/verify/JGYS2026-00001/"
    png = rasterize(render_certificate_pdf(make_content(verification_url=url)), "qr-code", dpi=150)
    decoded = subprocess.run(
        ["zbarimg", "--quiet", "--raw", str(png)], capture_output=True, text=True, timeout=60
    )
    assert decoded.stdout.strip() == url


CONDITIONAL_OPINION = (
    "经审查，该工程竣工档案的主审要件齐全，同意按容缺受理方式先行通过竣工档案验收。\n"
    "建设单位已签署限时承诺，须于2027年2月21日前补交下列容缺档案资料；逾期未补交的，"
    "本意见书中止效力；补交并经审核通过后，本馆换发正式验收意见书。"
    "本意见书经涂改或未加盖本馆印章无效。"
)


def test_a_conditional_certificate_with_two_tolerated_items_fits_on_one_page():
    content = make_conditional(
        opinion_text=CONDITIONAL_OPINION,
        tolerated_items=(("C6-P3", "室内环境检测报告"), ("E3-2", "工程建设过程的录音、录像资料")),
        issuer_name="城市建设档案馆 City Construction Archive",
    )
    pdf = render_certificate_pdf(content)
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 1
    rasterize(pdf, "certificate-conditional-one-page")


def test_chinese_punctuation_never_starts_a_line():
    # Set at this width, the comma after 逾期未补交的 would otherwise open the next line.
    text = extract_text(render_certificate_pdf(make_conditional(opinion_text=CONDITIONAL_OPINION)))
    starts = [line.strip()[:1] for line in text.splitlines() if line.strip()]
    assert not [char for char in starts if char in "，；：。、）"], starts


def test_when_the_items_fill_page_one_the_deadline_and_the_footer_move_on_together():
    items = tuple((f"C{n}-P{n}", f"第 {n} 项容缺档案资料（补交）") for n in range(1, 7))
    content = make_conditional(
        opinion_text=CONDITIONAL_OPINION,
        tolerated_items=items,
        issuer_name="城市建设档案馆 City Construction Archive",
    )

    pages = [
        page.extract_text() for page in PdfReader(io.BytesIO(render_certificate_pdf(content))).pages
    ]

    assert len(pages) == 2
    assert "Commitment deadline" in pages[1] and "城市建设档案馆" in pages[1]
    assert "Commitment deadline" not in pages[0]
    assert all(code in pages[0] for code, _ in items)

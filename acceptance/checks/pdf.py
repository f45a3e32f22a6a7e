"""Open a PDF with pypdf: readable, not encrypted, has pages."""

from __future__ import annotations

from pathlib import Path

from pypdf import PdfReader

from .outcomes import CheckOutcome, CheckResult, error_detail, make_outcome


def check_pdf(path: Path) -> list[CheckOutcome]:
    """Return the usability and integrity outcomes of opening ``path`` as a PDF."""
    try:
        with path.open("rb") as fh:
            reader = PdfReader(fh)
            version = (reader.pdf_header or "").removeprefix("%PDF-")
            encrypted = reader.is_encrypted
            pages = None if encrypted else len(reader.pages)
    except Exception as exc:  # besides PyPdfError, pypdf raises almost anything on hostile input
        return [_unreadable(exc)]

    if encrypted:
        return [
            make_outcome(
                "usability.pdf_encrypted",
                CheckResult.FAIL,
                "PDF 文件已加密（设置了密码或权限限制），档案馆无法长期读取和校验。"
                "请取消加密后重新导出，上传未加密的副本。",
                "The PDF is encrypted (password or permission restrictions), so the archive "
                "cannot read or verify it over time. Remove the encryption and upload an "
                "unencrypted copy.",
                pdf_version=version,
            )
        ]

    outcomes = [
        make_outcome(
            "usability.pdf_opens",
            CheckResult.PASS,
            f"PDF 文件可以正常打开（版本 {version}，共 {pages} 页）。",
            f"The PDF opens (version {version}, {pages} pages).",
            pdf_version=version,
            pages=pages,
        )
    ]
    if pages:
        outcomes.append(
            make_outcome(
                "integrity.pdf_pages",
                CheckResult.PASS,
                f"PDF 共 {pages} 页。",
                f"The PDF has {pages} pages.",
                pages=pages,
            )
        )
    else:
        outcomes.append(
            make_outcome(
                "integrity.pdf_pages",
                CheckResult.FAIL,
                "PDF 文件没有任何页面，内容缺失。请检查导出设置后重新上传完整文件。",
                "The PDF has no pages: its content is missing. Check the export settings and "
                "upload the complete file.",
                pages=0,
            )
        )
    return outcomes


def _unreadable(exc: Exception) -> CheckOutcome:
    return make_outcome(
        "usability.pdf_opens",
        CheckResult.FAIL,
        "PDF 文件已损坏或结构不完整，无法打开。请用原软件重新导出 PDF 后上传。",
        "The PDF is damaged or incomplete and cannot be opened. Export it again from the "
        "original software and upload it.",
        **error_detail(exc),
    )

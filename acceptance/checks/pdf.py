"""Open a PDF with pypdf: readable, not encrypted, has pages, runs no scripts, carries no
attachment the archive's policy refuses."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from .formats import EXECUTABLE_FORMATS, format_label
from .outcomes import CheckOutcome, CheckResult, error_detail, make_outcome
from .policy import CheckPolicy, EmbeddedFiles
from .sniffing import HEAD_BYTES, sniff_bytes

if TYPE_CHECKING:
    from pypdf import PdfReader

# Actions that run code or other programs when a PDF is opened or clicked.
ACTIVE_ACTIONS = frozenset({"/JavaScript", "/Launch", "/ImportData", "/Rendition"})
MAX_ANNOTATIONS_SCANNED = 5000
MAX_ATTACHMENTS_SCANNED = 1000

# Names that run as programs on Windows, macOS or Linux when an attachment is opened.
EXECUTABLE_EXTENSIONS = frozenset(
    {
        ".exe", ".dll", ".com", ".scr", ".pif", ".cpl", ".msi", ".msp", ".bat", ".cmd",
        ".ps1", ".vbs", ".vbe", ".js", ".jse", ".wsf", ".wsh", ".hta", ".lnk", ".jar",
        ".sh", ".app", ".apk", ".elf", ".bin", ".run", ".py", ".pl", ".reg",
    }
)  # fmt: skip


def check_pdf(path: Path, policy: CheckPolicy | None = None) -> list[CheckOutcome]:
    """Return the security, usability and integrity outcomes of opening ``path`` as a PDF."""
    from pypdf import PdfReader  # here, where used: it takes longer to load than Django

    try:
        with path.open("rb") as fh:
            reader = PdfReader(fh)
            version = (reader.pdf_header or "").removeprefix("%PDF-")
            encrypted = reader.is_encrypted
            pages = None if encrypted else len(reader.pages)
            active = [] if encrypted else _active_content(reader)
            attachments = [] if encrypted else _attachments(reader)
            image_only = 0 if encrypted else _image_only_pages(reader)
    except Exception as exc:  # besides PyPdfError, pypdf raises almost anything on hostile input
        return [_unreadable(exc)]

    if encrypted:
        return [
            make_outcome(
                "security.pdf_encrypted",
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
            "security.pdf_encrypted",
            CheckResult.PASS,
            "PDF 文件未加密。",
            "The PDF is not encrypted.",
        ),
        _active_outcome(active),
        _attachments_outcome(attachments, (policy or CheckPolicy()).pdf_embedded_files),
        make_outcome(
            "usability.pdf_opens",
            CheckResult.PASS,
            f"PDF 文件可以正常打开（版本 {version}，共 {pages} 页）。",
            f"The PDF opens (version {version}, {pages} pages).",
            pdf_version=version,
            pages=pages,
        ),
    ]
    if pages:
        outcomes.append(
            make_outcome(
                "integrity.pdf_pages",
                CheckResult.PASS,
                f"PDF 共 {pages} 页。",
                f"The PDF has {pages} pages.",
                pages=pages,
                image_only_pages=image_only,
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


def _action_types(action) -> list[str]:
    """The ``/S`` types of an action and of the actions chained after it (``/Next``)."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    found, queue, seen = [], [action], 0
    while queue and seen < 100:
        seen += 1
        item = queue.pop()
        if isinstance(item, IndirectObject):
            item = item.get_object()
        if isinstance(item, ArrayObject):
            queue.extend(item)
            continue
        if not isinstance(item, DictionaryObject):
            continue
        kind = item.get("/S")
        if kind is not None:
            found.append(str(kind))
        if "/JS" in item and kind != "/JavaScript":
            found.append("/JavaScript")
        if "/Next" in item:
            queue.append(item["/Next"])
    return found


def _additional_actions(holder) -> list[str]:
    from pypdf.generic import DictionaryObject, IndirectObject

    actions = holder.get("/AA")
    if isinstance(actions, IndirectObject):
        actions = actions.get_object()
    if not isinstance(actions, DictionaryObject):
        return []
    return [kind for value in actions.values() for kind in _action_types(value)]


def _active_content(reader: PdfReader) -> list[str]:
    """Where the PDF would run code: document JavaScript, open actions, page and link actions."""
    from pypdf.generic import DictionaryObject

    root = reader.trailer["/Root"].get_object()
    found: list[str] = []

    def actions(where: str, kinds: list[str]) -> None:
        found.extend(f"{where} {kind}" for kind in kinds if kind in ACTIVE_ACTIONS)

    names = root.get("/Names")
    if names is not None and "/JavaScript" in names.get_object():
        found.append("document JavaScript (/Names /JavaScript)")
    if "/OpenAction" in root:
        actions("open action", _action_types(root["/OpenAction"]))
    actions("document action", _additional_actions(root))
    form = root.get("/AcroForm")
    if form is not None and "/XFA" in form.get_object():
        found.append("XFA form (/AcroForm /XFA)")
    scanned = 0
    for number, page in enumerate(reader.pages, start=1):
        actions(f"page {number} action", _additional_actions(page))
        for annotation in page.get("/Annots") or []:
            scanned += 1
            if scanned > MAX_ANNOTATIONS_SCANNED:
                break
            annotation = annotation.get_object()
            if isinstance(annotation, DictionaryObject) and "/A" in annotation:
                actions(f"page {number} link", _action_types(annotation["/A"]))
    return list(dict.fromkeys(found))


def _image_only_pages(reader) -> int:
    """Pages drawn from images with no text of their own: what a scanner makes of paper.

    A page whose content (and the forms it draws) sets no text but shows an image is counted;
    a scan with an OCR text layer sets text and counts as typed, as does any exported page.
    """
    return sum(1 for page in reader.pages if _draws_only_images(page))


# A text-showing operator after its string or array: ``(...) Tj``, ``[...] TJ``, ``' `` and ``"``
# (an empty text object, as some writers open every page with, shows nothing).
TEXT_SHOWN = re.compile(rb"[)>\]]\s*(?:Tj|TJ|'|\")")


def _draws_only_images(page) -> bool:
    contents = page.get_contents()
    if contents is None or TEXT_SHOWN.search(contents.get_data()):
        return False
    text, image = _text_and_images(page.get("/Resources"), depth=0)
    return image and not text


def _text_and_images(resources, depth: int) -> tuple[bool, bool]:
    """Whether the forms among ``resources``' XObjects set text, and whether an image is among
    them (forms followed two levels deep)."""
    resources = resources.get_object() if resources is not None else {}
    xobjects = resources.get("/XObject")
    text = image = False
    for ref in (xobjects.get_object() if xobjects is not None else {}).values():
        xobject = ref.get_object()
        subtype = xobject.get("/Subtype")
        if subtype == "/Image":
            image = True
        elif subtype == "/Form" and depth < 2:
            inner_text, inner_image = _text_and_images(xobject.get("/Resources"), depth + 1)
            text = text or inner_text or bool(TEXT_SHOWN.search(xobject.get_data()))
            image = image or inner_image
    return text, image


def _active_outcome(active: list[str]) -> CheckOutcome:
    if active:
        return make_outcome(
            "security.pdf_active_content",
            CheckResult.FAIL,
            "PDF 文件含有脚本或启动外部程序的动作（" + "；".join(active[:5]) + "），存在安全风险，"
            "已拒绝。请用“打印为 PDF”或 PDF/A 导出生成不含脚本的文件后重新上传。",
            "The PDF contains scripts or actions that start programs ("
            + "; ".join(active[:5])
            + "), a security risk, and is refused. Print it to PDF or export PDF/A to get a "
            "file without scripts, and upload that.",
            found=active[:20],
        )
    return make_outcome(
        "security.pdf_active_content",
        CheckResult.PASS,
        "PDF 文件不含脚本或启动程序的动作。",
        "The PDF contains no scripts or program-launching actions.",
    )


def _attachments(reader: PdfReader) -> list[dict]:
    """Files the PDF carries: the document's /EmbeddedFiles and pages' file attachments.

    Each is ``{"name", "size", "format", "executable"}``, its format sniffed from its content.
    """
    from pypdf.generic import DictionaryObject

    specs: list[tuple[str, object]] = []
    root = reader.trailer["/Root"].get_object()
    names = root.get("/Names")
    if names is not None:
        tree = names.get_object().get("/EmbeddedFiles")
        if tree is not None:
            specs += _name_tree(tree.get_object())
    for page in reader.pages:
        for annotation in page.get("/Annots") or []:
            annotation = annotation.get_object()
            if isinstance(annotation, DictionaryObject) and annotation.get("/Subtype") == (
                "/FileAttachment"
            ):
                specs.append(("", annotation.get("/FS")))
            if len(specs) >= MAX_ATTACHMENTS_SCANNED:
                break
    return [_attachment(name, spec) for name, spec in specs[:MAX_ATTACHMENTS_SCANNED]]


def _name_tree(node, depth: int = 0) -> list[tuple[str, object]]:
    """The (name, file specification) pairs of a PDF name tree (``/Names``, ``/Kids``)."""
    from pypdf.generic import DictionaryObject

    if depth > 32 or not isinstance(node, DictionaryObject):
        return []
    found = []
    pairs = node.get("/Names")
    if pairs is not None:
        pairs = pairs.get_object()
        found += [(str(pairs[i]), pairs[i + 1]) for i in range(0, len(pairs) - 1, 2)]
    for kid in node.get("/Kids") or []:
        found += _name_tree(kid.get_object(), depth + 1)
    return found


def _attachment(name: str, spec) -> dict:
    from pypdf.generic import DictionaryObject

    spec = spec.get_object() if spec is not None else None
    data = b""
    if isinstance(spec, DictionaryObject):
        name = str(spec.get("/UF") or spec.get("/F") or name)
        embedded = spec.get("/EF")
        if embedded is not None:
            embedded = embedded.get_object()
            stream = embedded.get("/F") or embedded.get("/UF")
            if stream is not None:
                data = stream.get_object().get_data()
    fmt = sniff_bytes(data[:HEAD_BYTES]) if data else "empty"
    suffix = Path(name).suffix.lower()
    return {
        "name": name,
        "size": len(data),
        "format": fmt,
        "executable": fmt in EXECUTABLE_FORMATS or suffix in EXECUTABLE_EXTENSIONS,
    }


def _attachments_outcome(attachments: list[dict], policy: EmbeddedFiles) -> CheckOutcome:
    detail = {"attachments": attachments[:20], "policy": policy.value}
    if not attachments:
        return make_outcome(
            "security.pdf_embedded_files",
            CheckResult.PASS,
            "PDF 文件没有附带其他文件。",
            "The PDF carries no attached files.",
            **detail,
        )
    listed_zh = "、".join(
        f"{a['name'] or '未命名'}（{format_label(a['format'], 'zh')}）" for a in attachments[:5]
    )
    listed_en = ", ".join(
        f"{a['name'] or 'unnamed'} ({format_label(a['format'], 'en')})" for a in attachments[:5]
    )
    executables = [a for a in attachments if a["executable"]]
    refused = policy is EmbeddedFiles.REFUSE or (
        policy is EmbeddedFiles.REFUSE_EXECUTABLES and executables
    )
    count = len(attachments)
    if refused:
        why_zh = (
            "其中含可执行程序或脚本，存在安全风险" if executables else "档案馆不接收带附件的 PDF"
        )
        why_en = (
            "some are executables or scripts, a security risk"
            if executables
            else "the archive does not take PDFs with attachments"
        )
        return make_outcome(
            "security.pdf_embedded_files",
            CheckResult.FAIL,
            f"PDF 文件附带了 {count} 个文件（{listed_zh}），{why_zh}，已拒绝。"
            "请删除附件（或另存为 PDF/A-1/2）后重新上传，附件中的档案文件请单独上传。",
            f"The PDF carries {count} attached file(s) ({listed_en}); {why_en}, so it is "
            "refused. Remove the attachments (or save as PDF/A-1 or PDF/A-2) and upload it "
            "again; upload any record among the attachments on its own.",
            **detail,
        )
    return make_outcome(
        "security.pdf_embedded_files",
        CheckResult.WARN,
        f"PDF 文件附带了 {count} 个文件（{listed_zh}）。附件不作为档案检测，"
        "如其中有档案文件，请单独上传。",
        f"The PDF carries {count} attached file(s) ({listed_en}). Attachments are not checked "
        "as records: upload any record among them on its own.",
        **detail,
    )

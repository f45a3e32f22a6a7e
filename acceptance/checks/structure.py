"""Integrity of a file's structure: the end marker its format requires is there (not truncated).

Judged from the last bytes alone, read during the one pass that also takes the digest.
"""

from __future__ import annotations

from .formats import format_label
from .outcomes import CheckOutcome, CheckResult, make_outcome
from .sniffing import BINARY_DXF_SENTINEL

TAIL_BYTES = 64 * 1024


def _pdf(tail: bytes, size: int) -> bool:
    return b"%%EOF" in tail[-2048:]


def _jpeg(tail: bytes, size: int) -> bool:
    # Some cameras append a vendor trailer after the End Of Image marker.
    return b"\xff\xd9" in tail


def _png(tail: bytes, size: int) -> bool:
    return b"IEND\xaeB`\x82" in tail[-64:]


def _gif(tail: bytes, size: int) -> bool:
    return tail.rstrip(b"\x00").endswith(b";")


def _dxf(tail: bytes, size: int) -> bool:
    # ezdxf ignores anything after the EOF tag, so trailing garbage does not make it incomplete.
    return any(line.strip().upper() == b"EOF" for line in tail[-4096:].splitlines())


_END_MARKERS = {
    "pdf": (_pdf, "%%EOF"),
    "jpeg": (_jpeg, "EOI (FFD9)"),
    "png": (_png, "IEND"),
    "gif": (_gif, "trailer (3B)"),
    "dxf": (_dxf, "EOF"),
}


def check_structure(fmt: str, head: bytes, tail: bytes, size: int) -> CheckOutcome | None:
    """``integrity.file_complete`` for formats with a checkable end or length; else None."""
    if fmt in ("webp", "avi", "wav") and head[:4] == b"RIFF":
        declared = int.from_bytes(head[4:8], "little") + 8
        return _outcome(fmt, declared <= size, f"RIFF length {declared}", declared=declared)
    if fmt == "dxf" and head.startswith(BINARY_DXF_SENTINEL):
        return None
    entry = _END_MARKERS.get(fmt)
    if entry is None:
        return None
    test, marker = entry
    return _outcome(fmt, test(tail, size), marker)


def _outcome(fmt: str, complete: bool, marker: str, **detail) -> CheckOutcome:
    detail = {"format": fmt, "marker": marker, **detail}
    label_zh, label_en = format_label(fmt, "zh"), format_label(fmt, "en")
    if complete:
        return make_outcome(
            "integrity.file_complete",
            CheckResult.PASS,
            f"{label_zh}结构完整（结束标记 {marker} 存在）。",
            f"The {label_en} file is complete (its end marker {marker} is present).",
            **detail,
        )
    return make_outcome(
        "integrity.file_complete",
        CheckResult.FAIL,
        f"{label_zh}不完整：缺少结束标记 {marker}，文件可能被截断或上传中断。"
        "请重新导出或重新上传完整文件。",
        f"The {label_en} file is incomplete: its end marker {marker} is missing, so it "
        "was probably truncated or the upload was interrupted. Export or upload the complete "
        "file again.",
        **detail,
    )

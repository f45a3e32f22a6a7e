"""Packages and macro containers: read their directories only, never unpack them.

The archive takes records one file at a time, so a package (zip, rar, 7z, gzip) is refused with a
message that says so. A zip's central directory is still read, without decompressing anything,
to name a compression bomb, unsafe member names or macros for what they are.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from .formats import format_label
from .outcomes import CheckOutcome, CheckResult, error_detail, make_outcome

PACKAGE_FORMATS = frozenset({"zip", "rar", "7z", "gzip"})
MAX_UNPACKED_BYTES = 1024**3
MAX_RATIO = 100
MAX_MEMBERS = 10_000
MACRO_MEMBERS = ("vbaproject.bin", "vbadata.xml", "macros/")
# Directory entry names of VBA storage in an OLE2 compound file, as stored (UTF-16-LE).
_OLE_MACRO_MARKERS = tuple(
    name.encode("utf-16-le") for name in ("_VBA_PROJECT", "VBA", "Macros", "PROJECTwm")
)
_OLE_SCAN_BYTES = 16 * 1024 * 1024


def check_package(path: Path, fmt: str, size: int) -> list[CheckOutcome]:
    """Security outcomes of a package or OLE2 file; [] for any other format."""
    if fmt in ("zip", "ofd"):
        # An OFD document is a ZIP package by its structure: checked as one, not refused as one.
        return _zip(path, size, refuse=fmt == "zip")
    if fmt in PACKAGE_FORMATS:
        return [_refused(fmt, {})]
    if fmt == "ole2":
        return [_ole_macros(path)]
    return []


def _refused(fmt: str, detail: dict) -> CheckOutcome:
    label_zh, label_en = format_label(fmt, "zh"), format_label(fmt, "en")
    return make_outcome(
        "security.archive_package",
        CheckResult.FAIL,
        f"文件是{label_zh}。档案馆不接收压缩包或打包文件（无法逐件检测），"
        "请解压后将其中的档案文件逐个上传。",
        f"The file is a {label_en}. The archive does not accept packages "
        "(their contents cannot be checked one by one): unpack it and upload each record on its "
        "own.",
        format=fmt,
        **detail,
    )


def _zip(path: Path, size: int, *, refuse: bool = True) -> list[CheckOutcome]:
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError) as exc:
        return [_refused("zip", {"readable": False, **error_detail(exc)})]
    unpacked = sum(member.file_size for member in members)
    packed = sum(member.compress_size for member in members)
    ratio = unpacked / max(packed, 1)
    names = [member.filename for member in members]
    unsafe = [
        n for n in names if n.startswith(("/", "\\")) or ".." in n.replace("\\", "/").split("/")
    ]
    encrypted = [member.filename for member in members if member.flag_bits & 0x1]
    macros = [n for n in names if any(marker in n.lower() for marker in MACRO_MEMBERS)]
    detail = {
        "members": len(members),
        "unpacked_bytes": unpacked,
        "packed_bytes": packed,
        "ratio": round(ratio, 1),
        "examples": names[:10],
    }
    outcomes = []
    if unpacked > MAX_UNPACKED_BYTES or ratio > MAX_RATIO or len(members) > MAX_MEMBERS:
        outcomes.append(
            make_outcome(
                "security.zip_bomb",
                CheckResult.FAIL,
                f"压缩包声明解压后 {unpacked} 字节、{len(members)} 个文件，压缩比 {ratio:.0f}:1，"
                "超出安全上限（疑似“压缩炸弹”），未解压，已拒绝。请上传原始档案文件。",
                f"The package declares {unpacked} bytes in {len(members)} files when unpacked, "
                f"a {ratio:.0f}:1 ratio beyond the safety limits (a zip bomb); it was not "
                "unpacked and is refused. Upload the original records.",
                max_unpacked_bytes=MAX_UNPACKED_BYTES,
                max_ratio=MAX_RATIO,
                max_members=MAX_MEMBERS,
                **detail,
            )
        )
    else:
        outcomes.append(
            make_outcome(
                "security.zip_bomb",
                CheckResult.PASS,
                "压缩包的解压大小和压缩比在安全范围内（未解压）。",
                "The package's unpacked size and ratio are within the safety limits (not "
                "unpacked).",
                **detail,
            )
        )
    if macros:
        outcomes.append(_macro_fail(macros))
    if unsafe or encrypted:
        outcomes.append(
            make_outcome(
                "security.unsafe_members",
                CheckResult.FAIL,
                "压缩包含有加密文件或带路径穿越（../ 或绝对路径）的文件名，已拒绝。",
                "The package holds encrypted members or member names that escape their folder "
                "(../ or absolute paths); it is refused.",
                unsafe_names=unsafe[:10],
                encrypted=encrypted[:10],
            )
        )
    if refuse:
        outcomes.append(_refused("zip", detail))
    return outcomes


def _macro_fail(where: list[str]) -> CheckOutcome:
    return make_outcome(
        "security.macro",
        CheckResult.FAIL,
        "文件含有宏代码（VBA），存在安全风险，已拒绝。请另存为不含宏的 PDF 后上传。",
        "The file contains macros (VBA), a security risk, and is refused. Save it as a PDF "
        "without macros and upload that.",
        found=where[:10],
    )


def _ole_macros(path: Path) -> CheckOutcome:
    with path.open("rb") as fh:
        content = fh.read(_OLE_SCAN_BYTES)
    found = [marker.decode("utf-16-le") for marker in _OLE_MACRO_MARKERS if marker in content]
    if found:
        return _macro_fail(found)
    return make_outcome(
        "security.macro",
        CheckResult.PASS,
        "未发现宏代码。",
        "No macros were found.",
    )

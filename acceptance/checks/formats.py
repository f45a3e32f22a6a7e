"""Which sniffed formats belong to which kind, and which the archive accepts.

Format names are the ones :func:`acceptance.checks.sniffing.sniff_format` returns.
"""

from __future__ import annotations

from .outcomes import FileKind

# Formats the archive accepts for each kind. Edit here to change the archive's policy.
# DWG is proprietary and cannot be opened without AutoCAD-compatible software, so drawings are
# asked for as DXF (or PDF); SVG is listed as a graphics format by some archives but may carry
# scripts, so it is left out until a sanitiser exists.
ACCEPTED_FORMATS: dict[FileKind, frozenset[str]] = {
    FileKind.DOCUMENT: frozenset({"pdf"}),
    FileKind.DRAWING: frozenset({"dxf", "pdf"}),
    # HEIC/HEIF: what phones save; DA/T 50 prefers JPEG, but the original must be kept as taken.
    FileKind.PHOTO: frozenset({"jpeg", "tiff", "png", "webp", "heic"}),
    # DA/T 62/63/78: MP4, AVI, MXF for video; WAV, MP3 for audio (filed as 声像 with video).
    FileKind.VIDEO: frozenset({"mp4", "mov", "avi", "mxf", "wav", "mp3"}),
    FileKind.UNKNOWN: frozenset(),
}

# The kind each recognised format naturally belongs to; anything missing is FileKind.UNKNOWN.
FORMAT_KINDS: dict[str, FileKind] = {
    "pdf": FileKind.DOCUMENT,
    "dxf": FileKind.DRAWING,
    "dwg": FileKind.DRAWING,
    "svg": FileKind.DRAWING,
    "jpeg": FileKind.PHOTO,
    "png": FileKind.PHOTO,
    "tiff": FileKind.PHOTO,
    "webp": FileKind.PHOTO,
    "gif": FileKind.PHOTO,
    "bmp": FileKind.PHOTO,
    "heic": FileKind.PHOTO,
    "avif": FileKind.PHOTO,
    "mp4": FileKind.VIDEO,
    "mov": FileKind.VIDEO,
    "mkv": FileKind.VIDEO,
    "webm": FileKind.VIDEO,
    "avi": FileKind.VIDEO,
    "flv": FileKind.VIDEO,
    "mpeg": FileKind.VIDEO,
    "mpegts": FileKind.VIDEO,
    "mxf": FileKind.VIDEO,
    "mp3": FileKind.VIDEO,
    "aac": FileKind.VIDEO,
    "m4a": FileKind.VIDEO,
    "wav": FileKind.VIDEO,
}

# Content that can run on its own: never accepted, whatever it is declared as.
EXECUTABLE_FORMATS: frozenset[str] = frozenset({"elf", "exe", "macho", "script"})

IMAGE_FORMATS: frozenset[str] = frozenset({"jpeg", "png", "tiff", "webp", "gif", "bmp", "heic"})

AV_FORMATS: frozenset[str] = frozenset(
    fmt for fmt, kind in FORMAT_KINDS.items() if kind is FileKind.VIDEO
)

KIND_NAMES_ZH: dict[FileKind, str] = {
    FileKind.DOCUMENT: "文件",
    FileKind.DRAWING: "图纸",
    FileKind.PHOTO: "照片",
    FileKind.VIDEO: "音视频",
    FileKind.UNKNOWN: "未知类型",
}

# Human names for messages; formats not listed are shown upper-cased.
FORMAT_LABELS: dict[str, str] = {
    "html": "HTML 网页 (HTML page)",
    "exe": "Windows 可执行程序 (Windows executable)",
    "elf": "Linux 可执行程序 (Linux executable)",
    "macho": "macOS 可执行程序 (macOS executable)",
    "script": "脚本 (script)",
    "ole2": "旧版 Office/OLE 复合文档 (legacy Office/OLE compound file)",
    "text": "纯文本 (plain text)",
    "unknown": "无法识别的内容 (unrecognised content)",
}


def format_label(fmt: str) -> str:
    """Return a short human name of a sniffed format for messages."""
    return FORMAT_LABELS.get(fmt, fmt.upper())


def natural_kind(fmt: str) -> FileKind:
    """Return the kind a sniffed format naturally belongs to."""
    return FORMAT_KINDS.get(fmt, FileKind.UNKNOWN)

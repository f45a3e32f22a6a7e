"""Which sniffed formats belong to which kind, and which the archive accepts.

Format names are the ones :func:`acceptance.checks.sniffing.sniff_format` returns.
"""

from __future__ import annotations

from .outcomes import FileKind

# Formats the archive accepts for each kind by default; a site replaces a kind's list with the
# ACCEPTANCE_ACCEPTED_FORMATS setting (see .policy).
# DWG is proprietary and cannot be opened without AutoCAD-compatible software, so drawings are
# asked for as DXF (or PDF); SVG is listed as a graphics format by some archives but may carry
# scripts, so it is left out until a sanitiser exists.
ACCEPTED_FORMATS: dict[FileKind, frozenset[str]] = {
    # OFD (GB/T 33190): the national fixed-layout format of single-track electronic records.
    FileKind.DOCUMENT: frozenset({"pdf", "ofd"}),
    FileKind.DRAWING: frozenset({"dxf", "pdf"}),
    # HEIC/HEIF: what phones save; DA/T 50 prefers JPEG, but the original must be kept as taken.
    FileKind.PHOTO: frozenset({"jpeg", "tiff", "png", "webp", "heic"}),
    # DA/T 62/63/78: MP4, AVI, MXF for video; WAV, MP3 for audio (filed as 声像 with video).
    FileKind.VIDEO: frozenset({"mp4", "mov", "avi", "mxf", "wav", "mp3"}),
    FileKind.UNKNOWN: frozenset(),
}

# The kind each recognised format naturally belongs to; anything missing is FileKind.UNKNOWN.
# Sound recordings are filed with video (声像档案), so audio formats are of the VIDEO kind.
FORMAT_KINDS: dict[str, FileKind] = {
    "pdf": FileKind.DOCUMENT,
    "ofd": FileKind.DOCUMENT,
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
    "jp2": FileKind.PHOTO,
    "psd": FileKind.PHOTO,
    "mp4": FileKind.VIDEO,
    "mov": FileKind.VIDEO,
    "3gp": FileKind.VIDEO,
    "3g2": FileKind.VIDEO,
    "mkv": FileKind.VIDEO,
    "webm": FileKind.VIDEO,
    "avi": FileKind.VIDEO,
    "flv": FileKind.VIDEO,
    "mpeg": FileKind.VIDEO,
    "mpegts": FileKind.VIDEO,
    "mxf": FileKind.VIDEO,
    "dv": FileKind.VIDEO,
    "asf": FileKind.VIDEO,
    "ogv": FileKind.VIDEO,
    "mp3": FileKind.VIDEO,
    "aac": FileKind.VIDEO,
    "m4a": FileKind.VIDEO,
    "wav": FileKind.VIDEO,
    "flac": FileKind.VIDEO,
    "aiff": FileKind.VIDEO,
    "ogg": FileKind.VIDEO,
    "opus": FileKind.VIDEO,
    "amr": FileKind.VIDEO,
}

# Formats that hold sound only (a video container may too: PyAV's probe tells).
AUDIO_FORMATS: frozenset[str] = frozenset(
    {"mp3", "aac", "m4a", "wav", "flac", "aiff", "ogg", "opus", "amr"}
)

# Formats sharing one container: a policy accepting the container accepts them, and their
# extensions are interchangeable (an ISO base media file may be named .mp4, .m4a, .3g2, .mov).
CONTAINERS: dict[str, str] = {"m4a": "mp4", "3gp": "mp4", "3g2": "mp4", "mov": "mp4"}

# Content that can run on its own: never accepted, whatever it is declared as.
EXECUTABLE_FORMATS: frozenset[str] = frozenset({"elf", "exe", "macho", "script"})

IMAGE_FORMATS: frozenset[str] = frozenset(
    {"jpeg", "png", "tiff", "webp", "gif", "bmp", "heic", "jp2", "psd"}
)

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

KIND_NAMES_EN: dict[FileKind, str] = {
    FileKind.DOCUMENT: "document",
    FileKind.DRAWING: "drawing",
    FileKind.PHOTO: "photo",
    FileKind.VIDEO: "audio or video",
    FileKind.UNKNOWN: "unknown kind",
}


def _puids(prefix: str, *numbers: int) -> frozenset[str]:
    return frozenset(f"{prefix}/{n}" for n in numbers)


# The PRONOM ids (PUIDs, The National Archives' registry) of the formats above that the archive
# may accept, from PRONOM's own list of each format's versions and variants; siegfried names one
# of them for a file of that format (tests/acceptance/test_pronom.py holds the fixtures to it).
# OFD has none yet: it is recognised by its structure (``pronom.is_ofd``).
PRONOM_IDS: dict[str, frozenset[str]] = {
    # PDF 1.0-1.7 and 2.0, PDF/A-1a to 3u, PDF/X, PDF/E-1.
    "pdf": _puids("fmt", *range(14, 21), 276, 1129, 95, 354, *range(476, 482), *range(144, 149))
    | _puids("fmt", 157, 158, *range(488, 494)),
    # DXF ASCII 1.0 to 2018 and binary R10 to 2018.
    "dxf": _puids("fmt", 54, 63, *range(64, 86), 433, 435, 532, *range(1389, 1395)),
    # JPEG: JFIF 1.00-1.02, raw JPEG stream, Exif compressed 2.0-2.3.
    "jpeg": _puids("fmt", 41, 42, 43, 44, 645, 1507) | _puids("x-fmt", 390, 391, 398),
    # TIFF 3-6 and generic, BigTIFF, GeoTIFF, TIFF/EP, Exif uncompressed.
    "tiff": _puids("fmt", 7, 8, 9, 10, 153, 154, 155, 353, 1917) | _puids("x-fmt", 387, 388, 399),
    "png": _puids("fmt", 11, 12, 13, 935),
    "webp": _puids("fmt", 566, 567, 568),
    "heic": _puids("fmt", 1101),
    "mp4": _puids("fmt", 199),
    "mov": _puids("x-fmt", 384),
    "avi": _puids("fmt", 5),
    "mxf": _puids("fmt", 200, *range(783, 792)),
    # WAV and Broadcast WAVE.
    "wav": _puids("fmt", 1, 2, 6, 141, 142, 143, 527, *range(703, 712), 713),
    "mp3": _puids("fmt", 134),
}


def accepted_pronom_ids(accepted: frozenset[str]) -> list[str]:
    """The PRONOM ids of the ``accepted`` formats, in order (OFD, which has none, left out)."""
    return sorted(puid for fmt in accepted for puid in PRONOM_IDS.get(fmt, ()))


# Human names for messages, (Chinese, English); formats not listed are shown upper-cased.
FORMAT_LABELS: dict[str, tuple[str, str]] = {
    "pdf": ("PDF 文档", "PDF document"),
    "ofd": ("OFD 版式文档", "OFD fixed-layout document"),
    "dxf": ("DXF 图纸", "DXF drawing"),
    "dwg": ("AutoCAD DWG 图纸", "AutoCAD DWG drawing"),
    "svg": ("SVG 矢量图", "SVG vector graphic"),
    "jpeg": ("JPEG 图像", "JPEG image"),
    "png": ("PNG 图像", "PNG image"),
    "tiff": ("TIFF 图像", "TIFF image"),
    "webp": ("WebP 图像", "WebP image"),
    "gif": ("GIF 图像", "GIF image"),
    "bmp": ("BMP 图像", "BMP image"),
    "heic": ("HEIC/HEIF 图像", "HEIC/HEIF image"),
    "avif": ("AVIF 图像", "AVIF image"),
    "jp2": ("JPEG 2000 图像", "JPEG 2000 image"),
    "psd": ("Photoshop PSD 图像", "Photoshop PSD image"),
    "mp4": ("MP4 视频", "MP4 video"),
    "mov": ("QuickTime MOV 视频", "QuickTime MOV video"),
    "3gp": ("3GP 手机视频（MP4 容器）", "3GP phone video (MP4 container)"),
    "3g2": ("3G2 手机视频（MP4 容器）", "3G2 phone video (MP4 container)"),
    "mkv": ("Matroska MKV 视频", "Matroska MKV video"),
    "webm": ("WebM 视频", "WebM video"),
    "avi": ("AVI 视频", "AVI video"),
    "flv": ("Flash FLV 视频", "Flash FLV video"),
    "mpeg": ("MPEG 节目流视频", "MPEG program stream video"),
    "mpegts": ("MPEG-TS 传输流视频", "MPEG-TS transport stream video"),
    "mxf": ("MXF 视频", "MXF video"),
    "dv": ("DV 数字录像", "DV digital video"),
    "asf": ("Windows Media（ASF/WMV/WMA）", "Windows Media (ASF/WMV/WMA)"),
    "ogv": ("Ogg Theora 视频", "Ogg Theora video"),
    "mp3": ("MP3 音频", "MP3 audio"),
    "aac": ("AAC 音频（ADTS）", "AAC audio (ADTS)"),
    "m4a": ("M4A 音频（MP4 容器）", "M4A audio (MP4 container)"),
    "wav": ("WAV 音频", "WAV audio"),
    "flac": ("FLAC 无损音频", "FLAC lossless audio"),
    "aiff": ("AIFF 音频", "AIFF audio"),
    "ogg": ("Ogg Vorbis 音频", "Ogg Vorbis audio"),
    "opus": ("Ogg Opus 音频", "Ogg Opus audio"),
    "amr": ("AMR 语音", "AMR voice recording"),
    "html": ("HTML 网页", "HTML page"),
    "xml": ("XML 文件", "XML file"),
    "exe": ("Windows 可执行程序", "Windows executable"),
    "elf": ("Linux 可执行程序", "Linux executable"),
    "macho": ("macOS 可执行程序", "macOS executable"),
    "script": ("脚本", "script"),
    "ole2": ("旧版 Office/OLE 复合文档", "legacy Office/OLE compound file"),
    "zip": ("ZIP 压缩包", "ZIP archive"),
    "rar": ("RAR 压缩包", "RAR archive"),
    "7z": ("7-Zip 压缩包", "7-Zip archive"),
    "gzip": ("gzip 压缩文件", "gzip file"),
    "text": ("纯文本", "plain text"),
    "empty": ("空文件", "empty file"),
    "unknown": ("无法识别的内容", "unrecognised content"),
}

# How to turn a format the archive does not take into one it does: (Chinese, English).
_CONVERT_AUDIO = (
    "请转换为 WAV（无损）或 MP3 后重新上传，例如 ffmpeg -i 原文件 输出.wav",
    "Convert it to WAV (lossless) or MP3 and upload that, e.g. ffmpeg -i input output.wav",
)
_CONVERT_VIDEO = (
    "请转换为 MP4（H.264 视频、AAC 音频）后重新上传，例如 ffmpeg -i 原文件 -c:v libx264 "
    "-c:a aac 输出.mp4",
    "Convert it to MP4 (H.264 video, AAC audio) and upload that, e.g. ffmpeg -i input "
    "-c:v libx264 -c:a aac output.mp4",
)
_CONVERT_PHOTO = (
    "请用看图或修图软件另存为 JPEG 或 TIFF 后重新上传",
    "Save it as JPEG or TIFF in an image viewer or editor and upload that",
)
_CONVERT_DRAWING = (
    "请在 CAD 软件中另存为 DXF（R2013 或 R2018）或导出 PDF 后重新上传",
    "Save it as DXF (R2013 or R2018) or export PDF in your CAD software and upload that",
)
_CONVERT_DOCUMENT = (
    "请导出或打印为 PDF（宜为 PDF/A）后重新上传",
    "Export or print it to PDF (PDF/A preferably) and upload that",
)


def format_label(fmt: str, lang: str) -> str:
    """A short human name of a sniffed format in ``lang`` (``"zh"`` or ``"en"``)."""
    zh, en = FORMAT_LABELS.get(fmt, (f"{fmt.upper()} 文件", f"{fmt.upper()} file"))
    return zh if lang == "zh" else en


def natural_kind(fmt: str) -> FileKind:
    """Return the kind a sniffed format naturally belongs to."""
    return FORMAT_KINDS.get(fmt, FileKind.UNKNOWN)


def container_of(fmt: str) -> str:
    """The container format ``fmt`` is a variant of (``"m4a"`` → ``"mp4"``), else ``fmt``."""
    return CONTAINERS.get(fmt, fmt)


def conversion_advice(fmt: str, kind: FileKind) -> tuple[str, str]:
    """How to convert ``fmt`` into a format the archive takes for ``kind``: (Chinese, English)."""
    if kind is FileKind.VIDEO:
        return _CONVERT_AUDIO if fmt in AUDIO_FORMATS else _CONVERT_VIDEO
    if kind is FileKind.PHOTO:
        return _CONVERT_PHOTO
    if kind is FileKind.DRAWING:
        return _CONVERT_DRAWING
    return _CONVERT_DOCUMENT

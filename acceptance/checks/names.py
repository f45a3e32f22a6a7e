"""Authenticity of a file's name: its extension must agree with its real content."""

from __future__ import annotations

from pathlib import PurePosixPath

from .formats import format_label
from .outcomes import CheckOutcome, CheckResult, make_outcome

# Sniffed format -> the extensions a file of that format may carry; the first is suggested.
EXTENSIONS: dict[str, tuple[str, ...]] = {
    "pdf": (".pdf",),
    "dxf": (".dxf",),
    "dwg": (".dwg",),
    "svg": (".svg",),
    "jpeg": (".jpg", ".jpeg", ".jpe", ".jfif", ".mpo"),
    "png": (".png",),
    "tiff": (".tif", ".tiff"),
    "webp": (".webp",),
    "gif": (".gif",),
    "bmp": (".bmp",),
    "heic": (".heic", ".heif"),
    "avif": (".avif",),
    "mp4": (".mp4", ".m4v"),
    "mov": (".mov", ".qt"),
    "avi": (".avi",),
    "mxf": (".mxf",),
    "mkv": (".mkv",),
    "webm": (".webm",),
    "flv": (".flv",),
    "mpeg": (".mpg", ".mpeg", ".m2v", ".vob"),
    "mpegts": (".ts", ".mts", ".m2ts"),
    "wav": (".wav",),
    "mp3": (".mp3",),
    "aac": (".aac",),
    "m4a": (".m4a",),
    "html": (".html", ".htm"),
    "xml": (".xml",),
    "zip": (".zip",),
    "rar": (".rar",),
    "7z": (".7z",),
    "gzip": (".gz", ".tgz"),
}


def check_name(name: str, fmt: str) -> CheckOutcome | None:
    """``authenticity.file_name``: the name's extension fits the sniffed format ``fmt``.

    None when the format has no known extensions (text, unknown content...): other checks
    already refuse those.
    """
    expected = EXTENSIONS.get(fmt)
    if expected is None:
        return None
    suffix = PurePosixPath(name).suffix.lower()
    detail = {"name": name, "extension": suffix, "format": fmt, "expected": list(expected)}
    if suffix in expected:
        return make_outcome(
            "authenticity.file_name",
            CheckResult.PASS,
            f"文件扩展名 {suffix} 与实际内容（{format_label(fmt)}）相符。",
            f"The extension {suffix} agrees with the real content ({format_label(fmt)}).",
            **detail,
        )
    if not suffix:
        return make_outcome(
            "authenticity.file_name",
            CheckResult.WARN,
            f"文件名没有扩展名；实际内容是 {format_label(fmt)}，建议改名为 …{expected[0]}。",
            f"The file name has no extension; the content is {format_label(fmt)}: rename it "
            f"to …{expected[0]}.",
            **detail,
        )
    return make_outcome(
        "authenticity.file_name",
        CheckResult.FAIL,
        f"文件扩展名 {suffix} 与实际内容（{format_label(fmt)}）不符，文件名与内容须一致。"
        f"请确认文件无误后改名为 …{expected[0]} 再上传（或上传真正的 {suffix} 文件）。",
        f"The extension {suffix} does not match the real content ({format_label(fmt)}); a "
        f"record's name and content must agree. Check the file, rename it to …{expected[0]} "
        f"and upload it again (or upload the real {suffix} file).",
        **detail,
    )

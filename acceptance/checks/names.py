"""Authenticity of a file's name: its extension must agree with its real content."""

from __future__ import annotations

from pathlib import PurePosixPath

from .formats import CONTAINERS, container_of, format_label
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
    "3gp": (".3gp",),
    "3g2": (".3g2",),
    "avi": (".avi",),
    "mxf": (".mxf",),
    "mkv": (".mkv",),
    "webm": (".webm",),
    "flv": (".flv",),
    "mpeg": (".mpg", ".mpeg", ".m2v", ".vob"),
    "mpegts": (".ts", ".mts", ".m2ts"),
    "dv": (".dv", ".dif"),
    "asf": (".wmv", ".wma", ".asf"),
    "ogv": (".ogv", ".ogg"),
    "flac": (".flac",),
    "aiff": (".aif", ".aiff", ".aifc"),
    "ogg": (".ogg", ".oga"),
    "opus": (".opus", ".ogg"),
    "amr": (".amr",),
    "jp2": (".jp2", ".j2k", ".jpf", ".jpx"),
    "psd": (".psd",),
    "wav": (".wav",),
    "mp3": (".mp3",),
    "aac": (".aac",),
    "m4a": (".m4a", ".m4b"),
    "html": (".html", ".htm"),
    "xml": (".xml",),
    "zip": (".zip",),
    "rar": (".rar",),
    "7z": (".7z",),
    "gzip": (".gz", ".tgz"),
}


def allowed_extensions(fmt: str) -> tuple[str, ...]:
    """The extensions a file of ``fmt`` may carry: its own first, then its container family's
    (an ISO base media file is rightly named .mp4, .m4a, .3g2 or .mov whatever its brand)."""
    family = container_of(fmt)
    members = [family, *(f for f, c in CONTAINERS.items() if c == family)]
    own = EXTENSIONS.get(fmt, ())
    shared = [ext for member in members for ext in EXTENSIONS.get(member, ())]
    return tuple(dict.fromkeys([*own, *shared])) if own else ()


def check_name(name: str, fmt: str) -> CheckOutcome | None:
    """``authenticity.file_name``: the name's extension fits the sniffed format ``fmt``.

    None when the format has no known extensions (text, unknown content...): other checks
    already refuse those.
    """
    expected = allowed_extensions(fmt)
    if not expected:
        return None
    suffix = PurePosixPath(name).suffix.lower()
    label_zh, label_en = format_label(fmt, "zh"), format_label(fmt, "en")
    detail = {"name": name, "extension": suffix, "format": fmt, "expected": list(expected)}
    if suffix in expected:
        return make_outcome(
            "authenticity.file_name",
            CheckResult.PASS,
            f"文件扩展名 {suffix} 与实际内容（{label_zh}）相符。",
            f"The extension {suffix} agrees with the real content ({label_en}).",
            **detail,
        )
    if not suffix:
        return make_outcome(
            "authenticity.file_name",
            CheckResult.WARN,
            f"文件名没有扩展名；实际内容是 {label_zh}，建议改名为 …{expected[0]}。",
            f"The file name has no extension; the content is {label_en}: rename it "
            f"to …{expected[0]}.",
            **detail,
        )
    return make_outcome(
        "authenticity.file_name",
        CheckResult.FAIL,
        f"文件扩展名 {suffix} 与实际内容（{label_zh}）不符，文件名与内容须一致。"
        f"请确认文件无误后改名为 …{expected[0]} 再上传（或上传真正的 {suffix} 文件）。",
        f"The extension {suffix} does not match the real content ({label_en}); a "
        f"record's name and content must agree. Check the file, rename it to …{expected[0]} "
        f"and upload it again (or upload the real {suffix} file).",
        **detail,
    )

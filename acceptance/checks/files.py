"""Run the four-property checks (四性检测) on one stored file."""

from __future__ import annotations

import stat
from collections.abc import Callable, Mapping
from datetime import date
from pathlib import Path
from typing import Any

from workflows.digests import ALGORITHMS, LABELS, SHA256, algorithm_of, hasher, labelled

from .dxf import check_dxf
from .formats import (
    ACCEPTED_FORMATS,
    AV_FORMATS,
    EXECUTABLE_FORMATS,
    IMAGE_FORMATS,
    KIND_NAMES_EN,
    KIND_NAMES_ZH,
    accepted_pronom_ids,
    container_of,
    conversion_advice,
    format_label,
    natural_kind,
)
from .images import check_image
from .metadata import check_metadata
from .names import check_name
from .outcomes import CheckOutcome, CheckResult, FileKind, FileReport, error_detail, make_outcome
from .packages import check_package
from .pdf import check_pdf
from .policy import CheckPolicy
from .pronom import FormatIdentity, identify, is_ofd
from .sniffing import HEAD_BYTES, dwg_version, sniff_bytes
from .structure import TAIL_BYTES, check_structure
from .video import DEFAULT_AV_RULES, AvRules, check_av

CHUNK_BYTES = 1024 * 1024


def check_file(
    path: Path,
    *,
    declared_kind: FileKind | None = None,
    expected_digest: str | None = None,
    max_bytes: int | Mapping[FileKind, int] | None = None,
    name: str | None = None,
    metadata: Mapping[str, Any] | None = None,
    today: date | None = None,
    image_check: Callable[[Path, str], list[CheckOutcome]] = check_image,
    av_rules: AvRules = DEFAULT_AV_RULES,
    policy: CheckPolicy | None = None,
) -> FileReport:
    """Check one stored file and return a :class:`FileReport`; never raises for bad input.

    ``declared_kind`` is what the uploader says the file is; ``expected_digest`` the digest
    recorded at capture (fixity), labelled with its algorithm (``workflows.digests``: bare hex
    SHA-256, ``sm3:`` SM3); ``max_bytes`` the largest size accepted, one number or one per
    kind (the declared kind, else the kind the content has); ``name`` the file's name as given
    (its extension must fit the content); ``metadata`` the record's description (see
    :mod:`.metadata`), checked when given; ``image_check`` decodes images (path, sniffed format;
    the photo intake passes one that decodes each photo once for its checks and derivatives);
    ``av_rules`` what recordings are held to; ``policy`` the archive's accepted formats and
    limits (default: the site's settings, see :meth:`CheckPolicy.current`). The file is read once, in chunks, so its size does
    not matter for memory.
    """
    path = Path(path)
    policy = policy or CheckPolicy.current()
    if declared_kind is FileKind.UNKNOWN:
        declared_kind = None
    algorithm = algorithm_of(expected_digest.strip().lower()) if expected_digest else SHA256
    if algorithm not in ALGORITHMS:  # a digest no algorithm here made: it will not match
        algorithm = SHA256
    try:
        sha256, digest, size, head, tail = _read(path, algorithm)
    except OSError as exc:
        return FileReport(FileKind.UNKNOWN, "unreadable", "", 0, (_unreadable(path, exc),))

    fmt = sniff_bytes(head)
    if fmt == "zip" and is_ofd(path):
        fmt = "ofd"
    limit = _limit(max_bytes, declared_kind or natural_kind(fmt))
    outcomes: list[CheckOutcome] = []
    outcomes += _security(fmt, size, declared_kind, limit)
    outcomes.append(_fixity(digest, expected_digest))
    if name is not None and (named := check_name(name, fmt)) is not None:
        outcomes.append(named)
    if metadata is not None:
        outcomes += check_metadata(metadata, size=size, today=today or date.today())

    # Empty, executable or oversized content is not handed to any parser, the format
    # identifier either (its refusal says what it is); packages are inspected by their directory
    # only.
    identity = None
    too_large = limit is not None and size > limit
    if not (fmt == "empty" or fmt in EXECUTABLE_FORMATS or too_large):
        outcomes += check_package(path, fmt, size)
        kind = declared_kind or natural_kind(fmt)
        if kind is not FileKind.UNKNOWN:
            outcomes.append(_format_accepted(fmt, kind, head, policy))
        if (structure := check_structure(fmt, head, tail, size)) is not None:
            outcomes.append(structure)
        outcomes += _content(path, fmt, image_check=image_check, av_rules=av_rules, policy=policy)
        identity = identify(path, fmt)
        outcomes.append(_identified(identity))

    return FileReport(
        detected_kind=_detected_kind(fmt, declared_kind),
        detected_format=fmt,
        sha256=sha256,
        size=size,
        outcomes=tuple(outcomes),
        format_id=identity.as_dict() if identity else {},
    )


def _limit(max_bytes: int | Mapping[FileKind, int] | None, kind: FileKind) -> int | None:
    if max_bytes is None or isinstance(max_bytes, int):
        return max_bytes
    return max_bytes.get(kind, max_bytes.get(FileKind.UNKNOWN))


def _read(path: Path, algorithm: str) -> tuple[str, str, int, bytes, bytes]:
    """Stream the file once: its SHA-256 (its address in storage), its labelled digest under
    ``algorithm`` (the fixity digest), its size, its first and its last bytes."""
    mode = path.stat().st_mode
    if not stat.S_ISREG(mode):
        # Reading a FIFO or device could block forever or never end.
        raise OSError(f"not a regular file: {path}")
    sha = hasher(SHA256)
    fixity = sha if algorithm == SHA256 else hasher(algorithm)
    size = 0
    head = b""
    tail = b""
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK_BYTES):
            if len(head) < HEAD_BYTES:
                head += chunk[: HEAD_BYTES - len(head)]
            sha.update(chunk)
            if fixity is not sha:
                fixity.update(chunk)
            size += len(chunk)
            tail = (tail + chunk)[-TAIL_BYTES:] if len(chunk) < TAIL_BYTES else chunk[-TAIL_BYTES:]
    return sha.hexdigest(), labelled(algorithm, fixity.hexdigest()), size, head, tail


def _detected_kind(fmt: str, declared: FileKind | None) -> FileKind:
    # A PDF is a document by nature but an accepted drawing format too.
    if declared is not None and fmt in ACCEPTED_FORMATS[declared]:
        return declared
    return natural_kind(fmt)


def _unreadable(path: Path, exc: OSError) -> CheckOutcome:
    return make_outcome(
        "security.storage_readable",
        CheckResult.FAIL,
        "存储位置上的文件不存在或无法读取。请重新上传该文件。",
        "The file is missing from its storage location or cannot be read. Upload it again.",
        path=str(path),
        **error_detail(exc),
    )


def _security(
    fmt: str, size: int, declared: FileKind | None, max_bytes: int | None
) -> list[CheckOutcome]:
    if fmt == "empty":
        return [
            make_outcome(
                "security.empty_file",
                CheckResult.FAIL,
                "文件是空的（0 字节），可能上传失败。请重新上传完整文件。",
                "The file is empty (0 bytes); the upload probably failed. Upload the complete "
                "file again.",
                size=0,
            )
        ]
    outcomes = [
        make_outcome(
            "security.empty_file",
            CheckResult.PASS,
            "文件不为空。",
            "The file is not empty.",
            size=size,
        )
    ]
    if max_bytes is not None:
        outcomes.append(_size_limit(size, max_bytes))
    outcomes.append(_executable(fmt))
    outcomes.append(_kind_match(fmt, declared))
    return outcomes


def _size_limit(size: int, max_bytes: int) -> CheckOutcome:
    detail = {"size": size, "max_bytes": max_bytes}
    if size > max_bytes:
        return make_outcome(
            "security.size_limit",
            CheckResult.FAIL,
            f"文件大小 {_mb(size)} 超过上限 {_mb(max_bytes)}，未做进一步检查。"
            "请压缩或拆分后重新上传，或联系档案馆。",
            f"The file ({_mb(size)}) exceeds the limit of {_mb(max_bytes)} and was not checked "
            "further. Reduce or split it and upload again, or contact the archive.",
            **detail,
        )
    return make_outcome(
        "security.size_limit",
        CheckResult.PASS,
        f"文件大小 {_mb(size)} 未超过上限。",
        f"The file size ({_mb(size)}) is within the limit.",
        **detail,
    )


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def _executable(fmt: str) -> CheckOutcome:
    label_zh, label_en = format_label(fmt, "zh"), format_label(fmt, "en")
    if fmt in EXECUTABLE_FORMATS:
        return make_outcome(
            "security.executable",
            CheckResult.FAIL,
            f"文件实际内容是{label_zh}，属于可执行内容，存在安全风险，已拒绝。"
            "请上传正确的档案文件。",
            f"The file is really a {label_en}: executable content is a security risk "
            "and is refused. Upload the correct archive file.",
            format=fmt,
        )
    return make_outcome(
        "security.executable",
        CheckResult.PASS,
        "文件不含可执行程序或脚本。",
        "The file is not an executable or a script.",
        format=fmt,
    )


def _kind_match(fmt: str, declared: FileKind | None) -> CheckOutcome:
    label_zh, label_en = format_label(fmt, "zh"), format_label(fmt, "en")
    actual = natural_kind(fmt)
    detail = {
        "format": fmt,
        "detected_kind": actual.value,
        "declared_kind": declared.value if declared else None,
    }
    if declared is None:
        fits = actual is not FileKind.UNKNOWN
        expected_zh, expected_en = "任何档案文件类型", "any archive file type"
    else:
        fits = actual is declared or fmt in ACCEPTED_FORMATS[declared]
        expected_zh, expected_en = KIND_NAMES_ZH[declared], KIND_NAMES_EN[declared]
    if fits:
        return make_outcome(
            "security.kind_mismatch",
            CheckResult.PASS,
            f"文件实际内容（{label_zh}）与申报类型相符。",
            f"The real content ({label_en}) fits the declared kind.",
            **detail,
        )
    return make_outcome(
        "security.kind_mismatch",
        CheckResult.FAIL,
        f"文件实际内容是{label_zh}，不是{expected_zh}（文件内容与扩展名或申报类型"
        "不符，可能被改名伪装）。请上传真正的档案文件。",
        f"The file's real content is {label_en}, not {expected_en} (content does not "
        "match its extension or declared kind; it may be disguised). Upload the real file.",
        **detail,
    )


def _fixity(digest: str, expected: str | None) -> CheckOutcome:
    """``digest`` is labelled (``workflows.digests``); details keep the algorithm's name as key."""
    algorithm = algorithm_of(digest)
    name = LABELS[algorithm]
    if expected is None:
        return make_outcome(
            "authenticity.fixity",
            CheckResult.PASS,
            f"已记录文件的 {name} 摘要，供今后校验。",
            f"The file's {name} digest is recorded for later verification.",
            **{algorithm: digest},
        )
    expected = expected.strip().lower()
    detail = {algorithm: digest, f"expected_{algorithm}": expected}
    if expected == digest:
        return make_outcome(
            "authenticity.fixity",
            CheckResult.PASS,
            f"文件的 {name} 摘要与采集时记录的一致，文件未被改动。",
            f"The file's {name} digest matches the one recorded at capture: it is unchanged.",
            **detail,
        )
    return make_outcome(
        "authenticity.fixity",
        CheckResult.FAIL,
        f"文件的 {name} 摘要与采集时记录的不一致，文件在采集后被改动或已损坏。"
        "请核实并上传原始文件。",
        f"The file's {name} digest differs from the one recorded at capture: the file was "
        "changed or damaged since. Check it and upload the original.",
        **detail,
    )


def _identified(identity: FormatIdentity) -> CheckOutcome:
    """``usability.format_identified``: the PRONOM id, or why there is none (a warning)."""
    detail = identity.as_dict()
    if identity.puid:
        return make_outcome(
            "usability.format_identified",
            CheckResult.PASS,
            f"文件格式识别为 {identity.title}（PRONOM {identity.puid}）。",
            f"The file's format is {identity.title} (PRONOM {identity.puid}).",
            **detail,
        )
    if identity.name:  # known by its structure (OFD)
        return make_outcome(
            "usability.format_identified",
            CheckResult.PASS,
            f"文件格式按结构识别为 {identity.name}；该格式尚无 PRONOM 编号。",
            f"The file's format is {identity.name}, recognised by its structure; it has no "
            "PRONOM id yet.",
            **detail,
        )
    return make_outcome(
        "usability.format_identified",
        CheckResult.WARN,
        "未能识别文件格式的 PRONOM 编号：PRONOM 特征库中没有与内容相符的格式（文件可能已损坏、"
        "是非标准变体，或特征库尚未收录），请核实文件能否正常打开。",
        "The file's format has no PRONOM id: no PRONOM signature matches its content (it may "
        "be damaged, a non-standard variant, or not in the registry yet); check that it opens.",
        **detail,
    )


def _format_accepted(fmt: str, kind: FileKind, head: bytes, policy: CheckPolicy) -> CheckOutcome:
    """``usability.format_accepted``: the archive's policy takes ``fmt`` (or its container)."""
    label_zh, label_en = format_label(fmt, "zh"), format_label(fmt, "en")
    accepted = sorted(policy.accepted_formats.get(kind, ()))
    names_zh = "、".join(format_label(a, "zh") for a in accepted) or "无"
    names_en = ", ".join(format_label(a, "en") for a in accepted) or "none"
    detail = {
        "format": fmt,
        "kind": kind.value,
        "accepted": accepted,
        "accepted_pronom": accepted_pronom_ids(frozenset(accepted)),
    }
    container = container_of(fmt)
    if fmt in accepted or container in accepted:
        via_zh = via_en = ""
        if fmt not in accepted:
            via_zh = f"（{format_label(container, 'zh')}容器）"
            via_en = f" (its container, {format_label(container, 'en')}, is)"
        return make_outcome(
            "usability.format_accepted",
            CheckResult.PASS,
            f"{label_zh}是档案馆接收的{KIND_NAMES_ZH[kind]}格式{via_zh}。",
            f"{label_en} is an accepted {KIND_NAMES_EN[kind]} format{via_en}.",
            container=container,
            **detail,
        )
    if fmt == "dwg":
        version = dwg_version(head)
        return make_outcome(
            "usability.format_accepted",
            CheckResult.FAIL,
            f"这是 AutoCAD DWG 文件（{version}），DWG 为专有格式，档案馆不直接接收。"
            "请在 CAD 软件中“另存为”DXF 格式（或导出 PDF）后重新上传。",
            f"This is an AutoCAD DWG file ({version}); DWG is proprietary and not accepted. "
            "Use “Save As” DXF in your CAD software (or export PDF) and upload that.",
            dwg_version=version,
            **detail,
        )
    advice_zh, advice_en = conversion_advice(fmt, kind)
    return make_outcome(
        "usability.format_accepted",
        CheckResult.FAIL,
        f"{label_zh}不是档案馆接收的{KIND_NAMES_ZH[kind]}格式（接收：{names_zh}）。{advice_zh}。",
        f"{label_en} is not an accepted {KIND_NAMES_EN[kind]} format (accepted: {names_en}). "
        f"{advice_en}.",
        **detail,
    )


def _content(
    path: Path,
    fmt: str,
    *,
    image_check: Callable[[Path, str], list[CheckOutcome]],
    av_rules: AvRules,
    policy: CheckPolicy,
) -> list[CheckOutcome]:
    """Open the file in its real format (not in the declared one)."""
    if fmt == "pdf":
        return check_pdf(path, policy)
    if fmt == "dxf":
        return check_dxf(path, policy)
    if fmt in IMAGE_FORMATS:
        return image_check(path, fmt)
    if fmt in AV_FORMATS:
        return check_av(path, av_rules, fmt)
    return []

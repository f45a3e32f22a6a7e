"""Format identification by PRONOM id (The National Archives' registry), with siegfried.

Every checked file gets the PRONOM unique identifier (PUID, e.g. ``fmt/43``) that siegfried
matches from its signature file (DROID signatures and container signatures, shipped inside the
``pygfried`` wheel), with the format's name and version and the basis of the match. OFD
(GB/T 33190) has no PRONOM id yet: it is recognised by its structure (a ZIP package whose root
holds ``OFD.xml`` in the OFD namespace) and said so.

siegfried is loaded on the first identification, not at start-up (``tests/test_imports.py``):
about 0.3 s to read its signatures, then some milliseconds a file.
"""

from __future__ import annotations

import zipfile
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path

from workflows.ofd import OFD_NAMESPACE

OFD_ENTRY = "OFD.xml"
# The most of OFD.xml read to find its namespace: the root element comes first.
OFD_HEAD_BYTES = 4096


@dataclass(frozen=True)
class FormatIdentity:
    """What a file is, by PRONOM: ``puid`` empty when there is none (then ``reason`` says why)."""

    puid: str
    name: str
    version: str = ""
    basis: str = ""
    identifier: str = ""
    reason: str = ""

    def as_dict(self) -> dict:
        return asdict(self)

    @property
    def title(self) -> str:
        return format_title(self.name, self.version)


def format_title(name: str, version: str) -> str:
    """A format in words: its name and version (once, when the name already says it)."""
    return name if not version or version in name else f"{name} {version}"


def is_ofd(path: Path) -> bool:
    """A ZIP package with ``OFD.xml`` at its root in the OFD namespace (GB/T 33190)."""
    try:
        with zipfile.ZipFile(path) as package:
            if OFD_ENTRY not in package.namelist():
                return False
            with package.open(OFD_ENTRY) as entry:
                return OFD_NAMESPACE.encode() in entry.read(OFD_HEAD_BYTES)
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, RuntimeError):
        return False


OFD_IDENTITY = FormatIdentity(
    puid="",
    name="OFD 版式文档 (GB/T 33190)",
    basis="ZIP package with OFD.xml at its root in the OFD namespace",
    identifier="structure",
    reason="OFD 尚无 PRONOM 编号，按其结构识别 / OFD has no PRONOM id yet: recognised by its "
    "structure",
)


@cache
def _scanner():
    import pygfried  # a compiled library and its signatures: loaded only when a file is checked

    return pygfried.Scanner()


def identify(path: Path, fmt: str = "") -> FormatIdentity:
    """The PRONOM identity of the file at ``path``; ``fmt`` the sniffed format (``"ofd"``: by
    structure). Never raises: a file siegfried cannot read gets an empty id and the reason."""
    if fmt == "ofd":
        return OFD_IDENTITY
    try:
        result = _scanner().identify(str(path), detailed=True)
    except Exception as exc:  # siegfried's own errors (an empty file, an unreadable one)
        return FormatIdentity(
            "", "", reason=f"格式识别失败 / identification failed: {type(exc).__name__}: {exc}"
        )
    identifier = _identifier(result)
    (found,) = result["files"]
    match = next((m for m in found["matches"] if m["ns"] == "pronom"), None)
    # A match on the file name's extension alone says nothing of the content.
    if match is None or match["id"] == "UNKNOWN" or "extension only" in match["warning"]:
        return FormatIdentity(
            "",
            "",
            identifier=identifier,
            reason="PRONOM 特征库中没有与文件内容相符的格式 / no PRONOM signature matches the "
            "content",
        )
    return FormatIdentity(
        puid=match["id"],
        name=match["format"],
        version=match["version"],
        basis=match["basis"],
        identifier=identifier,
    )


def _identifier(result: dict) -> str:
    signatures = "; ".join(i["details"] for i in result["identifiers"] if i["name"] == "pronom")
    return f"siegfried {result['siegfried']} ({signatures})"

"""One streaming pass over an ASCII DXF file, collecting the facts the drawing rules judge.

The file is read as (group code, value) line pairs, the way ``ezdxf.lldxf.tagger`` reads it, but
without building a tag object per pair: only the handful of entities the rules look at (INSERT
with its ATTRIBs, BLOCK headers, STYLE entries, LAYOUT and IMAGEDEF objects, proxies) are
interpreted, every other tag is skipped after one string comparison. Memory stays flat: nothing
but those facts is kept. ezdxf's full document model is loaded only to repair a broken file (see
:mod:`.review`) and to render previews (see :mod:`.preview`).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

MODEL_SPACE = "Model"

# The DXF reference's tables the rules need, as ezdxf has them (tests/acceptance/
# test_drawing_review.py holds them equal to ezdxf's): a drawing that reads cleanly is judged
# without loading ezdxf, which takes longer to import than Django's whole start.
RELEASES = {
    "AC1004": "R9",
    "AC1006": "R10",
    "AC1009": "R12",
    "AC1012": "R13",
    "AC1014": "R14",
    "AC1015": "R2000",
    "AC1018": "R2004",
    "AC1021": "R2007",
    "AC1024": "R2010",
    "AC1027": "R2013",
    "AC1032": "R2018",
}
"""$ACADVER -> AutoCAD release."""
_FIRST_UTF8_VERSION = "AC1021"  # R2007 and later are UTF-8 whatever $DWGCODEPAGE says
LINEWEIGHTS = frozenset(
    {-3, -2, -1, 0, 5, 9, 13, 15, 18, 20, 25, 30, 35, 40, 50, 53, 60, 70, 80, 90, 100, 106}
    | {120, 140, 158, 200, 211}
)
"""The values group code 370 may take (1/100 mm; -1 by layer, -2 by block, -3 default)."""
UNITS: tuple[tuple[str, float | None], ...] = (
    ("Unitless", None),
    ("Inches", 39.37007874),
    ("Feet", 3.280839895),
    ("Miles", 0.00062137119),
    ("Millimeters", 1000.0),
    ("Centimeters", 100.0),
    ("Meters", 1.0),
    ("Kilometers", 0.001),
    ("Microinches", None),
    ("Mils", None),
    ("Yards", 1.093613298),
    ("Angstroms", 1e10),
    ("Nanometers", 1e9),
    ("Microns", 1e6),
    ("Decimeters", 10.0),
    ("Decameters", 0.1),
    ("Hectometers", 0.01),
    ("Gigameters", 1e-9),
    ("AstronomicalUnits", 1.0 / 149597870700),
    ("Lightyears", 1.0 / 9.46e15),
    ("Parsecs", 1.0 / 3.09e16),
    ("USSurveyFeet", None),
    ("USSurveyInch", None),
    ("USSurveyYard", None),
    ("USSurveyMile", None),
)
"""$INSUNITS -> (name, units per metre; None where the factor is not supported)."""


def unit_name(insunits: int) -> str:
    """The name of $INSUNITS code ``insunits`` (``Millimeters``)."""
    if 0 <= insunits < len(UNITS):
        return UNITS[insunits][0]
    return f"code {insunits}"


def mm_per_unit(insunits: int) -> float | None:
    """Millimetres in one drawing unit, None when unitless or not convertible."""
    if not 0 <= insunits < len(UNITS) or UNITS[insunits][1] is None:
        return None
    return 1000.0 / UNITS[insunits][1]


# Sentinels ezdxf and AutoCAD write into $EXTMIN/$EXTMAX of a drawing whose extents were never
# computed.
_UNSET_EXTENT = 1e19


class TruncatedDrawing(Exception):
    """The file ends before its EOF marker: it was cut off in transfer or while saving."""


class BrokenStructure(Exception):
    """The tag stream is not DXF: a group code line that is not an integer, or no sections."""


@dataclass
class BlockDef:
    """A block definition: its flags, xref path and the bounding box of its geometry."""

    name: str
    flags: int = 0
    xref_path: str = ""
    base: tuple[float, float] = (0.0, 0.0)
    box: list[float] = field(default_factory=lambda: [math.inf, math.inf, -math.inf, -math.inf])

    @property
    def is_xref(self) -> bool:
        return bool(self.flags & 4 or self.flags & 8)

    def extend(self, x: float, y: float, radius: float = 0.0) -> None:
        box = self.box
        box[0] = min(box[0], x - radius)
        box[1] = min(box[1], y - radius)
        box[2] = max(box[2], x + radius)
        box[3] = max(box[3], y + radius)

    @property
    def size(self) -> tuple[float, float] | None:
        if self.box[0] > self.box[2]:
            return None
        return (self.box[2] - self.box[0], self.box[3] - self.box[1])


@dataclass
class Insert:
    """A block reference in a layout, with its attributes (tag upper-cased -> text)."""

    name: str
    handle: str
    owner_block: str
    insert: tuple[float, float] = (0.0, 0.0)
    scale: tuple[float, float] = (1.0, 1.0)
    rotation: float = 0.0
    attribs: dict[str, str] = field(default_factory=dict)
    layout: str = ""


@dataclass
class DrawingFacts:
    """What one pass over a DXF file found out, for the rules to judge."""

    dxfversion: str = ""
    encoding: str = ""
    insunits: int = 0
    extmin: tuple[float, float] | None = None
    extmax: tuple[float, float] | None = None
    styles: dict[str, tuple[str, str]] = field(default_factory=dict)
    blocks: dict[str, BlockDef] = field(default_factory=dict)
    inserts: list[Insert] = field(default_factory=list)
    entities_by_layout: dict[str, int] = field(default_factory=dict)
    proxies: list[tuple[str, str]] = field(default_factory=list)
    proxy_objects: int = 0
    image_paths: list[str] = field(default_factory=list)
    layout_names: dict[str, str] = field(default_factory=dict)
    layout_tabs: dict[str, int] = field(default_factory=dict)
    """Each layout's place among the tabs a CAD program shows (LAYOUT group 71; model is 0)."""
    defects: Counter[str] = field(default_factory=Counter)
    """Structural defects ezdxf's loaders refuse or its auditor repairs, by kind (see
    :data:`DEFECT_KINDS`), counted in the same pass."""
    tags: int = 0

    @property
    def entity_count(self) -> int:
        return sum(self.entities_by_layout.values())

    @property
    def has_extents(self) -> bool:
        if self.extmin is None or self.extmax is None:
            return False
        if any(abs(v) >= _UNSET_EXTENT for v in (*self.extmin, *self.extmax)):
            return False
        return self.extmin[0] <= self.extmax[0] and self.extmin[1] <= self.extmax[1]


# Entities that are the layout's own frame, not drawing content.
_NOT_CONTENT = frozenset({"VIEWPORT", "ATTRIB", "SEQEND", "VERTEX", "ENDBLK", "BLOCK"})
_HEADER_VARS = frozenset({"$ACADVER", "$INSUNITS", "$EXTMIN", "$EXTMAX"})

DEFECT_KINDS = (
    "structure",  # a tag outside any section, ENDSEC without SECTION
    "version",  # a HEADER without $ACADVER although the content is R13 or later
    "handle",  # an empty, non-hexadecimal or repeated handle
    "owner",  # an owner handle (330) that no object in the file has
    "block",  # an INSERT of a block the file does not define
    "text_style",  # a text using a style the STYLE table lacks
    "linetype",  # an entity using a linetype the LTYPE table lacks
    "lineweight",  # a lineweight (370) outside the DXF values
    "color",  # a colour number (62) outside 0..257
)
# Group codes looked at for defects, and the names every drawing has without a table entry.
_DEFECT_CODES = frozenset({"100", "102", "105", "330", "370", "62", "7", "6"})
_TEXT_ENTITIES = frozenset({"TEXT", "MTEXT", "ATTRIB", "ATTDEF"})
_IMPLICIT_LINETYPES = frozenset({"BYLAYER", "BYBLOCK", "CONTINUOUS"})
_IMPLICIT_STYLES = frozenset({"STANDARD"})
# Handles are tracked one bit each up to this value (a 16 MiB bitmap at most); the few above
# it in a set of bounded size, so a hostile handle cannot make the scan allocate gigabytes.
_MAX_BITMAP_HANDLE = 1 << 27
_MAX_SET_HANDLES = 100_000
_MAX_NAMES = 10_000


def scan_drawing(path: Path) -> DrawingFacts:
    """Read ``path`` once and return its :class:`DrawingFacts`.

    Raises :class:`TruncatedDrawing` when the EOF marker is missing and
    :class:`BrokenStructure` when the group codes are not DXF.
    """
    encoding = _encoding(path)
    with open(path, encoding=encoding, errors="replace") as stream:
        facts = _Scanner(encoding).run(stream)
    return facts


def _encoding(path: Path) -> str:
    """The text encoding of the DXF file at ``path``: UTF-8 from R2007 on, else its code page."""
    with open(path, encoding="utf-8", errors="ignore") as stream:
        if _header_version(stream) >= _FIRST_UTF8_VERSION:
            return "utf-8"
    # An older drawing names a code page ($DWGCODEPAGE): ezdxf's probe knows their encodings.
    from ezdxf.filemanagement import dxf_file_info
    from ezdxf.lldxf.const import DXFError

    try:
        return dxf_file_info(str(path)).encoding
    except DXFError as exc:
        raise BrokenStructure(str(exc)) from exc


def _header_version(lines) -> str:
    """$ACADVER as the HEADER section gives it; "" if the file starts otherwise or lacks it."""
    stripped = (line.strip() for line in lines)
    pairs = (
        (code, value) for code, value in zip(stripped, stripped, strict=False) if code != "999"
    )
    if next(pairs, None) != ("0", "SECTION") or next(pairs, None) != ("2", "HEADER"):
        return ""
    for code, value in pairs:
        if code == "0":  # ENDSEC, or anything else that ends the header
            return ""
        if code == "9" and value == "$ACADVER":
            code, version = next(pairs, ("", ""))
            return version if code == "1" else ""
    return ""


def scan_text(lines, encoding: str = "utf8") -> DrawingFacts:
    """Scan DXF text already in memory (an iterable of lines), e.g. a repaired document."""
    return _Scanner(encoding).run(lines)


def _text(value: str) -> str:
    value = value.rstrip("\r\n")
    if "\\U+" not in value:  # no \U+xxxx escape: most names, and no need to load ezdxf
        return value
    from ezdxf.lldxf.encoding import decode_dxf_unicode

    return decode_dxf_unicode(value)


class _Scanner:
    def __init__(self, encoding: str) -> None:
        self.facts = DrawingFacts(encoding=encoding)
        self.block_record_names: dict[str, str] = {}
        self.layouts_by_record: dict[str, str] = {}
        self.sections_seen = 0
        self.handles_seen = bytearray(1024)
        self.owners_named = bytearray(1024)
        self.large_handles: set[int] = set()
        self.large_owners: set[int] = set()
        self.entity = ""  # the type of the structure being read
        self.in_group = False  # inside a 102 {…} application group
        self.own_owner = False  # the structure's owner (its first 330) was read
        self.subclassed = False
        self.has_header = False
        self.has_tables = False
        self.root_seen = False
        self.style_names: set[str] = set(_IMPLICIT_STYLES)
        self.linetype_names: set[str] = set(_IMPLICIT_LINETYPES)
        self.styles_used: set[str] = set()
        self.linetypes_used: set[str] = set()

    def run(self, lines) -> DrawingFacts:
        # One loop on purpose: it is the hot path, run once per tag of the file.
        facts = self.facts
        section = ""
        etype = ""  # the entity or table entry being read
        block: BlockDef | None = None  # the BLOCK definition being read (non-layout blocks only)
        layout_block = ""  # the layout block being read in BLOCKS (*Model_Space, *Paper_Space…)
        insert: Insert | None = None
        attrib_tag = attrib_text = ""
        header_var = ""
        point = [0.0, 0.0]
        record: dict[str, str] = {}
        seen_eof = False
        own_handle = False
        tags = 0
        it = iter(lines)
        for code_line, value in zip(it, it, strict=False):  # a dangling last line is no tag
            tags += 1
            code = code_line.strip()
            if code != "0":
                if code in _DEFECT_CODES and section != "HEADER":
                    self._defect_tag(code, value, section)
                if code == "5" and not own_handle and section != "HEADER":
                    # Only a structure's first 5 is its handle (SORTENTSTABLE lists others).
                    self._handle(value)
                    own_handle = True
                if not etype:
                    if section == "HEADER":
                        if code == "9":
                            header_var = value.strip()
                        elif header_var in _HEADER_VARS:
                            self._header(header_var, code, value)
                    elif code == "2" and section == "" and record.get("_expect") == "section":
                        section = value.strip()
                        self.sections_seen += 1
                        self.has_header = self.has_header or section == "HEADER"
                        self.has_tables = self.has_tables or section == "TABLES"
                        record = {}
                    elif section == "" and code != "999" and record.get("_expect") != "section":
                        facts.defects["structure"] += 1
                    elif section == "TABLES" and code == "2" and self.entity == "LTYPE":
                        _add_name(self.linetype_names, _text(value))
                    continue
                if etype == "INSERT":
                    if code == "2":
                        insert.name = _text(value)
                    elif code == "5":
                        insert.handle = value.strip()
                    elif code == "10":
                        insert.insert = (_float(value), insert.insert[1])
                    elif code == "20":
                        insert.insert = (insert.insert[0], _float(value))
                    elif code == "41":
                        insert.scale = (_float(value), insert.scale[1])
                    elif code == "42":
                        insert.scale = (insert.scale[0], _float(value))
                    elif code == "50":
                        insert.rotation = _float(value)
                    elif code == "67" and value.strip() == "1" and not layout_block:
                        insert.owner_block = "*PAPER_SPACE"
                elif etype == "ATTRIB":
                    if code == "2":
                        attrib_tag = _text(value).strip().upper()
                    elif code == "1":
                        attrib_text = _text(value)
                elif etype == "BLOCK":
                    if code == "2":
                        name = _text(value)
                        if name.startswith("*") and name.upper().split("_SPACE")[0] in (
                            "*MODEL",
                            "*PAPER",
                        ):
                            layout_block = name.upper()
                        else:
                            block = BlockDef(name)
                            facts.blocks[name.upper()] = block
                    elif block is not None:
                        if code == "70":
                            block.flags = _int(value)
                        elif code == "1":
                            block.xref_path = _text(value).strip()
                        elif code == "10":
                            block.base = (_float(value), block.base[1])
                        elif code == "20":
                            block.base = (block.base[0], _float(value))
                elif etype == "_GEOMETRY":
                    # An entity inside a non-layout block: its points make the block's box.
                    if code == "10" or code == "11":
                        point[0] = _float(value)
                    elif code == "20" or code == "21":
                        point[1] = _float(value)
                        block.extend(point[0], point[1])
                    elif code == "40" and record.get("round"):
                        block.extend(point[0], point[1], _float(value))
                elif etype == "_SPACE":
                    if code == "67" and value.strip() == "1" and not layout_block:
                        record["owner"] = "*PAPER_SPACE"
                elif etype in ("STYLE", "BLOCK_RECORD", "LAYOUT", "IMAGEDEF", "_PROXY"):
                    if code in ("2", "3", "4", "5", "1", "67", "71"):
                        record[code] = value.rstrip("\r\n")
                    elif code == "330":
                        record["330"] = value.strip()
                continue

            # Group code 0: the previous entity ends, a new structure starts.
            entity = value.strip()
            # A DIMSTYLE's 5 is its arrow block (DIMBLK); its handle comes as a 105.
            own_handle = entity == "DIMSTYLE"
            self.entity, self.in_group, self.own_owner = entity, False, False
            if etype:
                self._finish(etype, record, insert, attrib_tag, attrib_text)
                if etype == "ATTRIB" and insert is not None and attrib_tag:
                    insert.attribs[attrib_tag] = attrib_text
                if etype == "INSERT" and insert is not None:
                    facts.inserts.append(insert)
            etype = ""
            record = {}
            if entity == "SECTION":
                record = {"_expect": "section"}
                continue
            if entity == "ENDSEC":
                if not section:
                    facts.defects["structure"] += 1
                section = ""
                continue
            if entity == "EOF":
                seen_eof = True
                break
            if not section:
                facts.defects["structure"] += 1
                continue
            if section in ("ENTITIES", "BLOCKS"):
                if entity == "ENDBLK":
                    block, layout_block = None, ""
                    continue
                if entity == "BLOCK":
                    etype, block, layout_block, insert = "BLOCK", None, "", None
                    continue
                if section == "BLOCKS" and block is not None:
                    etype = "_GEOMETRY"
                    record = {"round": entity in ("CIRCLE", "ARC")}
                    continue
                if entity == "SEQEND":
                    insert = None
                    continue
                if entity == "ATTRIB":
                    etype = "ATTRIB"
                    attrib_tag = attrib_text = ""
                    continue
                owner = layout_block or "*MODEL_SPACE"
                if entity not in _NOT_CONTENT:
                    facts.entities_by_layout[owner] = facts.entities_by_layout.get(owner, 0) + 1
                if entity == "INSERT":
                    etype = "INSERT"
                    insert = Insert(name="", handle="", owner_block=owner)
                elif entity == "ACAD_PROXY_ENTITY":
                    etype = "_PROXY"
                    record = {"owner": owner}
                else:
                    insert = None
                    etype = "_SPACE"
                    record = {"owner": owner}
            elif section == "TABLES":
                if entity in ("STYLE", "BLOCK_RECORD"):
                    etype = entity
            elif section == "OBJECTS":
                if entity in ("LAYOUT", "IMAGEDEF"):
                    etype = entity
                elif entity == "ACAD_PROXY_OBJECT":
                    facts.proxy_objects += 1
        if etype:
            self._finish(etype, record, insert, attrib_tag, attrib_text)
        if not self.sections_seen:
            raise BrokenStructure("no DXF sections found")
        if not seen_eof:
            raise TruncatedDrawing(f"no EOF marker after {tags} tags")
        facts.tags = tags
        self._resolve_layouts()
        self._count_references()
        return facts

    def _handle(self, value: str) -> None:
        # One bit per handle: a handle seen twice is a structural flaw ezdxf's audit repairs,
        # an empty or non-hexadecimal one makes its strict loader refuse the file.
        try:
            handle = int(value, 16)
        except ValueError:
            self.facts.defects["handle"] += 1
            return
        if handle < 0 or _mark(self.handles_seen, self.large_handles, handle):
            self.facts.defects["handle"] += 1

    def _defect_tag(self, code: str, value: str, section: str) -> None:
        """Judge one tag that may carry a defect ezdxf's auditor repairs."""
        if code == "100":
            self.subclassed = True
        elif code == "105":
            # DIMSTYLE's handle is a 105; R12 writes it empty, which every reader accepts.
            if self.entity == "DIMSTYLE" and value.strip():
                self._handle(value)
        elif code == "102":
            self.in_group = value.strip().startswith("{")
        elif code == "330":
            # A BLOCK's owner is its BLOCK_RECORD, which the readers rebuild when it is missing.
            if not (self.in_group or self.own_owner or self.entity in ("BLOCK", "ENDBLK")):
                self.own_owner = True
                owner = value.strip()
                try:
                    handle = int(owner, 16)
                except ValueError:
                    self.facts.defects["owner"] += 1
                    return
                if handle:
                    _mark(self.owners_named, self.large_owners, handle)
                elif self.entity == "DICTIONARY" and not self.root_seen:
                    self.root_seen = True  # the root dictionary, owned by nothing
                elif self.entity != "TABLE":  # only a table head is owned by nothing too
                    self.facts.defects["owner"] += 1
        elif section not in ("ENTITIES", "BLOCKS"):
            return
        elif code == "62":
            if not 0 <= _int(value) <= 257:
                self.facts.defects["color"] += 1
        elif code == "370":
            if _int(value) not in LINEWEIGHTS:
                self.facts.defects["lineweight"] += 1
        elif code == "6":
            _add_name(self.linetypes_used, _text(value))
        elif code == "7" and self.entity in _TEXT_ENTITIES:
            _add_name(self.styles_used, _text(value))

    def _count_references(self) -> None:
        """Owners, blocks, styles and linetypes named but never defined in the file."""
        defects = self.facts.defects
        named = int.from_bytes(self.owners_named, "little")
        defined = int.from_bytes(self.handles_seen, "little")
        missing = (named & ~defined).bit_count()
        missing += len(self.large_owners - self.large_handles)
        # Without TABLES there are no block records to own anything: the readers make them.
        if missing and self.has_tables:
            defects["owner"] += missing
        blocks = self.facts.blocks
        undefined = sum(1 for i in self.facts.inserts if i.name and i.name.upper() not in blocks)
        if undefined:
            defects["block"] += undefined
        styles = {name.upper() for name in self.facts.styles} | self.style_names
        if undefined := len(self.styles_used - styles):
            defects["text_style"] += undefined
        if undefined := len(self.linetypes_used - self.linetype_names):
            defects["linetype"] += undefined
        # A header without $ACADVER over R13+ content: the readers take it as R12 and fail on
        # the newer entities. (A file of ENTITIES only, as minimal exporters write, reads fine.)
        if not self.facts.dxfversion and self.subclassed and self.has_header:
            defects["version"] += 1

    def _header(self, name: str, code: str, value: str) -> None:
        facts = self.facts
        if name == "$ACADVER" and code == "1":
            facts.dxfversion = value.strip().upper()
        elif name == "$INSUNITS" and code == "70":
            facts.insunits = _int(value)
        elif name in ("$EXTMIN", "$EXTMAX") and code in ("10", "20"):
            attr = "extmin" if name == "$EXTMIN" else "extmax"
            x, y = getattr(facts, attr) or (0.0, 0.0)
            setattr(facts, attr, (_float(value), y) if code == "10" else (x, _float(value)))

    def _finish(self, etype: str, record: dict, insert, attrib_tag, attrib_text) -> None:
        facts = self.facts
        if etype == "STYLE":
            name = _text(record.get("2", ""))
            if name and not (_int(record.get("70", "0")) & 1):
                facts.styles[name] = (record.get("3", "").strip(), record.get("4", "").strip())
        elif etype == "BLOCK_RECORD":
            if "5" in record:
                self.block_record_names[record["5"].strip()] = _text(record.get("2", "")).upper()
        elif etype == "LAYOUT":
            if "330" in record:
                name = _text(record.get("1", ""))
                self.layouts_by_record[record["330"]] = name
                facts.layout_tabs[name] = _int(record.get("71", "0"))
        elif etype == "IMAGEDEF":
            facts.image_paths.append(_text(record.get("1", "")).strip())
        elif etype == "_PROXY":
            owner = record.get("owner", "")
            if owner == "*MODEL_SPACE" and record.get("67", "").strip() == "1":
                owner = "*PAPER_SPACE"
            facts.proxies.append((record.get("5", "").strip(), owner))
        elif etype == "_SPACE" and record.get("owner") == "*PAPER_SPACE":
            # An entity of the active paper space found in ENTITIES: count it there.
            counts = facts.entities_by_layout
            counts["*MODEL_SPACE"] -= 1
            counts["*PAPER_SPACE"] = counts.get("*PAPER_SPACE", 0) + 1

    def _resolve_layouts(self) -> None:
        """Layout names for the layout blocks, from BLOCK_RECORD entries and LAYOUT objects."""
        names = {"*MODEL_SPACE": MODEL_SPACE}
        for handle, block_name in self.block_record_names.items():
            if handle in self.layouts_by_record:
                names[block_name] = self.layouts_by_record[handle]
        self.facts.layout_names = names
        for insert in self.facts.inserts:
            insert.layout = self.layout_name(insert.owner_block)
        if any(owner == "*PAPER_SPACE" for _, owner in self.facts.proxies):
            counts = self.facts.entities_by_layout
            moved = sum(1 for _, owner in self.facts.proxies if owner == "*PAPER_SPACE")
            counts["*MODEL_SPACE"] -= moved
            counts["*PAPER_SPACE"] = counts.get("*PAPER_SPACE", 0) + moved
        self.facts.proxies = [(h, self.layout_name(o)) for h, o in self.facts.proxies]

    def layout_name(self, block_name: str) -> str:
        if block_name in self.facts.layout_names:
            return self.facts.layout_names[block_name]
        # R12 has no LAYOUT objects: its single paper space is simply "Paper".
        return "Paper" if block_name.startswith("*PAPER") else MODEL_SPACE


def _mark(bitmap: bytearray, large: set[int], handle: int) -> bool:
    """Record ``handle``; True when it had been recorded before."""
    if handle >= _MAX_BITMAP_HANDLE:
        if handle in large:
            return True
        if len(large) < _MAX_SET_HANDLES:
            large.add(handle)
        return False
    index, bit = handle >> 3, 1 << (handle & 7)
    if index >= len(bitmap):
        bitmap.extend(bytes(max(index + 1 - len(bitmap), len(bitmap))))
    if bitmap[index] & bit:
        return True
    bitmap[index] |= bit
    return False


def _add_name(names: set[str], name: str) -> None:
    if len(names) < _MAX_NAMES:
        names.add(name.strip().upper())


def _float(value: str) -> float:
    try:
        return float(value)
    except ValueError:
        return 0.0


def _int(value: str) -> int:
    try:
        return int(value.strip())
    except ValueError:
        return 0

"""The filing catalog's file shapes: YAML and XLSX, read for import and written for export.

Both shapes carry the same content: category names, one row per item and, per works type, the
items that apply. What one writes the other reads back; an export can be edited and imported as a
new catalog version. Reading validates every row and reports all problems at once.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import yaml

from ..exceptions import CatalogFileInvalid
from ..models import CatalogVersion, FormatKind, Party, Retention, WorksType
from ..models.catalog import is_core

FORMAT_BY_CODE = {"E3-1": FormatKind.PHOTO, "E3-2": FormatKind.VIDEO}

ITEM_COLUMNS = (
    "code",
    "name_zh",
    "name_en",
    "category",
    "retention",
    "required_for",
    "optional_for",
    "tolerable",
    "format_kind",
    "confidence",
    "active",
)
# Header labels of the XLSX items sheet: the field name first, so a file edited by hand keeps
# working whichever label language the editor reads.
COLUMN_LABELS = {
    "code": "code 编号",
    "name_zh": "name_zh 名称",
    "name_en": "name_en English name",
    "category": "category 类别",
    "retention": "retention 保管期限",
    "required_for": "required_for 必须归档单位",
    "optional_for": "optional_for 选择归档单位",
    "tolerable": "tolerable 可容缺",
    "format_kind": "format_kind 载体格式",
    "confidence": "confidence 可信度",
    "active": "active 启用",
}
TRUE_WORDS = {"1", "true", "yes", "y", "是", "✓", "√", "x"}
FALSE_WORDS = {"", "0", "false", "no", "n", "否"}
MAX_ROWS = 5000
MAX_FILE_BYTES = 5 * 1024 * 1024


@dataclass
class CatalogData:
    """A catalog read from a file: what an import turns into a new version."""

    categories: dict[str, str]
    items: list[dict[str, Any]]
    # works type -> codes of the items that apply
    profiles: dict[str, list[str]] = field(default_factory=dict)


def default_tolerable(code: str, category: str) -> bool:
    """An item the file does not flag is tolerable (非主审要件) unless it is a core item."""
    return not is_core(code, category)


def default_format(code: str, category: str) -> str:
    if category.startswith("D"):
        return FormatKind.DRAWING
    return FORMAT_BY_CODE.get(code, FormatKind.DOCUMENT)


# -- reading --------------------------------------------------------------------------------------


def catalog_format_of(name: str) -> str:
    suffix = Path(name).suffix.lower()
    if suffix in (".yaml", ".yml"):
        return "yaml"
    if suffix == ".xlsx":
        return "xlsx"
    raise CatalogFileInvalid(
        f"无法识别归档范围文件“{name}”的格式：请使用 .yaml/.yml 或 .xlsx 文件",
        f"cannot tell the format of catalog file {name!r}: use a .yaml/.yml or .xlsx file",
        problems=[],
    )


def catalog_read(source: Path | BinaryIO, *, fmt: str) -> CatalogData:
    """Read and validate a catalog file (``fmt`` is ``"yaml"`` or ``"xlsx"``)."""
    content = source.read_bytes() if isinstance(source, Path) else source.read(MAX_FILE_BYTES + 1)
    if len(content) > MAX_FILE_BYTES:
        raise CatalogFileInvalid(
            f"归档范围文件超过 {MAX_FILE_BYTES // 1024 // 1024} MB，请检查是否选错文件",
            f"the catalog file is larger than {MAX_FILE_BYTES // 1024 // 1024} MB; check the file",
            problems=[],
        )
    if fmt == "yaml":
        raw = _raw_from_yaml(content)
    elif fmt == "xlsx":
        raw = _raw_from_xlsx(content)
    else:
        raise ValueError(f"unknown catalog format {fmt!r}")
    return _validate(raw)


def _invalid_file(exc: Exception, fmt: str) -> CatalogFileInvalid:
    return CatalogFileInvalid(
        f"归档范围文件不是有效的 {fmt.upper()} 文件：{exc}",
        f"the catalog file is not a valid {fmt.upper()} file: {exc}",
        problems=[],
    )


def _raw_from_yaml(content: bytes) -> dict[str, Any]:
    try:
        raw = yaml.safe_load(content.decode("utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise _invalid_file(exc, "yaml") from exc
    if not isinstance(raw, dict) or not isinstance(raw.get("items"), list):
        raise CatalogFileInvalid(
            "归档范围 YAML 文件须包含 items 列表",
            "a catalog YAML file must have an `items` list",
            problems=[],
        )
    items = []
    for index, row in enumerate(raw["items"], start=1):
        items.append({**row, "_where": f"items[{index}]"} if isinstance(row, dict) else row)
    profiles = {}
    for works_type, spec in (raw.get("profiles") or {}).items():
        profiles[works_type] = spec
    return {"categories": raw.get("categories") or {}, "items": items, "profiles": profiles}


def _cell(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _raw_from_xlsx(content: bytes) -> dict[str, Any]:
    try:
        from openpyxl import load_workbook  # here, where used: slower to load than Django

        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises zipfile, KeyError, ValueError... on bad files
        raise _invalid_file(exc, "xlsx") from exc
    try:
        if "items" not in book.sheetnames:
            raise CatalogFileInvalid(
                "归档范围 XLSX 文件须包含名为 items 的工作表",
                "a catalog XLSX file must have a sheet named `items`",
                problems=[],
            )
        rows = book["items"].iter_rows(values_only=True)
        header = [_cell(value).split(" ")[0] for value in next(rows, ())]
        works_types = [name for name in header if name in WorksType.values]
        items = []
        profiles: dict[str, dict[str, list[str]]] = {wt: {"include": []} for wt in works_types}
        for number, values in enumerate(rows, start=2):
            if number > MAX_ROWS:
                raise CatalogFileInvalid(
                    f"归档范围条目超过 {MAX_ROWS} 行",
                    f"more than {MAX_ROWS} catalog rows",
                    problems=[],
                )
            row = {name: values[i] if i < len(values) else None for i, name in enumerate(header)}
            if not any(_cell(value) for value in row.values()):
                continue
            item = {key: row.get(key) for key in ITEM_COLUMNS if key in row}
            for key in ("required_for", "optional_for"):
                item[key] = [p.strip() for p in _cell(row.get(key)).replace("，", ",").split(",")]
                item[key] = [p for p in item[key] if p]
            for key in ("tolerable", "active"):
                if _cell(row.get(key)) == "":
                    item.pop(key, None)
            item["_where"] = f"items!{number}"
            items.append(item)
            for works_type in works_types:
                if _flag(row.get(works_type)) is True:
                    profiles[works_type]["include"].append(_cell(row.get("code")))
        categories = {}
        if "categories" in book.sheetnames:
            for values in book["categories"].iter_rows(min_row=2, values_only=True):
                if values and _cell(values[0]):
                    categories[_cell(values[0])] = _cell(values[1] if len(values) > 1 else "")
    finally:
        book.close()
    return {"categories": categories, "items": items, "profiles": profiles}


def _flag(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    text = _cell(value).lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    return None


def _validate(raw: dict[str, Any]) -> CatalogData:
    problems: list[str] = []
    items: list[dict[str, Any]] = []
    seen: set[str] = set()
    parties = set(Party.values)
    for row in raw["items"]:
        if not isinstance(row, dict):
            problems.append(f"{row!r}: not a mapping / 不是键值映射")
            continue
        where = row.get("_where", "?")
        code = _cell(row.get("code"))
        if not code:
            problems.append(f"{where}: code is empty / 缺少编号")
            continue
        where = f"{where} ({code})"
        if code in seen:
            problems.append(f"{where}: code appears twice / 编号重复")
        seen.add(code)
        if len(code) > 20:
            problems.append(f"{where}: code longer than 20 characters / 编号超过 20 个字符")
        item: dict[str, Any] = {"code": code}
        for key, limit in (("name_zh", 200), ("name_en", 200), ("category", 8)):
            value = _cell(row.get(key))
            if not value:
                problems.append(f"{where}: {key} is empty / {key} 为空")
            elif len(value) > limit:
                problems.append(f"{where}: {key} longer than {limit} characters / {key} 过长")
            item[key] = value
        retention = _cell(row.get("retention"))
        if retention not in Retention.values:
            problems.append(
                f"{where}: retention {retention!r} is not one of {', '.join(Retention.values)}"
                " / 保管期限无效"
            )
        item["retention"] = retention
        for key in ("required_for", "optional_for"):
            value = row.get(key) or []
            if isinstance(value, str):
                value = [p.strip() for p in value.split(",") if p.strip()]
            unknown = [p for p in value if p not in parties]
            if unknown:
                problems.append(
                    f"{where}: unknown parties in {key}: {', '.join(map(str, unknown))}"
                    f" (known: {', '.join(Party.values)}) / 归档单位无效"
                )
            item[key] = list(value)
        tolerable = _flag(row["tolerable"]) if "tolerable" in row else None
        if "tolerable" in row and tolerable is None:
            problems.append(f"{where}: tolerable must be true or false / 可容缺须为是或否")
        item["tolerable"] = (
            default_tolerable(code, item["category"]) if tolerable is None else tolerable
        )
        format_kind = _cell(row.get("format_kind")) or default_format(code, item["category"])
        if format_kind not in FormatKind.values:
            problems.append(
                f"{where}: format_kind {format_kind!r} is not one of "
                f"{', '.join(FormatKind.values)} / 载体格式无效"
            )
        item["format_kind"] = format_kind
        item["confidence"] = _cell(row.get("confidence"))[:16]
        active = _flag(row["active"]) if "active" in row else True
        if active is None:
            problems.append(f"{where}: active must be true or false / 启用须为是或否")
        item["active"] = active is not False
        items.append(item)

    profiles: dict[str, list[str]] = {}
    for works_type, spec in raw["profiles"].items():
        if works_type not in WorksType.values:
            problems.append(
                f"profiles: unknown works type {works_type!r} (known: "
                f"{', '.join(WorksType.values)}) / 工程类别无效"
            )
            continue
        spec = spec or {}
        if not isinstance(spec, dict) or not set(spec) <= {"include", "exclude"}:
            problems.append(
                f"profiles.{works_type}: give `include` or `exclude`, a list of codes"
                " / 须给出 include 或 exclude 编号列表"
            )
            continue
        listed = [str(code) for code in (spec.get("include") or spec.get("exclude") or [])]
        unknown = [code for code in listed if code not in seen]
        if unknown:
            problems.append(
                f"profiles.{works_type}: unknown codes {', '.join(unknown)} / 编号不存在"
            )
        if "include" in spec:
            profiles[works_type] = [i["code"] for i in items if i["code"] in set(listed)]
        else:
            profiles[works_type] = [i["code"] for i in items if i["code"] not in set(listed)]
    if not items and not problems:
        problems.append("the file has no catalog items / 文件中没有任何条目")
    if problems:
        shown = problems[:50]
        raise CatalogFileInvalid(
            f"归档范围文件有 {len(problems)} 处问题，请修正后重新导入：" + "；".join(shown),
            f"the catalog file has {len(problems)} problems; fix them and import again: "
            + "; ".join(shown),
            problems=problems,
        )
    categories = {str(k): str(v) for k, v in (raw["categories"] or {}).items()}
    return CatalogData(categories=categories, items=items, profiles=profiles)


# -- writing --------------------------------------------------------------------------------------


def _export_rows(version: CatalogVersion) -> tuple[list[dict[str, Any]], dict[str, set[str]]]:
    items = [
        {key: getattr(item, key) for key in ITEM_COLUMNS}
        for item in version.items.order_by("category", "code")
    ]
    profiles = {
        profile.works_type: set(profile.items.values_list("code", flat=True))
        for profile in version.profiles.order_by("works_type")
    }
    return items, profiles


def catalog_to_yaml(version: CatalogVersion) -> bytes:
    """The catalog version in the YAML shape ``acceptance/data/catalog.yaml`` has."""
    items, profiles = _export_rows(version)
    codes = [item["code"] for item in items]
    document = {
        "version": {
            "number": version.number,
            "note": version.note,
            "published_at": version.published_at.isoformat() if version.published_at else None,
        },
        "categories": dict(version.categories),
        "items": [
            {key: value for key, value in item.items() if value not in ("", [])} for item in items
        ],
        "profiles": {
            works_type: {"exclude": [code for code in codes if code not in applies]}
            for works_type, applies in profiles.items()
        },
    }
    header = (
        f"# 归档范围 filing catalog, version {version.number}; import with "
        "`manage.py catalog_import` to publish an edited copy as a new version.\n"
    )
    body = yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=120)
    return (header + body).encode("utf-8")


def catalog_to_xlsx(version: CatalogVersion) -> bytes:
    """The catalog version as a workbook: sheets ``items``, ``categories`` and ``version``."""
    # openpyxl is imported where it is used: it takes longer to load than Django itself.
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    items, profiles = _export_rows(version)
    book = Workbook()
    sheet = book.active
    sheet.title = "items"
    works_types = list(profiles)
    header = [COLUMN_LABELS[key] for key in ITEM_COLUMNS] + [
        f"{wt} {WorksType(wt).label}" for wt in works_types
    ]
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for item in items:
        row = []
        for key in ITEM_COLUMNS:
            value = item[key]
            if isinstance(value, list):
                value = ", ".join(value)
            elif isinstance(value, bool):
                value = "yes" if value else "no"
            row.append(value)
        row += ["✓" if item["code"] in profiles[wt] else "" for wt in works_types]
        sheet.append(row)
    widths = [8, 36, 36, 8, 10, 36, 24, 8, 10, 10, 6] + [12] * len(works_types)
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "B2"

    categories = book.create_sheet("categories")
    categories.append(["code 类别", "name 名称"])
    for code, name in version.categories.items():
        categories.append([code, name])
    categories.column_dimensions["B"].width = 40

    info = book.create_sheet("version")
    info.append(["version 版本", version.number])
    info.append(["note 说明", version.note])
    info.append(
        ["published_at 发布时间", version.published_at.isoformat() if version.published_at else ""]
    )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()

"""Settings the acceptance app reads, with the defaults used when the host site sets none."""

from django.conf import settings

from workflows.fonts import CJK_FONT_PATH, CJK_FONT_STATIC

DEFAULTS = {
    # ISO 8601 durations handed to the process as variables.
    "ACCEPTANCE_REVIEW_SLA": "P5D",
    "ACCEPTANCE_COMMITMENT_PERIOD": "P3M",
    # Core items (主审要件): what the archive must see before it gives its acceptance opinion;
    # no policy or catalog flag tolerates them, and a catalog imported without 可容缺 flags
    # makes every other item tolerable (非主审要件, domain-facts: "core items must pass,
    # non-core items may be missing"). Whole categories (``categories``) or single codes. The
    # default is the short set a city archive checks first, not every drawing:
    # - the approvals the certificate prints and the works stand on: 立项批复 A1-1, 建设用地规划
    #   许可证 A2-4, 建设工程规划许可证 A5-1, 施工许可证 A5-2;
    # - the as-built drawings of the five main disciplines: 建筑 D-1, 结构 D-2, 给排水 D-6,
    #   电气 D-7, 暖通 D-9 (steel, curtain wall, low-voltage, external works and landscaping
    #   sheets are not on every project and may follow under the commitment);
    # - the completion acceptance records: 单位工程质量竣工验收记录 C8-2, 工程竣工验收报告 E1-5,
    #   the special acceptances of planning, fire, environment (E1-9).
    # The completion filing form (E1-12 备案表) is not core: it is filled in after the archive's
    # opinion, which the filing needs, so it follows under the commitment.
    "ACCEPTANCE_CORE_ITEMS": {
        "categories": [],
        "codes": [
            "A1-1",
            "A2-4",
            "A5-1",
            "A5-2",
            "D-1",
            "D-2",
            "D-6",
            "D-7",
            "D-9",
            "C8-2",
            "E1-5",
            "E1-9",
        ],
    },
    # Working days in a month when a commitment period counts Chinese working days (21.75, the
    # monthly figure of 劳社部发〔2008〕3号): 3 months are 65 working days, 6 months 131.
    "ACCEPTANCE_WORKING_DAYS_PER_MONTH": "21.75",
    "ACCEPTANCE_MAX_UPLOAD_BYTES": 2 * 1024**3,
    # Bulk intake: the most files one folder or zip may bring at once.
    "ACCEPTANCE_BULK_MAX_FILES": 500,
    # Size limit per expected format kind (bytes); an upload past its kind's limit is refused
    # while it is being hashed, before it is stored.
    "ACCEPTANCE_MAX_BYTES_BY_KIND": {
        "document": 200 * 1024**2,
        "drawing": 200 * 1024**2,
        "photo": 100 * 1024**2,
        "video": 2 * 1024**3,
    },
    # Extra file rules per kind (dotted paths of callables taking a path, returning one
    # CheckOutcome or a list of them), run after the four-property checks by the review steps
    # and check_files.
    "ACCEPTANCE_FILE_RULES": {
        "drawing": ["acceptance.drawings.review.drawing_outcomes"],
    },
    # Formats accepted per kind, replacing acceptance.checks.formats.ACCEPTED_FORMATS for the
    # kinds named, e.g. {"video": ["mp4", "mov", "wav", "mp3", "flac"]}; others fail with advice.
    "ACCEPTANCE_ACCEPTED_FORMATS": {},
    # A DXF the streaming check finds flawed is loaded by ezdxf and audited up to this size
    # (exact repair counts, about 11 MB of memory per MB of DXF); a larger one is judged by the
    # streaming pass alone, so a check's memory stays bounded whatever the file's size. The
    # drawing review loads a broken file to recover it only up to this size too.
    "ACCEPTANCE_DRAWING_AUDIT_MAX_BYTES": 4 * 1024**2,
    # PDFs carrying attached files: "refuse" any, "refuse_executables" (executables and
    # scripts fail, other attachments are warned) or "report" (a warning for each).
    "ACCEPTANCE_PDF_EMBEDDED_FILES": "refuse_executables",
    # Drawing review (数字化审图): a DXF above this size is refused instead of reviewed.
    "ACCEPTANCE_DRAWING_MAX_BYTES": 100 * 1024**2,
    # Per rule id (see acceptance/drawings/rules.py): {"enabled": False} or {"severity": ...}.
    "ACCEPTANCE_DRAWING_RULES": {},
    # The same per works type of the case's project, applied after ACCEPTANCE_DRAWING_RULES.
    "ACCEPTANCE_DRAWING_PROFILES": {},
    # Fonts every CAD workstation has (SHX and Windows fonts): a style using one is not
    # reported missing even when this server lacks it; the preview substitutes it.
    "ACCEPTANCE_DRAWING_STANDARD_FONTS": [
        "txt",
        "simplex",
        "romans",
        "romand",
        "isocp",
        "gbenor",
        "gbeitc",
        "gbcbig",
        "hztxt",
        "hzfs",
        "tssdeng",
        "tssdchn",
        "complex",
        "bigfont",
        "chineset",
        "arial.ttf",
        "simsun.ttc",
        "simhei.ttf",
        "simfang.ttf",
        "simkai.ttf",
        "msyh.ttc",
    ],
    # Render previews of each checked drawing (a Celery task after the checks commit).
    "ACCEPTANCE_DRAWING_PREVIEWS": True,
    # Previews: the font replacing those the server lacks (a font file name ezdxf knows, holding
    # CJK glyphs; by default the one shipped in workflows/fonts.py) and the PNG's width in pixels.
    "ACCEPTANCE_DRAWING_PREVIEW_FONT": CJK_FONT_PATH.name,
    "ACCEPTANCE_DRAWING_PREVIEW_PNG_WIDTH": 2000,
    # Above this many text entities, previews draw text as filled boxes instead of glyphs.
    "ACCEPTANCE_DRAWING_PREVIEW_TEXT_LIMIT": 1000,
    # The browser viewer's fonts (TrueType or OpenType, static paths, tried in order per glyph):
    # CAD drawings name SHX and Windows fonts no browser has, so all text uses these; by default
    # the same file the PDFs and previews use (workflows/fonts.py).
    "ACCEPTANCE_DRAWING_VIEWER_FONTS": [CJK_FONT_STATIC],
    # The title block (图签): block names, and per field the attribute tags that carry it.
    "ACCEPTANCE_TITLE_BLOCK_NAMES": ["图签", "标题栏", "图框", "TITLE_BLOCK", "TITLEBLOCK", "TK"],
    "ACCEPTANCE_TITLE_BLOCK_FIELDS": {
        "project_name": ["PROJECT_NAME", "PROJECT", "工程名称", "项目名称", "GCMC"],
        "drawing_number": ["DRAWING_NO", "DWG_NO", "DRAWING_NUMBER", "SHEET_NO", "图号", "TH"],
        "sheet_title": ["SHEET_TITLE", "DRAWING_TITLE", "TITLE", "图名", "TM"],
    },
    # The as-built stamp's size on paper (width, height in mm) and the tolerance (fraction).
    "ACCEPTANCE_STAMP_SIZE_MM": (80.0, 50.0),
    "ACCEPTANCE_STAMP_SIZE_TOLERANCE": 0.15,
    # Photos (DA/T 50): minimum pixel count (3 megapixels, unverified), derivative sizes
    # (longest side, px), days a photo may fall outside the construction period, and the
    # perceptual-hash distance (of 64 bits) under which two photos count as near-duplicates.
    "ACCEPTANCE_PHOTO_MIN_PIXELS": 3_000_000,
    "ACCEPTANCE_PHOTO_THUMBNAIL_SIZE": 320,
    "ACCEPTANCE_PHOTO_PREVIEW_SIZE": 1280,
    "ACCEPTANCE_PHOTO_PERIOD_MARGIN_DAYS": 30,
    "ACCEPTANCE_PHOTO_NEAR_DUPLICATE_DISTANCE": 6,
    # Audio and video (DA/T 62/63/78): fields of acceptance.checks.video.AvRules to override,
    # e.g. {"min_bit_rate": 16_000_000, "min_width": 1920, "min_height": 1080} for HD masters.
    "ACCEPTANCE_AV_RULES": {},
    # Photos and recordings per job of the process's AV check (``media.sets``): about 0.3 s a
    # photo, so a chunk is a few seconds' work, and 1,000 photos are 40 jobs for every worker.
    "ACCEPTANCE_MEDIA_CHECK_CHUNK": 25,
    # Where archival packages of completed cases are written (default: MEDIA_ROOT/archive).
    "ACCEPTANCE_ARCHIVE_ROOT": None,
    # A volume (案卷) holds at most this many pages; a larger group is split into parts.
    "ACCEPTANCE_VOLUME_MAX_PAGES": 300,
    # 电子原件率: the share, by file and by page, some provinces require each to exceed
    # (unverified: 50% is what is reported of them).
    "ACCEPTANCE_ORIGINALS_MIN_RATE": 0.5,
    # The as-built stamp (竣工图章): block names and, per field, the attribute tags that carry it.
    "ACCEPTANCE_STAMP_BLOCK_NAMES": ["竣工图章", "AS_BUILT_STAMP", "ASBUILT", "JGTZ"],
    # Common English and Chinese tags (and pinyin initials) are matched, case-insensitively.
    "ACCEPTANCE_STAMP_FIELDS": {
        "contractor": ["CONTRACTOR", "SGDW", "施工单位"],
        "compiler": ["COMPILER", "DRAWN_BY", "BZR", "编制人", "编制"],
        "checker": ["CHECKER", "CHECKED_BY", "SHR", "审核人", "审核"],
        "technical_lead": ["TECH_LEAD", "TECHNICAL_LEAD", "JSFZR", "技术负责人"],
        "date": ["DATE", "BZRQ", "编制日期", "日期"],
        "supervisor": ["SUPERVISOR", "JLDW", "监理单位"],
        "site_supervisor": ["SITE_SUPERVISOR", "XCJL", "现场监理"],
        "chief_supervisor": ["CHIEF_SUPERVISOR", "ZJ", "总监", "总监理工程师"],
    },
}


def setting(name: str):
    return getattr(settings, name, DEFAULTS[name])


def max_bytes_by_kind() -> dict:
    """The size limit of each file kind, none above the overall upload limit.

    A kind missing from ``ACCEPTANCE_MAX_BYTES_BY_KIND`` gets the overall limit.
    """
    from .checks.outcomes import FileKind

    overall = setting("ACCEPTANCE_MAX_UPLOAD_BYTES")
    configured = setting("ACCEPTANCE_MAX_BYTES_BY_KIND")
    limits = {kind: min(int(configured.get(kind.value, overall)), overall) for kind in FileKind}
    if FileKind.UNKNOWN.value not in configured:
        limits[FileKind.UNKNOWN] = limits[FileKind.DOCUMENT]
    return limits


def file_rules(kind: str) -> list:
    """The extra file rules configured for ``kind`` (see ``ACCEPTANCE_FILE_RULES``)."""
    from django.utils.module_loading import import_string

    return [import_string(path) for path in setting("ACCEPTANCE_FILE_RULES").get(str(kind), [])]


def rule_outcomes(rule, path) -> list:
    """The outcomes of one file rule on ``path``: a rule returns one outcome or a list."""
    outcome = rule(path)
    return list(outcome) if isinstance(outcome, list | tuple) else [outcome]


def photo_rules():
    """The photo rules from settings (see ``ACCEPTANCE_PHOTO_*``)."""
    from .media.photos import PhotoRules

    return PhotoRules(
        min_pixels=int(setting("ACCEPTANCE_PHOTO_MIN_PIXELS")),
        thumbnail_size=int(setting("ACCEPTANCE_PHOTO_THUMBNAIL_SIZE")),
        preview_size=int(setting("ACCEPTANCE_PHOTO_PREVIEW_SIZE")),
    )


def av_rules():
    """The audio/video rules: the DA/T defaults with ``ACCEPTANCE_AV_RULES`` applied."""
    from .checks.video import AvRules

    return AvRules.from_mapping(setting("ACCEPTANCE_AV_RULES"))

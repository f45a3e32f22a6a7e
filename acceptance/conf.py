"""Settings the acceptance app reads, with the defaults used when the host site sets none."""

from django.conf import settings

DEFAULTS = {
    # ISO 8601 durations handed to the process as variables.
    "ACCEPTANCE_REVIEW_SLA": "P5D",
    "ACCEPTANCE_COMMITMENT_PERIOD": "P3M",
    "ACCEPTANCE_MAX_UPLOAD_BYTES": 2 * 1024**3,
    # Size limit per expected format kind (bytes); an upload past its kind's limit is refused
    # while it is being hashed, before it is stored.
    "ACCEPTANCE_MAX_BYTES_BY_KIND": {
        "document": 200 * 1024**2,
        "drawing": 200 * 1024**2,
        "photo": 100 * 1024**2,
        "video": 2 * 1024**3,
    },
    # Extra file rules per kind (dotted paths of callables taking a path, returning one
    # CheckOutcome), run after the four-property checks by the review steps and check_files.
    "ACCEPTANCE_FILE_RULES": {
        "drawing": ["acceptance.drawings.stamp.check_as_built_stamp"],
    },
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
    # Where archival packages of completed cases are written (default: MEDIA_ROOT/archive).
    "ACCEPTANCE_ARCHIVE_ROOT": None,
    # A volume (案卷) holds at most this many pages; a larger group is split into parts.
    "ACCEPTANCE_VOLUME_MAX_PAGES": 300,
    # The as-built stamp (竣工图章): block names and, per field, the attribute tags that carry it.
    "ACCEPTANCE_STAMP_BLOCK_NAMES": ["竣工图章", "AS_BUILT_STAMP", "ASBUILT", "JGTZ"],
    "ACCEPTANCE_STAMP_FIELDS": {
        "contractor": ["CONTRACTOR", "施工单位"],
        "compiler": ["COMPILER", "编制人"],
        "checker": ["CHECKER", "审核人"],
        "technical_lead": ["TECH_LEAD", "技术负责人"],
        "date": ["DATE", "编制日期"],
        "supervisor": ["SUPERVISOR", "监理单位"],
        "site_supervisor": ["SITE_SUPERVISOR", "现场监理"],
        "chief_supervisor": ["CHIEF_SUPERVISOR", "总监"],
    },
}


def setting(name: str):
    return getattr(settings, name, DEFAULTS[name])


def max_bytes_by_kind() -> dict:
    """The size limit of each file kind, none above the overall upload limit.

    A kind missing from ``ACCEPTANCE_MAX_BYTES_BY_KIND`` gets the overall limit.
    """
    from .checks import FileKind

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

"""Settings the acceptance app reads, with the defaults used when the host site sets none."""

from django.conf import settings

DEFAULTS = {
    # ISO 8601 durations handed to the process as variables.
    "ACCEPTANCE_REVIEW_SLA": "P5D",
    "ACCEPTANCE_COMMITMENT_PERIOD": "P3M",
    # Core items (主审要件) that no policy may tolerate: whole catalog categories and single codes
    # (category D: as-built drawings; E1-5 the completion acceptance report; E1-12 its filing form).
    "ACCEPTANCE_CORE_ITEMS": {"categories": ["D"], "codes": ["E1-5", "E1-12"]},
    # Working days in a month when a commitment period counts Chinese working days (21.75, the
    # monthly figure of 劳社部发〔2008〕3号): 3 months are 65 working days, 6 months 131.
    "ACCEPTANCE_WORKING_DAYS_PER_MONTH": "21.75",
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

"""Settings the acceptance app reads, with the defaults used when the host site sets none."""

from django.conf import settings

DEFAULTS = {
    # ISO 8601 durations handed to the process as variables.
    "ACCEPTANCE_REVIEW_SLA": "P5D",
    "ACCEPTANCE_COMMITMENT_PERIOD": "P3M",
    "ACCEPTANCE_MAX_UPLOAD_BYTES": 2 * 1024**3,
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

"""The opinion text printed on a certificate, from the template archive staff edit in the admin."""

from __future__ import annotations

from string import Template

from .models import Certificate, OpinionTemplate

# Used when the archive has deleted its template; the same texts are seeded by migration 0002.
DEFAULT_OPINIONS = {
    Certificate.Kind.FULL: (
        "经审查，该工程竣工档案（文书、技术、竣工图、声像、电子五类档案）基本齐全、完整、准确，"
        "符合《建设工程文件归档规范》及本市城建档案管理的有关规定，同意通过竣工档案验收。\n"
        "本意见书经涂改或未加盖本馆印章无效。建设单位应在工程竣工验收后三个月内向本馆移交全套"
        "工程档案。"
    ),
    Certificate.Kind.CONDITIONAL: (
        "经审查，该工程竣工档案的主审要件齐全，同意按容缺受理方式先行通过竣工档案验收。\n"
        "建设单位已签署限时承诺，须于${commitment_deadline}前补交下列容缺档案资料；逾期未补交的，"
        "本意见书中止效力；补交并经审核通过后，本馆换发正式验收意见书。"
        "本意见书经涂改或未加盖本馆印章无效。"
    ),
}


def opinion_text(kind: str, values: dict[str, str]) -> str:
    """The current template of ``kind`` with its ``${placeholders}`` filled from ``values``."""
    template = OpinionTemplate.objects.filter(kind=kind).values_list("text", flat=True).first()
    # safe_substitute: a placeholder the archive mistyped stays visible instead of failing issuance.
    return Template(template or DEFAULT_OPINIONS[kind]).safe_substitute(values)

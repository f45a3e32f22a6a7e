"""What the task panels of conditional acceptance need besides ``task`` and ``case``."""

from django import template

from ..models import CommitmentPolicy
from ..selectors.commitments import case_commitment
from ..selectors.completeness import completeness_report
from ..selectors.notifications import notifications_for

register = template.Library()


@register.simple_tag
def decision_facts(case) -> dict:
    """The completeness report, the items the policy lets the reviewer tolerate, eligibility."""
    policy = CommitmentPolicy.objects.current()
    report = completeness_report(case)
    missing = set(report.missing_tolerable) | set(report.missing_blocking)
    in_case = {item.code for item in report.items}
    tolerable = [
        {"item": item, "missing": item.code in missing}
        for item in case.catalog_version.items.filter(active=True).order_by("code")
        if policy.allows(item) and item.code in in_case
    ]
    return {
        "report": report,
        "policy": policy,
        "owner": case.project.owner,
        "tolerable": tolerable,
        # What the decision is about first; the policy's whole list (most of the catalog, since
        # only the core items are never tolerable) is folded.
        "tolerable_missing": [entry for entry in tolerable if entry["missing"]],
    }


@register.simple_tag
def commitment_of(case):
    return case_commitment(case)


@register.inclusion_tag("acceptance/_notification_list.html", takes_context=True)
def notifications(context) -> dict:
    # The page's context goes along: the list's forms need its request and CSRF token.
    return {**context.flatten(), "notifications": notifications_for(context["request"].user)}

"""The roles a signed-in person holds on this site, for navigation and the home page.

Owners are members of an owner organisation; reviewers, supervisors and auditors are groups.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import SimpleLazyObject

from workflows.groups import user_groups

AUDITORS = "auditors"
REVIEWERS = "reviewers"
SUPERVISORS = "supervisors"


@dataclass(frozen=True)
class Roles:
    owner: bool = False
    reviewer: bool = False
    supervisor: bool = False
    auditor: bool = False


def user_roles(user) -> Roles:
    if not user.is_authenticated:
        return Roles()
    groups = {group.name for group in user_groups(user)}
    return Roles(
        owner=user.organisations.exists(),
        reviewer=REVIEWERS in groups,
        supervisor=SUPERVISORS in groups,
        auditor=AUDITORS in groups,
    )


def roles(request) -> dict:
    """Context processor: ``roles`` for every template, worked out when a template first asks
    (a view that passes its own, as the home page does, saves the query)."""
    return {"roles": SimpleLazyObject(lambda: user_roles(request.user))}

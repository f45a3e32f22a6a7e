"""Whether the signed-in person is an inspector (a member of the ``inspectors`` group)."""

from __future__ import annotations

from workflows.groups import in_groups

INSPECTORS = "inspectors"


def is_inspector(user) -> bool:
    return in_groups(user, (INSPECTORS,))


def inspector(request) -> dict:
    """Context processor: ``is_inspector`` for the navigation."""
    return {"is_inspector": is_inspector(request.user)}

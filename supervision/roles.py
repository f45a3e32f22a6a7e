"""Whether the signed-in person is an inspector (a member of the ``inspectors`` group)."""

from __future__ import annotations

INSPECTORS = "inspectors"


def is_inspector(user) -> bool:
    return user.is_authenticated and user.groups.filter(name=INSPECTORS).exists()


def inspector(request) -> dict:
    """Context processor: ``is_inspector`` for the navigation."""
    return {"is_inspector": is_inspector(request.user)}

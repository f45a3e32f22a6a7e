"""Reads of records access: what a requester sees of their requests, the archivist's queue."""

from __future__ import annotations

from acceptance.models import Material

from .models import AccessRequest


def record_closed(material: Material) -> bool:
    """True when the open catalog closes the record (不开放) to requesters."""
    return False


ARCHIVISTS = "archivists"
AUDITORS = "auditors"


def is_archivist(user) -> bool:
    return user.is_authenticated and user.groups.filter(name=ARCHIVISTS).exists()


def access_requests_visible_to(user):
    """Archivists and auditors see every request; anyone else only their own."""
    if user.groups.filter(name__in=(ARCHIVISTS, AUDITORS)).exists():
        return AccessRequest.objects.select_related("purpose", "project")
    return requests_of(user)


def requests_of(user):
    return (
        AccessRequest.objects.filter(requester=user)
        .select_related("purpose", "project")
        .order_by("-created_at")
    )


def request_for_requester(user, reference: str) -> AccessRequest | None:
    """The request if ``user`` made it; None alike for another's and for no such request."""
    return requests_of(user).filter(reference=reference).first()

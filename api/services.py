"""Writes of the API's own records; everything else it writes goes through the domain."""

from __future__ import annotations

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from acceptance.models import Organisation, Project
from acceptance.services.projects import project_register

from .exceptions import ExternalCreationInProgress
from .models import ExternalProjectReference

# A claim on an external reference whose project never came (the process died in between) is
# given up after this long, so that the platform's next call can create the project.
ABANDONED_CLAIM = timedelta(minutes=5)


def _in_progress() -> ExternalCreationInProgress:
    return ExternalCreationInProgress(
        "该外部编号的项目正在创建中，请稍后重试",
        "a project under this external reference is being created; retry shortly",
        field="external_reference",
    )


def _claim(platform, external_reference: str) -> tuple[ExternalProjectReference, bool]:
    """The reference's row, and whether this call made it (and so must create the project)."""
    for _ in range(2):
        existing = ExternalProjectReference.objects.filter(
            platform=platform, external_reference=external_reference
        ).first()
        if existing is not None:
            if existing.project_id is not None:
                return existing, False
            if existing.created_at > timezone.now() - ABANDONED_CLAIM:
                raise _in_progress()
            existing.delete()
        try:
            # Committed before the project is registered (project_register is durable): a
            # simultaneous second call finds the reference taken instead of creating a twin.
            with transaction.atomic():
                return ExternalProjectReference.objects.create(
                    platform=platform, external_reference=external_reference
                ), True
        except IntegrityError:
            continue
    raise _in_progress()


def project_create_external(
    *,
    platform,
    external_reference: str,
    owner: Organisation,
    name: str,
    location: str,
    works_type: str,
    **facts,
) -> tuple[Project, bool]:
    """Register a project for an external platform, once per (platform, external_reference).

    Returns the project and whether this call created it; a repeated call returns the project
    the first one created, whatever else it says.
    """
    mapping, claimed = _claim(platform, external_reference)
    if not claimed:
        return mapping.project, False
    try:
        project = project_register(
            user=platform, owner=owner, name=name, location=location, works_type=works_type, **facts
        )
    except BaseException:
        mapping.delete()
        raise
    mapping.project = project
    mapping.save(update_fields=("project",))
    return project, True

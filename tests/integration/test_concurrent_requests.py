"""Races on PostgreSQL end in a clear refusal for the losers, never a server error."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile

from acceptance.exceptions import DuplicateMaterial
from acceptance.models import CatalogItem, Material
from acceptance.selectors.cases import case_open_task
from acceptance.services.materials import material_upload
from workflows.engine import task_complete
from workflows.exceptions import TaskAlreadyClaimed, TaskNotAvailable, TaskPermissionDenied
from workflows.inbox import task_claim
from workflows.journal import verify_chain
from workflows.models import JournalEntry

from .scenario import case_waiting_for_first_guidance
from .test_certificate_numbering import run_concurrently

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def case_at_guidance(real_stack, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return case_waiting_for_first_guidance()


def more_reviewers(prefix: str, count: int) -> list:
    """``count`` new reviewers, named ``<prefix>_<n>``."""
    group = Group.objects.get(name="reviewers")
    reviewers = []
    for number in range(count):
        reviewer = get_user_model().objects.create_user(f"{prefix}_{number}")
        reviewer.groups.add(group)
        reviewers.append(reviewer)
    return reviewers


def test_thirty_reviewers_racing_for_one_task_one_claims_it_and_29_are_told_already_claimed(
    case_at_guidance,
):
    case, first, second = case_at_guidance
    reviewers = [first, second, *more_reviewers("int_racer", 28)]
    task = case_open_task(case, "node_guidance")

    claimed, errors = run_concurrently(
        lambda user: task_claim(task_id=task.task_id, user=user), reviewers
    )

    assert len(claimed) == 1
    assert len(errors) == 29 and all(isinstance(e, TaskAlreadyClaimed) for e in errors), errors
    winner = claimed[0].assignee.get_username()
    assert {e.data["assignee"] for e in errors} == {winner}


def test_forty_concurrent_uploads_of_one_file_store_it_once_and_refuse_39_as_duplicates(
    case_at_guidance,
):
    case, _first, _second = case_at_guidance
    owner = case.owner_user
    item = CatalogItem.objects.get(code="C5-4", version=case.catalog_version)
    content = b"%PDF-1.4\n% the same report sent forty times at once\n"

    def upload(number):
        return material_upload(
            case=case, user=owner, catalog_item=item, name=f"report-{number}.pdf",
            file=ContentFile(content, name=f"report-{number}.pdf"),
        )  # fmt: skip

    stored, errors = run_concurrently(upload, list(range(40)))

    assert len(stored) == 1
    assert len(errors) == 39 and all(isinstance(e, DuplicateMaterial) for e in errors), errors
    assert {e.data["existing"] for e in errors} == {stored[0].pk}
    sha256 = stored[0].sha256
    assert Material.objects.filter(case=case, sha256=sha256).count() == 1
    folder = (settings.MEDIA_ROOT / stored[0].file.name).parent
    # The losers' files are gone: only the stored version's file is left.
    assert [path.name for path in folder.iterdir()] == [Path(stored[0].file.name).name]


def test_reviewers_claiming_and_completing_one_task_at_once_never_complete_anothers_claim(
    case_at_guidance,
):
    """A completion reads its task without the task's lock (claims take that lock alone): the
    journal shows each claim made while the task was free, and the one completion made by the
    task's holder of the moment, or while it was free; the chain stays intact."""
    case, first, second = case_at_guidance
    reviewers = [first, second, *more_reviewers("int_decider", 10)]
    task = case_open_task(case, "node_guidance")

    def claim_or_complete(user):
        if reviewers.index(user) % 2:
            return task_claim(task_id=task.task_id, user=user)
        return task_complete(task_id=task.task_id, user=user, data={"guidance": "approve"})

    done, errors = run_concurrently(claim_or_complete, reviewers)

    assert all(isinstance(e, (TaskAlreadyClaimed, TaskNotAvailable, TaskPermissionDenied))
               for e in errors), [repr(e) for e in errors]  # fmt: skip
    holder, completed_by = None, []
    for entry in JournalEntry.objects.filter(chain=case.reference, task_id=task.task_id):
        if entry.kind == "task.claimed":
            assert holder is None and not completed_by
            holder = entry.actor
        elif entry.kind == "task.completed":
            assert holder in (None, entry.actor)
            completed_by.append(entry.actor)
    assert len(completed_by) <= 1
    assert len(done) == len(completed_by) + (holder is not None)
    assert verify_chain(case.reference).intact

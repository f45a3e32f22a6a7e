"""The deadline sweep at scale: its statements per overdue commitment, its idempotency, and one
broken commitment among many.

Commitments are made directly (a case with its conditional certificate each, no process): the
sweep reads only the commitment, its case and its certificates, as in ``bench/sweep.py``.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from acceptance.models import (
    Case,
    CatalogItem,
    CatalogVersion,
    Commitment,
    CommitmentPolicy,
    Decision,
    Notification,
    Organisation,
    Project,
)
from acceptance.services import commitments as commitment_services
from acceptance.services.catalog import catalog_seed
from acceptance.services.commitments import commitments_sweep
from certificates.models import Certificate
from workflows.journal import verify_chain
from workflows.models import JournalEntry

from .conftest import make_user

pytestmark = pytest.mark.django_db

Status = Commitment.Status
# The default policy: calendar days, reminders 30, 7 and 1 days ahead, escalation after 30 days.
TERMS = CommitmentPolicy().terms()


@pytest.fixture
def people():
    catalog_seed()
    owner = make_user("sweep_owner", "owners")
    owner.email = "owner@example.org"
    owner.save()
    supervisor = make_user("sweep_supervisor", "supervisors")
    supervisor.email = "supervisor@example.org"
    supervisor.save()
    organisation = Organisation.objects.create(name="巡检测试建设单位")
    organisation.members.add(owner)
    project = Project.objects.create(
        reference="SWEEP-T", name="巡检测试工程", location="上海", works_type="building",
        owner=organisation, created_by=owner,
    )  # fmt: skip
    return owner, supervisor, project


def commitments(people, count: int, *, start: int = 0, due_in=None, kind=Commitment.Kind.DELIVERY):
    """``count`` pending commitments, each on a case of its own with an issued conditional
    certificate, past their deadline by a minute or more (or due in ``due_in``)."""
    owner, _supervisor, project = people
    now = timezone.now()
    item = CatalogItem.objects.order_by("pk").first()
    made = []
    for index in range(start, start + count):
        case = Case.objects.create(
            reference=f"YS-SWEEP-{index:03}",
            project=project,
            owner_user=owner,
            catalog_version=CatalogVersion.objects.current(),
        )
        delivery = kind == Commitment.Kind.DELIVERY
        commitment = Commitment.every_kind.create(
            case=case,
            kind=kind,
            decision=(
                Decision.objects.create(case=case, outcome="conditional", decided_by=owner)
                if delivery
                else None
            ),
            period="P3M",
            status=Status.PENDING,
            signed_by=owner,
            signed_at=now - timedelta(days=90),
            deadline=now + due_in if due_in else now - timedelta(minutes=index + 1),
            terms=TERMS,
        )
        commitment.items.add(item)
        Certificate.objects.create(
            number=f"RQ-SWEEP-{index:03}",
            case=case,
            project_name=project.name,
            journal_chain=case.reference,
            kind=Certificate.Kind.CONDITIONAL,
            issue_key=f"sweep-{index}",
            pdf="certificates/none.pdf",
            pdf_sha256="0" * 64,
            verification_code="SWEEP",
        )
        made.append(commitment)
    return made


def sweep_counted(now=None):
    """The sweep's result and the number of SQL statements it took."""
    with CaptureQueriesContext(connection) as queries:
        result = commitments_sweep(now)
    return result, len(queries.captured_queries)


def statuses(model) -> dict[str, int]:
    return {
        status: model.objects.filter(status=status).count()
        for status in model.objects.values_list("status", flat=True).distinct()
    }


def test_the_sweep_takes_as_many_statements_for_twenty_overdue_commitments_as_for_one(people):
    commitments(people, 1)
    one, one_statements = sweep_counted()
    commitments(people, 20, start=1)
    twenty, twenty_statements = sweep_counted()

    assert (one.overdue, twenty.overdue) == (1, 20)
    # Statements per batch (up to SWEEP_BATCH commitments), none per commitment: the due ids; the
    # rows locked, updated and journaled; their certificates locked, suspended and journaled; the
    # items, the supervisors, the notices; then the escalation and reminder queries.
    assert one_statements <= 20
    assert twenty_statements == one_statements
    assert statuses(Commitment) == {Status.OVERDUE: 21}
    assert statuses(Certificate) == {Certificate.Status.SUSPENDED: 21}


def test_escalations_take_as_many_statements_for_twenty_as_for_one(people):
    _first, *others = commitments(people, 21)
    commitments_sweep()
    late = timezone.now() + timedelta(days=31)
    Commitment.objects.filter(pk__in=[c.pk for c in others]).update(deadline=late)

    one, one_statements = sweep_counted(late)
    twenty, twenty_statements = sweep_counted(late + timedelta(days=31))

    assert (one.escalated, twenty.escalated) == (1, 20)
    assert twenty_statements == one_statements
    assert statuses(Commitment) == {Status.ESCALATED: 21}
    notices = Notification.objects.filter(kind=Notification.Kind.ESCALATED)
    assert (
        sorted(notices.values_list("recipient__username", flat=True)) == ["sweep_supervisor"] * 21
    )
    assert "逾期超过 30 天仍未履行" in notices.first().body_zh


def test_reminders_take_as_many_statements_for_twenty_as_for_one(
    people, django_capture_on_commit_callbacks
):
    commitments(people, 1, due_in=timedelta(days=5))
    with django_capture_on_commit_callbacks(execute=True):
        one, one_statements = sweep_counted()
    commitments(people, 20, start=1, due_in=timedelta(days=5))
    # Counted in working days, on the holiday calendar read once for all of them.
    Commitment.objects.exclude(case__reference="YS-SWEEP-000").update(
        terms={**TERMS, "day_count": "working"}
    )
    with django_capture_on_commit_callbacks(execute=True):
        twenty, twenty_statements = sweep_counted()

    assert (one.reminders, twenty.reminders) == (1, 20)
    # The one more is the holiday calendar's year, read once for the twenty working-day counts.
    assert twenty_statements == one_statements + 1
    titles = set(Notification.objects.values_list("title_zh", flat=True))
    assert "YS-SWEEP-000 承诺还剩 5 天到期" in titles
    assert any(t.startswith("YS-SWEEP-007 承诺还剩 ") and "个工作日到期" in t for t in titles)
    assert len(mail.outbox) == 21


def test_each_transition_is_journaled_once_and_a_second_sweep_changes_nothing(
    people, django_capture_on_commit_callbacks
):
    made = commitments(people, 3)
    with django_capture_on_commit_callbacks(execute=True):
        first = commitments_sweep()
    entries = JournalEntry.objects.count()
    notices = Notification.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        second = commitments_sweep()

    assert (first.overdue, second.overdue) == (3, 0)
    assert (JournalEntry.objects.count(), Notification.objects.count()) == (entries, notices)
    for commitment in made:
        chain = commitment.case.reference
        assert [e.kind for e in JournalEntry.objects.filter(chain=chain).order_by("sequence")] == [
            "commitment.overdue",
            "certificate.suspended",
        ]
        assert verify_chain(chain).intact
    overdue = JournalEntry.objects.filter(kind="commitment.overdue").first()
    assert overdue.actor == "system:commitment-sweep"
    assert (overdue.payload["from"], overdue.payload["to"]) == ("pending", "overdue")
    # The owner and the supervisor, each once per commitment, in the app and by email.
    assert Notification.objects.filter(kind=Notification.Kind.OVERDUE).count() == 6
    assert (
        sorted(m.to[0] for m in mail.outbox)
        == ["owner@example.org"] * 3 + ["supervisor@example.org"] * 3
    )
    assert "容缺材料（" in mail.outbox[0].body


def test_an_overdue_rectification_notifies_without_suspending_beside_deliveries(people):
    commitments(people, 2)
    (rectification,) = commitments(people, 1, start=2, kind=Commitment.Kind.RECTIFICATION)

    assert commitments_sweep().overdue == 3

    suspended = Certificate.objects.filter(status=Certificate.Status.SUSPENDED)
    assert sorted(suspended.values_list("case__reference", flat=True)) == [
        "YS-SWEEP-000",
        "YS-SWEEP-001",
    ]
    notices = Notification.objects.filter(case=rectification.case)
    assert {n.title_zh for n in notices} == {"YS-SWEEP-002 整改已逾期"}
    assert sorted(notices.values_list("recipient__username", flat=True)) == [
        "sweep_owner",
        "sweep_supervisor",
    ]
    (entry,) = JournalEntry.objects.filter(chain="YS-SWEEP-002")
    assert entry.payload["kind"] == "rectification"


def test_one_broken_commitment_leaves_the_others_overdue(people, monkeypatch, caplog):
    made = commitments(people, 5)
    broken = made[2]
    notice = commitment_services._overdue_notice

    def failing_notice(commitment, *args):
        if commitment.pk == broken.pk:
            raise RuntimeError("broken commitment")
        return notice(commitment, *args)

    monkeypatch.setattr(commitment_services, "_overdue_notice", failing_notice)

    assert commitments_sweep().overdue == 4

    broken.refresh_from_db()
    assert broken.status == Status.PENDING
    assert Certificate.objects.get(case=broken.case).status == Certificate.Status.ISSUED
    assert not JournalEntry.objects.filter(chain=broken.case.reference).exists()
    assert statuses(Commitment) == {Status.OVERDUE: 4, Status.PENDING: 1}
    assert f"commitment sweep: commitment {broken.pk} failed" in caplog.text


def test_each_commitment_escalates_after_its_own_period(people):
    """The escalation period is each commitment's own (its terms), 30 days when they name none."""
    ten, thirty, unnamed = commitments(people, 3)
    Commitment.objects.filter(pk=ten.pk).update(terms={**TERMS, "escalate_after_days": 10})
    Commitment.objects.filter(pk=unnamed.pk).update(
        terms={k: v for k, v in TERMS.items() if k != "escalate_after_days"}
    )
    commitments_sweep()
    deadline = Commitment.objects.get(pk=thirty.pk).deadline
    Commitment.objects.update(deadline=deadline)

    def escalated() -> set[int]:
        return set(Commitment.objects.filter(status=Status.ESCALATED).values_list("pk", flat=True))

    assert commitments_sweep(deadline + timedelta(days=10, seconds=-1)).escalated == 0
    assert commitments_sweep(deadline + timedelta(days=10)).escalated == 1
    assert escalated() == {ten.pk}
    assert commitments_sweep(deadline + timedelta(days=30, seconds=-1)).escalated == 0
    assert commitments_sweep(deadline + timedelta(days=30)).escalated == 2
    assert escalated() == {ten.pk, thirty.pk, unnamed.pk}


def test_the_reminders_look_up_the_keys_already_sent_by_index(people):
    """Every sweep looks up which of the reminders reached were sent already: by the key's
    index, not by reading (and sorting) every notification ever sent."""
    commitments(people, 1, due_in=timedelta(days=5))
    with CaptureQueriesContext(connection) as queries:
        assert commitments_sweep().reminders == 1
    (look_up,) = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith('SELECT "acceptance_notification"."key"')
    ]
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {look_up}")
        plan = " / ".join(row[-1] for row in cursor.fetchall())

    assert "USING COVERING INDEX" in plan
    assert "SCAN acceptance_notification" not in plan
    assert "ORDER BY" not in plan

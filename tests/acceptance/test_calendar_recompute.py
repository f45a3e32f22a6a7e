"""Entering a year's holiday arrangement moves the open commitment deadlines it affects.

2027's arrangement is not published yet (December 2026): staff enter a test one here, with a
Spring Festival from Saturday 6 to Friday 12 February and Saturday 13 February worked.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from acceptance.deadlines import SHANGHAI
from acceptance.models import Commitment, CommitmentPolicy, Notification
from acceptance.services.commitments import commitments_sweep
from workflows.holiday_notice import notice_parse
from workflows.journal import verify_chain
from workflows.replay import replay_instance
from workflows.timers import fire_due_timers
from workflows.workdays import calendar_year_enter

from .conftest import TOLERATED

pytestmark = pytest.mark.django_db(transaction=True)

TEST_2027 = Path(__file__).parent.parent / "workflows" / "data" / "holidays-2027-test.txt"
Status = Commitment.Status


def local_day(moment: datetime) -> date:
    return timezone.localtime(moment, SHANGHAI).date()


@pytest.fixture
def signed_in_2027(open_case, clock):
    """A 3-month working-day commitment signed on Monday 18 January 2027, 2027 not entered."""
    CommitmentPolicy.objects.create(day_count="working")
    flow = open_case(leave_out=[TOLERATED])
    flow.reach_decision()
    clock.move_to(datetime(2027, 1, 18, 10, tzinfo=SHANGHAI))
    flow.accept_conditionally()
    return flow


def test_entering_2027_moves_a_deadline_across_the_spring_festival_and_tells_the_owner(
    signed_in_2027, clock
):
    flow = signed_in_2027
    before = flow.commitment.deadline
    # 65 working days counted Monday to Friday: Monday 19 April.
    assert local_day(before) == date(2027, 4, 19)

    notice = notice_parse(TEST_2027.read_text(encoding="utf-8"))
    change = calendar_year_enter(
        year=notice.year, days=notice.days(), source=notice.source, actor="staff_test"
    )

    # Five weekdays of the Spring Festival are off and Saturday 13 February is worked: 4 later.
    after = flow.commitment.deadline
    assert change.deadlines_moved == 1
    assert local_day(after) == date(2027, 4, 23)
    (entry,) = flow.journal("commitment.deadline_recomputed")
    assert entry.actor == "staff_test"
    assert datetime.fromisoformat(entry.payload["from"]) == before
    assert datetime.fromisoformat(entry.payload["to"]) == after
    (notice_to_owner,) = Notification.objects.filter(kind=Notification.Kind.DEADLINE_CHANGED)
    assert notice_to_owner.recipient == flow.owner
    assert "2027-04-19 23:59" in notice_to_owner.body_zh
    assert "2027-04-23 23:59" in notice_to_owner.body_zh
    assert "2027 年节假日安排调整" in notice_to_owner.body_zh

    # The process's deadline timer moved too: nothing falls due at the old deadline.
    assert flow.instance.next_timer_at == after
    clock.move_to(before + timedelta(minutes=1))
    assert fire_due_timers() == 0
    assert commitments_sweep().overdue == 0
    assert flow.commitment.status == Status.PENDING
    clock.move_to(after + timedelta(minutes=1))
    assert fire_due_timers() == 1
    assert flow.commitment.status == Status.OVERDUE

    # The journal holds, and a replay moves the timer as the run did.
    assert verify_chain(flow.case.reference).intact
    assert replay_instance(flow.instance).verified


def test_entering_the_same_arrangement_again_moves_nothing(signed_in_2027):
    notice = notice_parse(TEST_2027.read_text(encoding="utf-8"))
    first = calendar_year_enter(
        year=2027, days=notice.days(), source=notice.source, actor="staff_test"
    )
    again = calendar_year_enter(
        year=2027, days=notice.days(), source=notice.source, actor="staff_test"
    )
    assert (first.deadlines_moved, again.deadlines_moved) == (1, 0)
    assert again.changed == []
    assert Notification.objects.filter(kind=Notification.Kind.DEADLINE_CHANGED).count() == 1

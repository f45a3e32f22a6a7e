"""Supervisors drawing the same plan at once on PostgreSQL: the plan row's lock lets exactly one
draw through; every other request is told who drew, and nothing is drawn twice."""

from __future__ import annotations

import pytest

from acceptance.roles import SUPERVISORS
from supervision.exceptions import DrawConflict
from supervision.models import Draw
from supervision.services import plan_chain, plan_draw
from workflows.journal import chain_entries, verify_chain

from ..acceptance.conftest import make_user
from ..supervision.conftest import world  # noqa: F401 (the fixture)
from .test_certificate_numbering import run_concurrently

pytestmark = pytest.mark.django_db(transaction=True)


def test_eight_supervisors_drawing_at_once_make_one_draw_and_seven_clear_answers(
    real_stack,
    world,  # noqa: F811
):
    plan = world.ready()
    supervisors = [make_user(f"race_supervisor_{n}", SUPERVISORS) for n in range(8)]

    results, errors = run_concurrently(
        lambda actor: plan_draw(plan=plan, actor=actor, seen_draws=0), supervisors
    )

    assert len(results) == 1 and Draw.objects.filter(plan=plan).count() == 1
    assert len(errors) == 7 and all(isinstance(error, DrawConflict) for error in errors)
    winner = results[0].drawn_by.get_username()
    assert all(f"{winner} 已于" in error.message_zh for error in errors)
    kinds = [entry.kind for entry in chain_entries(plan_chain(plan))]
    assert kinds.count("supervision.draw_made") == 1
    assert verify_chain(plan_chain(plan)).intact


def test_concurrent_redraws_with_reasons_add_exactly_one_second_draw(
    real_stack,
    world,  # noqa: F811
):
    plan = world.ready()
    plan_draw(plan=plan, actor=world.supervisor, seen_draws=0)
    supervisors = [make_user(f"redraw_supervisor_{n}", SUPERVISORS) for n in range(4)]

    results, errors = run_concurrently(
        lambda actor: plan_draw(
            plan=plan, actor=actor, seen_draws=1, reason="抽中对象已注销，经批准重新抽取"
        ),
        supervisors,
    )

    assert [draw.number for draw in results] == [2]
    assert len(errors) == 3 and all(isinstance(error, DrawConflict) for error in errors)
    assert list(Draw.objects.filter(plan=plan).values_list("number", flat=True)) == [1, 2]

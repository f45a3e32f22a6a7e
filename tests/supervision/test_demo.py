"""The demo's supervision part: one plan from draw to a published outcome, one inspection left
waiting for its lead inspector."""

from __future__ import annotations

import io

from django.core.management import call_command

from supervision import demo
from supervision.models import Inspection, InspectionPlan
from supervision.selectors import public_targets
from workflows.models import HumanTask


def test_the_demo_publishes_one_outcome_and_leaves_one_inspection_waiting(world):
    call_command("deploy_processes", verbosity=0, stdout=io.StringIO())
    world.give_owners()
    said: list[str] = []

    plan = demo.run(say=said.append)

    assert plan.status == InspectionPlan.Status.INSPECTING
    outcomes = sorted(row["outcome"] for row in public_targets(plan.draws.get(), 1))
    assert outcomes == ["inspecting", "rectified"]
    waiting = Inspection.objects.get(status=Inspection.Status.INSPECTING)
    task = HumanTask.objects.open().get(instance__business_key=waiting.reference)
    assert (task.task_name, task.assignee) == ("inspect", waiting.lead_inspector)
    assert any(waiting.lead_inspector.get_username() in line for line in said)
    assert any(f"/supervision/public/{plan.reference}/" in line for line in said)

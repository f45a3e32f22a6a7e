"""A parallel multi-instance asynchronous service task: one job per item, any finishing order."""

from __future__ import annotations

import pytest

from workflows import definitions, engine
from workflows.engine import service_job_run
from workflows.models import ServiceJob
from workflows.replay import replay_instance

from .helpers import open_task, open_task_names
from .test_engine import Handler

pytestmark = pytest.mark.django_db


@pytest.fixture
def parallel(services, deploy):
    handler = services.register("wftest.background", Handler(), asynchronous=True)
    deploy("parallel_async_service.bpmn")
    return handler


def test_each_item_gets_its_own_job_and_the_flow_waits_for_all(parallel, start):
    instance = start("wf_parallel", key="PAR-1", subjects=["A", "B", "C"])
    jobs = list(ServiceJob.objects.filter(instance=instance).order_by("pk"))

    assert [job.params for job in jobs] == [{"subject": s} for s in ("A", "B", "C")]
    assert len({job.task_id for job in jobs}) == 3
    assert {job.task_name for job in jobs} == {"check_each [child]"}  # SpiffWorkflow's name

    # Finished out of order: the flow moves on only after the last one.
    service_job_run(jobs[2].pk)
    service_job_run(jobs[0].pk)
    assert open_task_names(instance) == []
    service_job_run(jobs[1].pk)

    # SpiffWorkflow collects the outputs in finishing order: results must name their item.
    results = open_task(instance, "inspect").context["results"]
    assert [r["echo"]["subject"] for r in results] == ["C", "A", "B"]


def test_an_empty_collection_runs_no_job_and_moves_on(parallel, start):
    instance = start("wf_parallel", key="PAR-2", subjects=[])
    assert not ServiceJob.objects.filter(instance=instance).exists()
    assert open_task(instance, "inspect").context["results"] == []


def test_a_replay_gives_each_result_to_the_instance_with_its_parameters(parallel, start):
    instance = start("wf_parallel", key="PAR-3", subjects=["A", "B", "C"])
    jobs = list(ServiceJob.objects.filter(instance=instance).order_by("pk"))
    for job in (jobs[1], jobs[2], jobs[0]):
        service_job_run(job.pk)

    instance.refresh_from_db()
    verdict = replay_instance(instance)

    assert verdict.verified, verdict.describe()


def test_jobs_finished_by_another_process_still_move_the_flow_on(parallel, start, monkeypatch):
    """A worker loads the state onto specs it parsed itself and keeps no workflow of ours."""
    instance = start("wf_parallel", key="PAR-4", subjects=["A", "B", "C"])
    jobs = list(ServiceJob.objects.filter(instance=instance).order_by("pk"))

    for job in (jobs[2], jobs[0], jobs[1]):
        monkeypatch.setattr(engine, "KEPT_WORKFLOWS", engine.KeptWorkflows(size=0))
        definitions._parsed_specs.clear()
        service_job_run(job.pk)

    results = open_task(instance, "inspect").context["results"]
    assert [r["echo"]["subject"] for r in results] == ["C", "A", "B"]

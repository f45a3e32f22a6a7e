"""Faults under the job path: the broker killed at commit, a worker's main process killed, the
database backend terminated, the media disk full. Each ends with every job done exactly once, no
case stuck, the journal verified and replayed, within a stated time; each prints its tally
(pytest -s shows it: lost, duplicated, stuck, recovery time).

Every test has its own Redis, workers, sweeper (the stand-in for beat) and "web" process (a
``manage.py shell`` that makes the user's change), so it can break them without touching the
session's worker. Leases and the sweep are short (seconds) through the environment.
"""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from acceptance.models import Case, Material
from workflows.models import OutboxJob, ProcessInstance, ServiceJob

from .faults import assert_every_job_done_once, check_instances, tally, wait_until_settled
from .stack import CALL_FAILED, REPO, RedisServer, Worker, stack_env

pytestmark = pytest.mark.django_db(transaction=True)

FAST_JOBS = {
    "WORKFLOWS_JOB_LEASE_SECONDS": "4",
    "WORKFLOWS_JOB_HEARTBEAT_SECONDS": "1",
    "WORKFLOWS_JOB_PICKUP_SECONDS": "5",
    "WORKFLOWS_JOB_BACKOFF_SECONDS": "1",
    "WORKFLOWS_JOB_ATTEMPTS": "6",
}
# The stated time: from the fault (or the end of the outage) to every job done.
RECOVERY_SECONDS = 120
SERVICE_JOB = "workflows.run_service_job"

# The user's changes, made by the "web" process: the owner uploads the drawings (each upload
# queues its intake check), then one transaction starts a check job per drawing.
WEB = """
import os, signal
from pathlib import Path
from django.db import transaction
from tests.integration.faults import checks_start, drawing_copies, fault_case, fill
case, materials = fault_case("{tag}", drawing_copies("{source}", {count}))
with transaction.atomic():
    {at_commit}
    checks_start(case, materials)
print("committed", case.pk)
"""
_stacks = itertools.count()


class FaultStack:
    """Redis, workers, a sweeper and a web process of one test, all on the test database."""

    def __init__(self, directory: Path, signing_files, **env: str) -> None:
        self.directory = directory
        self.redis = RedisServer(directory)
        self.queue = f"faults-{os.getpid()}-{next(_stacks)}"
        self.env = stack_env(
            signing_files,
            CELERY_BROKER_URL=self.redis.url,
            CELERY_TASK_DEFAULT_QUEUE=self.queue,
            **FAST_JOBS,
            **env,
        )
        self.workers: list[Worker] = []
        self.sweeper: subprocess.Popen | None = None

    def worker(self) -> Worker:
        n = len(self.workers)
        worker = Worker(f"{self.queue}-{n}", self.env, self.directory / f"worker-{n}.log")
        self.workers.append(worker)
        return worker.wait_ready()

    def sweep_every_second(self) -> None:
        with (self.directory / "sweeper.log").open("w") as log:
            self.sweeper = subprocess.Popen(
                [sys.executable, "manage.py", "sweep_jobs", "--every", "1"],
                cwd=REPO, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip

    def web(self, tag: str, source: str, count: int, at_commit: str = "pass") -> subprocess.Popen:
        """The user's changes, in a process of its own (see ``WEB``); ``at_commit`` runs first
        when the check jobs' transaction commits."""
        script = WEB.format(tag=tag, source=source, count=count, at_commit=at_commit)
        return subprocess.Popen(
            [sys.executable, "manage.py", "shell", "-c", script],
            cwd=REPO, env={**self.env, "PGAPPNAME": "web"}, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True,
        )  # fmt: skip

    @staticmethod
    def case_made_by(web: subprocess.Popen) -> tuple[Case, list[Material], str]:
        """Wait for the web process; its case, drawings and log. It must have succeeded."""
        out, err = web.communicate(timeout=300)
        assert web.returncode == 0, err
        assert out.split()[-2] == "committed", out
        case = Case.objects.get(pk=int(out.split()[-1]))
        return case, list(case.materials.order_by("pk")), err

    def explain(self) -> None:
        """Print where the live processes are and the tail of every log (pytest shows a failing
        test's output), so a failure says which process stopped and why."""
        processes = [w.process for w in self.workers] + [self.sweeper]
        for process in processes:
            if process is not None and process.poll() is None:
                os.kill(process.pid, signal.SIGUSR1)  # each writes its threads' stacks to its log
        time.sleep(1)
        for log in sorted(self.directory.glob("*.log")):
            print(f"--- {log.name} (last lines)")
            print("\n".join(log.read_text(errors="replace").splitlines()[-150:]))
        for process in processes:
            if process is not None:
                print(f"--- {process.args[-2:]}: exit code {process.poll()}")

    def stop(self) -> None:
        if self.sweeper is not None:
            os.killpg(self.sweeper.pid, signal.SIGKILL)
            self.sweeper.wait()
        for worker in self.workers:
            worker.stop()
        self.redis.kill()


@pytest.fixture
def fault_stack(real_stack, signing_files, tmp_path, request):
    stacks: list[FaultStack] = []

    def make(**env: str) -> FaultStack:
        stacks.append(FaultStack(tmp_path, signing_files, **env))
        return stacks[-1]

    yield make
    failed = request.node.stash.get(CALL_FAILED, False)
    for stack in stacks:
        if failed:
            stack.explain()
        stack.stop()


def wait_for_a_running_job(stack: FaultStack, timeout: float = 90) -> OutboxJob:
    """A job some worker holds the lease of right now (a check or a preview)."""
    deadline = time.monotonic() + timeout
    running = OutboxJob.objects.filter(status="pending").exclude(lock_owner="")
    while time.monotonic() < deadline:
        if job := running.first():
            return job
        time.sleep(0.02)
    pytest.fail(f"no job started; the worker said:\n{stack.workers[-1].log()[-3000:]}")


def test_a_broker_killed_at_the_moment_of_commit_delays_the_jobs_and_loses_none(fault_stack):
    stack = fault_stack()
    stack.worker()
    stack.sweep_every_second()

    kill = f"transaction.on_commit(lambda: os.kill({stack.redis.process.pid}, signal.SIGKILL))"
    case, materials, log = stack.case_made_by(stack.web("broker", "MODEL.dxf", 12, kill))

    # The user's change committed and the user got no error, though no message could be sent.
    assert "the sweep will send it again" in log
    assert ServiceJob.objects.filter(instance__in=check_instances(case)).count() == 12
    assert OutboxJob.objects.filter(task=SERVICE_JOB, status="pending", tries=0).count() == 12
    assert {i.status for i in check_instances(case)} == {ProcessInstance.Status.RUNNING}

    time.sleep(3)  # an outage: the sweeper cannot send either
    stack.redis.start()  # the broker comes back, empty
    seconds = wait_until_settled(case, timeout=RECOVERY_SECONDS * 2)

    result = tally(case, materials, seconds)
    print(result.line("broker killed at commit (12 check jobs)"))
    assert_every_job_done_once(case, materials, result)
    assert result.seconds < RECOVERY_SECONDS


def test_a_broker_killed_while_a_worker_runs_a_job_and_waits_for_more_is_reconnected_to(
    fault_stack,
):
    """The worker holds one unacknowledged message (the running job) and a pending fetch for the
    next when the broker dies: it must reconnect once the broker is back, not give up."""
    stack = fault_stack()
    worker = stack.worker()
    stack.sweep_every_second()
    web = stack.web("busy", "Graz_10km_3m.dxf", 1)

    wait_for_a_running_job(stack)
    stack.redis.kill()
    time.sleep(1)
    stack.redis.start()
    case, materials, _ = stack.case_made_by(web)
    seconds = wait_until_settled(case, timeout=RECOVERY_SECONDS)

    assert worker.poll() is None, "the worker ended when the broker died"
    result = tally(case, materials, seconds)
    print(result.line("broker killed under a busy worker (1 check job)"))
    assert_every_job_done_once(case, materials, result)
    assert result.seconds < RECOVERY_SECONDS


def test_a_worker_whose_main_process_is_killed_mid_job_has_its_jobs_resumed(fault_stack):
    stack = fault_stack()
    first = stack.worker()
    stack.sweep_every_second()
    web = stack.web("kill", "Graz_10km_3m.dxf", 6)

    wait_for_a_running_job(stack)
    killed = time.monotonic()
    first.kill_main_process()
    stack.worker()  # the node's replacement
    case, materials, _ = stack.case_made_by(web)
    wait_until_settled(case, timeout=RECOVERY_SECONDS * 2)

    result = tally(case, materials, time.monotonic() - killed)
    print(result.line("worker main process SIGKILLed mid-job (6 check jobs)"))
    assert_every_job_done_once(case, materials, result)
    assert result.seconds < RECOVERY_SECONDS


def test_a_database_backend_terminated_mid_job_is_retried_not_an_incident(fault_stack):
    stack = fault_stack()
    stack.worker()
    stack.sweep_every_second()
    web = stack.web("pgterm", "Graz_10km_3m.dxf", 6)

    wait_for_a_running_job(stack)
    terminated = time.monotonic()
    with connection.cursor() as cursor:
        # Every backend of the test database but this one: the worker's, its heartbeats', the
        # sweeper's (the web process may lose its own, between its transactions).
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND application_name <> 'web'"
        )
        (backends,) = cursor.fetchone()
    assert backends >= 1
    case, materials, _ = stack.case_made_by(web)
    wait_until_settled(case, timeout=RECOVERY_SECONDS * 2)

    result = tally(case, materials, time.monotonic() - terminated)
    print(result.line(f"database backends terminated mid-job ({backends} backends, 6 jobs)"))
    assert_every_job_done_once(case, materials, result)
    assert result.seconds < RECOVERY_SECONDS


@pytest.fixture
def small_media_disk(tmp_path, settings):
    """MEDIA_ROOT on a 4 MiB tmpfs of its own."""
    mount = tmp_path / "media"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)], check=True)
    settings.MEDIA_ROOT = str(mount)
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=True)


def test_a_full_media_disk_delays_the_jobs_that_write_and_loses_none(fault_stack, small_media_disk):
    stack = fault_stack(MEDIA_ROOT=str(small_media_disk))
    stack.worker()
    stack.sweep_every_second()
    # The disk fills up as the check jobs are committed; their previews cannot be written.
    full = f"transaction.on_commit(lambda: fill(Path({str(small_media_disk)!r})))"
    case, materials, _ = stack.case_made_by(stack.web("disk", "MODEL.dxf", 4, full))

    deadline = time.monotonic() + 90
    previews = OutboxJob.objects.filter(task="acceptance.render_drawing_preview")
    while not previews.filter(error__contains="No space left").exists():
        assert time.monotonic() < deadline, "no job met the full disk"
        time.sleep(0.1)
    (small_media_disk / "filler").unlink()  # an operator frees space
    freed = time.monotonic()
    wait_until_settled(case, timeout=RECOVERY_SECONDS * 2)

    result = tally(case, materials, time.monotonic() - freed)
    print(result.line("media disk full (4 check jobs and their previews)"))
    assert_every_job_done_once(case, materials, result)
    assert previews.filter(tries__gt=1).exists()
    assert result.seconds < RECOVERY_SECONDS

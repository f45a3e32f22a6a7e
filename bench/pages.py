"""Page latency: the pages people wait on, served by gunicorn to concurrent clients.

The site gets ``cases`` cases with no files (file work is the intake and drawing benchmarks'
business): each opened by an owner, half submitted to the reviewer. gunicorn then serves it with
``--workers 3`` (the deployment's command, DEBUG off, the bench's database) on a loopback port,
and ``clients`` threads each send their share of a fixed number of requests per page, signed in
by session cookie as the role that reads the page. The floor is ``/health/live`` measured the same
way in the same run: what a request costs with no page work (gunicorn, the middleware, loopback).
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from .report import table
from .stack import REPO_ROOT, StackError

FLOOR = "/health/live"
DEPLOYED_CONN_MAX_AGE = "60"


@dataclass
class PageTimes:
    path: str
    role: str
    label: str
    seconds: list[float] = field(default_factory=list)
    failures: int = 0

    def percentile(self, p: float) -> float:
        ordered = sorted(self.seconds)
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


@dataclass
class PagesResult:
    cases: int
    clients: int
    requests: int
    workers: int
    pages: list[PageTimes]
    floor: PageTimes


def _site(cases: int) -> dict[str, str]:
    """Cases for the pages to list; the session key of each role, signed in."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command

    from acceptance.models import Organisation
    from acceptance.services.cases import case_open, case_task_complete
    from acceptance.services.catalog import catalog_seed
    from acceptance.services.projects import project_register

    call_command("deploy_processes", verbosity=0)
    catalog_seed()
    users = {}
    for role, group in (("owner", "owners"), ("reviewer", "reviewers")):
        user, _ = get_user_model().objects.get_or_create(username=f"bench_pages_{role}")
        user.groups.add(Group.objects.get_or_create(name=group)[0])
        users[role] = user
    organisation, _ = Organisation.objects.get_or_create(name="页面基准建设单位")
    organisation.members.add(users["owner"])
    for n in range(cases):
        project = project_register(
            user=users["owner"], owner=organisation, name=f"页面基准工程 {n + 1}",
            location="上海市浦东新区", works_type="building",
        )  # fmt: skip
        case = case_open(project=project, user=users["owner"])
        if n % 2:
            case_task_complete(case=case, task_name="node_submit", user=users["owner"])
    sessions = {}
    for role, user in users.items():
        session = SessionStore()
        session["_auth_user_id"] = str(user.pk)
        session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
        session["_auth_user_hash"] = user.get_session_auth_hash()
        session.create()
        sessions[role] = session.session_key
    return sessions


def _pages() -> list[tuple[str, str, str]]:
    """(role, path, label) of every page measured: lists at their fullest, one case, one task."""
    from acceptance.models import Case
    from workflows.models import HumanTask

    case = Case.objects.order_by("-pk").first()
    task = HumanTask.objects.open().filter(task_name="node_guidance").order_by("-pk").first()
    fixed = ["/", "/cases/", "/tasks/", "/api/cases/", "/api/tasks/", "/api/projects/"]
    return [
        *[("owner", path, path) for path in fixed if path not in ("/tasks/", "/api/tasks/")],
        *[("reviewer", path, path) for path in fixed],
        ("owner", f"/cases/{case.reference}/", "/cases/<case>/"),
        ("owner", f"/cases/{case.reference}/timeline/", "/cases/<case>/timeline/"),
        ("reviewer", f"/tasks/{task.task_id}/", "/tasks/<task>/"),
    ]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Gunicorn:
    """``gunicorn config.wsgi:application`` as a child with the bench's environment."""

    def __init__(self, workers: int, log_path: Path) -> None:
        self.port = _free_port()
        self.workers = workers
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Gunicorn:
        command = [
            sys.executable, "-m", "gunicorn", "config.wsgi:application",
            "--bind", f"127.0.0.1:{self.port}", "--workers", str(self.workers),
        ]  # fmt: skip
        # Connections kept between requests, as the Docker image keeps them (its Dockerfile).
        env = {"DATABASE_CONN_MAX_AGE": DEPLOYED_CONN_MAX_AGE, **os.environ}
        with self.log_path.open("w") as log:
            self.process = subprocess.Popen(
                command, cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise StackError(f"gunicorn exited at start:\n{self.log_path.read_text()[-2000:]}")
            try:
                urllib.request.urlopen(self.url(FLOOR), timeout=2).read()
                return self
            except OSError:
                time.sleep(0.2)
        raise StackError("gunicorn did not answer in 60 s")

    def __exit__(self, *exc) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=30)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


def _get(url: str, session_key: str) -> tuple[float, bool]:
    request = urllib.request.Request(url, headers={"Cookie": f"sessionid={session_key}"})
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()
            ok = response.status == 200
    except OSError:
        ok = False
    return time.perf_counter() - started, ok


def _load(server: Gunicorn, page: PageTimes, session: str, clients: int, requests: int) -> None:
    url = server.url(page.path)
    for _ in range(clients):  # each process and connection warmed before timing
        _get(url, session)
    with ThreadPoolExecutor(max_workers=clients) as pool:
        for seconds, ok in pool.map(lambda _: _get(url, session), range(requests)):
            page.seconds.append(seconds)
            page.failures += not ok


def measure(
    tmp: Path, *, cases: int = 50, clients: int = 10, requests: int = 200, workers: int = 3
) -> PagesResult:
    sessions = _site(cases)
    pages = [PageTimes(path, role, label) for role, path, label in _pages()]
    floor = PageTimes(FLOOR, "—", f"{FLOOR} (floor)")
    with Gunicorn(workers, tmp / "gunicorn.log") as server:
        _load(server, floor, sessions["owner"], clients, requests)
        for page in pages:
            _load(server, page, sessions[page.role], clients, requests)
    return PagesResult(cases, clients, requests, workers, pages, floor)


def report(result: PagesResult) -> str:
    floor95 = result.floor.percentile(95)
    rows = [
        [
            page.role,
            page.label,
            f"{statistics.median(page.seconds) * 1000:.0f}",
            f"{page.percentile(95) * 1000:.0f}",
            f"{page.percentile(95) / floor95:.1f}x",
            str(page.failures),
        ]
        for page in [result.floor, *result.pages]
    ]
    worst = max(result.pages, key=lambda page: page.percentile(95))
    return "\n".join(
        [
            f"Page latency: gunicorn --workers {result.workers}, {result.clients} concurrent "
            f"clients, {result.requests} requests per page, {result.cases} cases "
            "(target: p95 <= 150 ms)",
            table(["role", "page", "p50 ms", "p95 ms", "p95 / floor", "failed"], rows),
            f"pages worst p95: {worst.percentile(95) * 1000:.0f} ms ({worst.role} {worst.label})",
        ]
    )

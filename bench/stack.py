"""Where the bench runs: a throwaway embedded site, or PostgreSQL + Redis + a worker of its own.

Everything here happens before ``django.setup()`` (the environment, the database) or around the
benchmarks (the worker); nothing touches the developer's ``var/``.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

REPO_ROOT = Path(__file__).resolve().parent.parent
# Variables the settings read that would point the bench at someone else's data or broker.
EMBEDDED_OVERRIDES = ("DATABASE_URL", "CELERY_BROKER_URL", "CELERY_TASK_ALWAYS_EAGER")


class StackError(RuntimeError):
    pass


def configure_environment(*, distributed: bool, data_dir: Path, debug: bool) -> list[str]:
    """Set the environment the settings read; return notes about what was overridden."""
    notes = []
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    # DEBUG (the embedded default) logs every SQL query; production runs without it.
    os.environ["DJANGO_DEBUG"] = "true" if debug else "false"
    os.environ["ARCHIVE_DATA_DIR"] = str(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    if os.environ.pop("MEDIA_ROOT", None) is not None:
        notes.append(f"ignored MEDIA_ROOT: media go to {data_dir / 'media'}")
    if not distributed:
        for name in EMBEDDED_OVERRIDES:
            if os.environ.pop(name, None) is not None:
                notes.append(f"ignored {name} (embedded mode; use --distributed)")
        return notes
    missing = [name for name in ("DATABASE_URL", "CELERY_BROKER_URL") if not os.environ.get(name)]
    if missing:
        raise StackError(
            f"--distributed needs {' and '.join(missing)} set, e.g. "
            "DATABASE_URL=postgres://postgres@127.0.0.1:5432/archive_bench "
            "CELERY_BROKER_URL=redis://127.0.0.1:6379/14"
        )
    if urlsplit(os.environ["DATABASE_URL"]).scheme not in ("postgres", "postgresql"):
        raise StackError("--distributed needs DATABASE_URL to name a PostgreSQL database")
    # The worker must do the asynchronous work, whatever the caller's environment says.
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "false"
    return notes


def without_credentials(url: str) -> str:
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path}"


def ensure_database(url: str) -> bool:
    """Create the PostgreSQL database ``url`` names unless it exists; True if created."""
    import dj_database_url
    import psycopg
    from psycopg import sql

    params = dj_database_url.parse(url)
    name = params["NAME"]
    conninfo = {
        "dbname": "postgres",
        "user": params.get("USER") or None,
        "password": params.get("PASSWORD") or None,
        "host": params.get("HOST") or None,
        "port": params.get("PORT") or None,
    }
    try:
        with psycopg.connect(
            **{k: v for k, v in conninfo.items() if v}, autocommit=True
        ) as connection:
            exists = connection.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (name,)
            ).fetchone()
            if exists:
                return False
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            return True
    except psycopg.Error as exc:
        raise StackError(f"cannot reach or create {without_credentials(url)}: {exc}") from exc


def _celery_command() -> list[str]:
    script = Path(sys.executable).with_name("celery")
    return [str(script)] if script.exists() else [sys.executable, "-m", "celery"]


class Worker:
    """``celery -A config worker --pool=solo --concurrency=1`` as a child, with the bench's env.

    ``queue``: the one queue it consumes (default: Celery's default queue); ``label`` tells
    several workers of one bench apart.
    """

    def __init__(self, log_path: Path, *, queue: str | None = None, label: str = "") -> None:
        self.log_path = log_path
        self.queue = queue
        self.name = f"bench{os.getpid()}{label}@{socket.gethostname()}"
        self.process: subprocess.Popen | None = None
        self.others: list[str] = []

    def start(self, timeout: float = 60) -> None:
        command = [
            *_celery_command(),
            *("-A", "config", "worker", "--pool=solo", "--concurrency=1", "-l", "warning"),
            *("-n", self.name),
            *(("-Q", self.queue) if self.queue else ()),
        ]
        with self.log_path.open("w") as log:
            self.process = subprocess.Popen(
                command, cwd=REPO_ROOT, env=dict(os.environ), stdout=log, stderr=subprocess.STDOUT
            )
        from config.celery import app

        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise StackError(f"the Celery worker exited at start:\n{self.log_tail()}")
            replies = app.control.ping(timeout=1.0)
            names = {name for reply in replies for name in reply}
            if self.name in names:
                self.others = sorted(names - {self.name})
                return
            if time.monotonic() > deadline:
                self.stop()
                raise StackError(f"the Celery worker did not answer in {timeout}s")

    def stop(self, timeout: float = 30) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()  # warm shutdown: the current job finishes
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no worker log)"

"""Processes of the integration suite that tests start, break and restart: Celery workers and a
Redis server of a test's own."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

REPO = Path(__file__).resolve().parents[2]
# Set on a test's node when its call failed (conftest's report hook): teardown then explains.
CALL_FAILED = pytest.StashKey[bool]()


def spare_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def stack_env(signing_files, **overrides: str) -> dict[str, str]:
    """The environment of a process on the test database, media folder and signing key."""
    base_url = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
    return {
        **os.environ,
        "DATABASE_URL": f"{base_url}/{settings.DATABASES['default']['NAME']}",
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "CERTIFICATES_PKCS12_PATH": str(signing_files.signer_pkcs12),
        "CERTIFICATES_PKCS12_PASSWORD": signing_files.password,
        "CERTIFICATES_TRUST_ROOTS": str(signing_files.ca_certificate),
        **overrides,
    }


class Worker:
    """A Celery worker consuming one queue, in a session of its own (its pool with it)."""

    def __init__(self, name: str, env: dict[str, str], log: Path, concurrency: int = 2) -> None:
        self.name, self.log_path = name, log
        with log.open("w") as log_file:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "config", "worker",
                 f"--concurrency={concurrency}", "--loglevel=info",
                 f"--hostname={name}@%h", f"--queues={env['CELERY_TASK_DEFAULT_QUEUE']}"],
                cwd=REPO, env=env, stdout=log_file, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        self.pid = self.process.pid
        self.node_name = f"{name}@{socket.gethostname()}"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_ready(self, timeout: float = 90) -> Worker:
        deadline = time.monotonic() + timeout
        while "ready." not in self.log():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                pytest.fail(f"the Celery worker did not start:\n{self.log()}")
            time.sleep(0.2)
        return self

    def poll(self):
        return self.process.poll()

    def kill_main_process(self) -> None:
        """SIGKILL the worker's main process only, as the OOM killer would."""
        os.kill(self.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        """End the worker and whatever is left of its pool (its own process group)."""
        if self.process.poll() is None:
            self.process.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=20)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pid, signal.SIGKILL)
        self.process.wait()


class RedisServer:
    """A Redis of a test's own on a spare port, without persistence: killed, it forgets all."""

    def __init__(self, directory: Path) -> None:
        self.port = spare_port()
        self.directory = directory
        self.process: subprocess.Popen | None = None
        self.start()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.directory)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        pytest.fail("the test's own redis-server did not start")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

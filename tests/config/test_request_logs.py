"""JSON logs (LOG_FORMAT=json) carry the request id and the case reference of what they log."""

from __future__ import annotations

import copy
import io
import json
import logging.config
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import User

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def json_logs():
    """The site's logging configuration with the JSON formatter, writing to a buffer."""
    stream = io.StringIO()
    config = copy.deepcopy(django_settings.LOGGING)
    config["handlers"]["console"].update(formatter="json", stream=stream)
    logging.config.dictConfig(config)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logging.config.dictConfig(django_settings.LOGGING)


@pytest.mark.django_db
def test_a_page_about_a_case_logs_its_request_id_and_case_reference(client, json_logs):
    client.force_login(User.objects.create_user("someone"))

    answer = client.get("/cases/JGYS-2026-00042/", HTTP_X_REQUEST_ID="req-0123456789")

    assert answer.status_code == 404
    assert answer["X-Request-ID"] == "req-0123456789"
    (line,) = [line for line in json_logs() if line["logger"] == "django.request"]
    assert line["request_id"] == "req-0123456789"
    assert line["case_reference"] == "JGYS-2026-00042"
    assert line["level"] == "WARNING" and "time" in line


def test_a_request_without_a_usable_id_gets_one(client):
    answer = client.get("/health/live", HTTP_X_REQUEST_ID="bad id\nwith newline")

    assert len(answer["X-Request-ID"]) == 32 and "\n" not in answer["X-Request-ID"]


def test_a_worker_logs_json_too_when_asked():
    script = (
        "import logging\n"
        "from config.celery import app\n"
        "from celery.signals import setup_logging\n"
        "import django; django.setup()\n"
        "setup_logging.send(sender=None, loglevel='INFO', logfile=None, format='', colorize=False)\n"
        "logging.getLogger('celery.worker').info('celery@host ready.')\n"
    )
    env = {**os.environ, "LOG_FORMAT": "json", "DJANGO_SETTINGS_MODULE": "config.settings"}
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    (line,) = [json.loads(x) for x in done.stderr.splitlines() if x.startswith("{")]
    assert (line["level"], line["message"]) == ("INFO", "celery@host ready.")

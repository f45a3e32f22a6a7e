"""/health/live and /health/ready: every check named with its status, 503 when one fails."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from celery import current_app

# The calendar is seeded from chinesecalendar, which knows 2025 and 2026: in December 2025 it
# covers this year and the next.
COVERED = datetime(2025, 12, 1, 2, 0, tzinfo=UTC)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
    return settings.MEDIA_ROOT


def ready(client):
    with time_machine.travel(COVERED, tick=False):
        answer = client.get("/health/ready")
    body = answer.json()
    return answer.status_code, body["status"], {n: c["status"] for n, c in body["checks"].items()}


def test_live_answers_without_touching_anything(client):
    answer = client.get("/health/live")  # without the django_db mark a query would fail
    assert (answer.status_code, answer.json()) == (200, {"status": "ok"})


@pytest.mark.django_db
def test_ready_on_the_embedded_default_names_every_check(client, media):
    assert ready(client) == (
        200,
        "ok",
        {
            "database": "ok",
            "broker": "not_applicable",  # eager Celery: tasks run in the web process
            "storage": "ok",
            "signing_key": "ok",
            "holiday_calendar": "ok",
        },
    )
    assert list(media.rglob("*probe*")) == []  # the probe file is gone


@pytest.mark.django_db
def test_ready_fails_when_the_media_folder_is_not_writable(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "not-a-folder"
    settings.MEDIA_ROOT.write_text("a file where the media folder should be")

    status, overall, checks = ready(client)

    assert (status, overall, checks["storage"]) == (503, "fail", "fail")
    assert checks["database"] == "ok"


@pytest.mark.django_db
def test_ready_fails_when_the_broker_is_unreachable(client, media, monkeypatch):
    monkeypatch.setitem(current_app.conf, "task_always_eager", False)
    for name in ("broker_url", "broker_write_url"):  # nothing listens on port 9
        monkeypatch.setitem(current_app.conf, name, "redis://127.0.0.1:9/0")

    status, overall, checks = ready(client)

    assert (status, overall, checks["broker"]) == (503, "fail", "fail")


@pytest.mark.django_db
def test_ready_fails_when_the_signing_key_cannot_be_read(client, media, settings, tmp_path):
    settings.CERTIFICATES_PKCS12_PATH = str(tmp_path / "missing.p12")

    status, _overall, checks = ready(client)

    assert (status, checks["signing_key"]) == (503, "fail")


@pytest.mark.django_db
def test_ready_fails_when_the_holiday_calendar_does_not_cover_next_year(client, media):
    with time_machine.travel(datetime(2040, 11, 15, 2, 0, tzinfo=UTC), tick=False):
        answer = client.get("/health/ready")

    assert answer.status_code == 503
    assert answer.json()["checks"]["holiday_calendar"]["status"] == "fail"
    assert "2041" in answer.json()["checks"]["holiday_calendar"]["detail"]

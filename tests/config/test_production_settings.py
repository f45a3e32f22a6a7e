"""Production settings refuse published secrets and DEBUG; the compose file ships no secret."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STRONG_KEY = secrets.token_urlsafe(64)


def _settings(**env: str) -> subprocess.CompletedProcess:
    """Import the settings in a fresh interpreter with only these site variables set."""
    clean = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("DJANGO_", "DATABASE_URL"))
    }
    return subprocess.run(
        [sys.executable, "-c", "import config.settings as s; print('DEBUG', s.DEBUG)"],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    "key",
    [
        None,
        "embedded-development-key-not-for-production",
        "change-me-in-production",
        "django-insecure-" + "x" * 50,
        "short-but-not-published",
    ],
)
def test_production_refuses_a_missing_published_or_weak_secret_key(key):
    env = {"DJANGO_ENV": "production"}
    if key is not None:
        env["DJANGO_SECRET_KEY"] = key
    result = _settings(**env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "生产环境拒绝启动" in result.stderr and "DJANGO_SECRET_KEY" in result.stderr


def test_production_refuses_debug():
    result = _settings(DJANGO_ENV="production", DJANGO_SECRET_KEY=STRONG_KEY, DJANGO_DEBUG="1")
    assert result.returncode != 0
    assert "DJANGO_DEBUG is on" in result.stderr


def test_production_starts_with_a_strong_key_and_debug_off():
    result = _settings(DJANGO_ENV="production", DJANGO_SECRET_KEY=STRONG_KEY)
    assert result.returncode == 0, result.stderr
    assert "DEBUG False" in result.stdout


def test_debug_is_off_unless_turned_on_in_development():
    assert "DEBUG False" in _settings().stdout
    assert "DEBUG True" in _settings(DJANGO_DEBUG="true").stdout


def test_the_compose_file_requires_its_secrets_and_ships_none():
    def config(**env: str) -> subprocess.CompletedProcess:
        clean = {
            k: v
            for k, v in os.environ.items()
            if k not in ("DJANGO_SECRET_KEY", "POSTGRES_PASSWORD")
        }
        return subprocess.run(
            ["docker-compose", "config"], cwd=ROOT, env={**clean, **env},
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip

    refused = config()
    assert refused.returncode != 0
    assert "DJANGO_SECRET_KEY" in refused.stderr or "POSTGRES_PASSWORD" in refused.stderr
    accepted = config(DJANGO_SECRET_KEY=STRONG_KEY, POSTGRES_PASSWORD="pw-from-the-operator")
    assert accepted.returncode == 0, accepted.stderr
    assert STRONG_KEY in accepted.stdout and "DJANGO_ENV: production" in accepted.stdout
    assert "change-me-in-production" not in accepted.stdout
    assert "archive:archive@" not in accepted.stdout


def test_the_compose_stack_has_prometheus_scraping_the_web_service():
    import yaml

    env = {**os.environ, "DJANGO_SECRET_KEY": STRONG_KEY, "POSTGRES_PASSWORD": "pw"}
    resolved = subprocess.run(
        ["docker-compose", "config"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    services = yaml.safe_load(resolved.stdout)["services"]
    scrape = yaml.safe_load((ROOT / "deploy" / "prometheus.yml").read_text())["scrape_configs"]

    assert any(
        v.endswith(":/etc/prometheus/prometheus.yml:ro") for v in services["prometheus"]["volumes"]
    )
    (job,) = scrape
    assert (job["metrics_path"], job["static_configs"][0]["targets"]) == ("/metrics", ["web:8000"])
    web = services["web"]["environment"]
    assert "prometheus" in web["METRICS_ALLOWED_IPS"].split(",")
    assert "web" in web["DJANGO_ALLOWED_HOSTS"].split(",")

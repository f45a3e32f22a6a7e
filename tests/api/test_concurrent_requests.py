"""The embedded database (SQLite) takes concurrent requests: none fails with "database is locked"."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from rest_framework.authtoken.models import Token

from acceptance.models import Project

from .test_projects import NEW_PROJECT

THREADS = 8
ROUNDS = 5


def call(url: str, token: str, body: dict | None = None) -> tuple[int, str]:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, ""
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")[:500]


@pytest.mark.django_db(transaction=True)
def test_eight_clients_registering_and_reading_projects_at_once_all_succeed(world, live_server):
    assert connection.vendor == "sqlite"
    with connection.cursor() as cursor:
        assert cursor.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    before = Project.objects.count()
    token = Token.objects.create(user=world.owner).key
    projects = f"{live_server.url}/api/projects/"

    def client(number: int) -> list[tuple[int, str]]:
        answers = []
        for round_ in range(ROUNDS):
            name = f"{NEW_PROJECT['name']} {number}-{round_}"
            body = {**NEW_PROJECT, "name": name, "owner": world.organisation.pk}
            answers.append(call(projects, token, body))
            answers.append(call(projects, token))
        return answers

    with ThreadPoolExecutor(THREADS) as pool:
        answers = [answer for result in pool.map(client, range(THREADS)) for answer in result]

    failures = [answer for answer in answers if answer[0] not in (200, 201)]
    assert failures == []
    assert Project.objects.count() == before + THREADS * ROUNDS

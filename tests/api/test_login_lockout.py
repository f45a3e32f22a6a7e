"""Repeated failed sign-ins lock the user name out from that address until the cool-off ends.

The limit (10) and the cool-off (15 minutes) are the defaults of config/settings.py.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from rest_framework.test import APIClient

from .conftest import assert_error, make_user

pytestmark = pytest.mark.django_db

TOKEN = "/api/auth/token/"
LOGIN = "/accounts/login/"


@pytest.fixture
def clerk(clock):
    return make_user("clerk_lockout", "owners")


def token_attempt(client, password: str, address: str = "203.0.113.7"):
    return client.post(
        TOKEN, {"username": "clerk_lockout", "password": password}, format="json",
        REMOTE_ADDR=address,
    )  # fmt: skip


def test_thirty_wrong_passwords_lock_the_token_endpoint_until_the_cool_off_ends(clerk, clock):
    api = APIClient()
    answers = [token_attempt(api, f"guess-{n}").status_code for n in range(30)]
    assert answers[:9] == [400] * 9
    assert set(answers[10:]) == {429}

    refused = token_attempt(api, "test-password")
    body = assert_error(refused, 429, "login_locked_out")
    assert "15 分钟后再试" in body["message_zh"] and "15 minutes" in body["message_en"]
    assert refused["Retry-After"] == "900"
    assert "token" not in body

    # Another address is counted on its own: a stranger cannot lock the clerk out everywhere.
    assert token_attempt(api, "test-password", address="198.51.100.4").status_code == 200

    clock.shift(timedelta(minutes=14))
    assert_error(token_attempt(api, "test-password"), 429, "login_locked_out")
    clock.shift(timedelta(minutes=2))
    answer = token_attempt(api, "test-password")
    assert answer.status_code == 200, answer.json()
    assert answer.json()["token"]


def test_thirty_wrong_passwords_lock_the_login_page_until_the_cool_off_ends(clerk, clock):
    browser = Client(REMOTE_ADDR="203.0.113.8")
    for n in range(30):
        page = browser.post(LOGIN, {"username": "clerk_lockout", "password": f"guess-{n}"})
        assert page.status_code in (200, 429)
    assert page.status_code == 429

    refused = browser.post(LOGIN, {"username": "clerk_lockout", "password": "test-password"})
    assert refused.status_code == 429
    text = refused.content.decode()
    assert "登录失败次数过多" in text and "too many failed sign-ins" in text
    assert "_auth_user_id" not in browser.session

    clock.shift(timedelta(minutes=16))
    signed_in = browser.post(LOGIN, {"username": "clerk_lockout", "password": "test-password"})
    assert signed_in.status_code == 302
    assert browser.session["_auth_user_id"] == str(clerk.pk)


def test_a_success_before_the_limit_resets_the_count(clerk):
    api = APIClient()
    for n in range(9):
        token_attempt(api, f"guess-{n}")
    assert token_attempt(api, "test-password").status_code == 200
    for n in range(9):
        assert token_attempt(api, f"again-{n}").status_code == 400
    assert token_attempt(api, "test-password").status_code == 200

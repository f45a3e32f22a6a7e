"""Request bodies past the limits get a clear answer, not a server error (config.middleware)."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from config.middleware import json_depth

from .conftest import assert_error


@pytest.mark.django_db
def test_a_json_body_over_the_limit_answers_413(as_owner, world):
    body = json.dumps({"owner": world.organisation.pk, "name": "大" * 1_000_000})
    assert len(body.encode()) > 2_621_440
    answer = assert_error(
        as_owner.post("/api/projects/", body, content_type="application/json"),
        413,
        "request_too_large",
    )
    assert "上限 2.62144 MB" in answer["message_zh"]
    assert "too large" in answer["message_en"]


@pytest.mark.django_db
def test_json_nested_100000_deep_answers_400(as_owner):
    deep = "[" * 100_000 + "]" * 100_000
    answer = assert_error(
        as_owner.post("/api/projects/", deep, content_type="application/json"),
        400,
        "json_too_deep",
    )
    assert "嵌套" in answer["message_zh"] and "32" in answer["message_en"]


@pytest.mark.django_db
def test_json_within_the_depth_still_reaches_the_view(as_owner):
    nested = {"name": [[["x"]]]}
    response = as_owner.post("/api/projects/", nested, format="json")
    assert response.status_code == 400
    assert response.json()["code"] != "json_too_deep"
    assert "name" in {error["field"] for error in response.json()["errors"]}


@pytest.mark.django_db
def test_a_page_form_over_the_limit_answers_a_bilingual_413_page(world):
    client = Client()
    client.force_login(world.owner)
    response = client.post(
        "/projects/new/",
        "name=" + "x" * 3_000_000,
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 413
    page = response.content.decode()
    assert "请求内容过大" in page and "too large" in page


def test_brackets_inside_strings_do_not_count():
    assert json_depth(b'{"a": "[[[[[[", "b": [1, {"c": "\\"]]]"}]}') == 3
    assert json_depth(b"42") == 0

"""What an integrating platform relies on: a public contract, check states, Chinese messages."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from acceptance.samples import make_pdf_document
from webhooks.models import WebhookDelivery, WebhookSubscription

from .conftest import token_client

ITEM = "A1-1"
TRUNCATED_JPEG = Path("/work/shared/fixtures/photos/truncated_jpeg.jpg")
CJK = re.compile(r"[\u4e00-\u9fff]")
# Two English words in a row: a sentence, not a technical token such as "Authorization: Token".
ENGLISH_PHRASE = re.compile(r"\b(?!Token\b|Authorization\b)[A-Za-z]{3,}\s+[A-Za-z]{3,}\b")


@pytest.mark.django_db
def test_the_schema_and_its_docs_are_public(anonymous):
    schema = anonymous.get("/api/schema/")
    assert schema.status_code == 200
    assert schema.json()["paths"]["/api/materials/"]
    for page in ("/api/docs/", "/api/redoc/"):
        assert anonymous.get(page).status_code == 200
    # Describing grants nothing: the resources still ask for credentials.
    assert anonymous.get("/api/materials/").status_code == 401


def upload(client, case, path, item=ITEM):
    with path.open("rb") as handle:
        return client.post(
            "/api/materials/",
            {"case": case.reference, "catalog_item": item, "file": handle},
            format="multipart",
        )


@pytest.mark.django_db(transaction=True)
def test_an_upload_answers_its_check_state_with_a_link_and_a_webhook_tells_the_result(
    open_case, world, tmp_path
):
    case = open_case(upload=False).case
    client = token_client(world.owner)
    WebhookSubscription.objects.create(
        url="https://platform.example.org/hooks", events=["material.checked"], name="一网通办"
    )
    pdf = make_pdf_document(tmp_path / "立项批复.pdf", title="立项批复", lines=["同意立项。"])

    good = upload(client, case, pdf)
    assert good.status_code == 201, good.json()
    body = good.json()
    assert body["check"]["state"] == "passed" and body["check"]["label_zh"] == "检测通过"
    assert body["detected_format"] == "pdf" and body["check_report"]["outcomes"]
    polled = client.get(body["check_url"]).json()
    assert polled["check"] == body["check"]

    bad = upload(client, case, TRUNCATED_JPEG, item="E3-1").json()
    assert bad["check"]["state"] == "failed"
    assert any(f["result"] == "fail" for f in bad["check"]["findings"])

    payloads = [
        json.loads(d.body)["data"] for d in WebhookDelivery.objects.filter(event="material.checked")
    ]
    events = {payload["material"]: payload["check"]["state"] for payload in payloads}
    assert events == {body["id"]: "passed", bad["id"]: "failed"}


def bad_requests(client, anonymous, case) -> list:
    """Requests each refused for another reason: validation, state, permission, lookup."""
    return [
        client.post("/api/materials/", {}, format="multipart"),
        client.post("/api/materials/", {"case": "NO-SUCH", "catalog_item": "X"}, format="json"),
        client.post(
            "/api/projects/",
            {"name": "", "works_type": "castle", "floor_area_m2": "many", "start_date": "soon"},
            format="json",
        ),
        client.post(
            "/api/webhooks/subscriptions/",
            {"url": "ftp://x", "events": ["nothing.happened"]},
            format="json",
        ),
        client.get("/api/materials/?page=0"),
        client.get("/api/cases/NO-SUCH/"),
        client.get("/api/nowhere/"),
        client.delete(f"/api/cases/{case.reference}/"),
        client.post("/api/decisions/", {"case": case.reference, "outcome": "maybe"}, format="json"),
        client.post("/api/auth/token/", {"username": "x", "password": "y"}, format="json"),
        anonymous.get("/api/cases/"),
    ]


def messages_zh(body: dict) -> list[str]:
    return [body["message_zh"], *(error["message_zh"] for error in body.get("errors") or [])]


@pytest.mark.django_db
def test_every_message_zh_of_the_api_errors_is_chinese(open_case, world, anonymous):
    case = open_case(upload=False).case
    client = token_client(world.owner)
    seen = 0
    for response in bad_requests(client, anonymous, case):
        assert response.status_code >= 400
        body = response.json()
        for text in messages_zh(body):
            seen += 1
            assert CJK.search(text), (response.request["PATH_INFO"], text)
            assert not ENGLISH_PHRASE.search(text), (response.request["PATH_INFO"], text)
    assert seen >= 15

"""Webhook subscriptions through the API, and case status changes reaching a real receiver."""

import json

import pytest

from webhooks.models import WebhookDelivery, WebhookSubscription
from webhooks.signing import signature_valid

from .conftest import assert_error

EVENT = "case.status_changed"


def subscribe(client, url, **fields):
    return client.post(
        "/api/webhooks/subscriptions/",
        {"url": url, "events": [EVENT], "name": "一网通办", **fields},
        format="json",
    )


@pytest.mark.django_db
def test_a_subscription_shows_its_secret_once(world, as_owner):
    created = subscribe(as_owner, "https://portal.example.org/hooks")
    assert created.status_code == 201, created.json()
    body = created.json()
    subscription = WebhookSubscription.objects.get(pk=body["id"])
    assert body["secret"] == subscription.secret and len(body["secret"]) == 64
    assert (body["audience"], body["owner"], body["events"]) == (
        f"user:{world.owner.pk}",
        "owner_test",
        [EVENT],
    )
    again = as_owner.get(f"/api/webhooks/subscriptions/{subscription.pk}/").json()
    assert "secret" not in again
    assert [s["id"] for s in as_owner.get("/api/webhooks/subscriptions/").json()["results"]] == [
        subscription.pk
    ]


@pytest.mark.django_db
def test_staff_subscriptions_hear_every_case(world, as_reviewer):
    assert subscribe(as_reviewer, "https://staff.example.org/hooks").json()["audience"] == ""


@pytest.mark.django_db
def test_a_subscription_is_its_owners_to_change(world, as_owner, as_stranger, as_auditor):
    pk = subscribe(as_owner, "https://portal.example.org/hooks").json()["id"]
    path = f"/api/webhooks/subscriptions/{pk}/"
    changed = as_owner.patch(path, {"active": False, "name": "停用"}, format="json")
    assert (changed.json()["active"], changed.json()["name"]) == (False, "停用")
    assert_error(as_stranger.get(path), 404, "not_found")
    assert_error(as_stranger.patch(path, {"active": True}, format="json"), 404, "not_found")
    assert as_stranger.get("/api/webhooks/subscriptions/").json()["count"] == 0
    # Auditors read every subscription (never its secret) and change none.
    assert as_auditor.get(path).json()["id"] == pk
    assert_error(as_auditor.delete(path), 403, "read_only_auditor")
    assert_error(subscribe(as_auditor, "https://audit.example.org/"), 403, "read_only_auditor")
    assert as_owner.delete(path).status_code == 204
    assert not WebhookSubscription.objects.exists()


@pytest.mark.django_db
def test_a_subscription_needs_an_http_url_and_known_events(world, as_owner):
    assert_error(subscribe(as_owner, "ftp://portal.example.org/"), 400, "invalid", "url")
    assert_error(subscribe(as_owner, "file:///etc/passwd"), 400, "invalid", "url")
    assert_error(
        subscribe(as_owner, "https://portal.example.org/", events=["case.deleted"]),
        400,
        "invalid_choice",
        "events.0",
    )
    assert_error(
        subscribe(as_owner, "https://portal.example.org/", events=[]), 400, "min_length", "events"
    )
    for private in ("http://127.0.0.1:5432/", "http://169.254.169.254/", "http://localhost/"):
        assert_error(subscribe(as_owner, private), 400, "address_not_allowed", "url")


@pytest.mark.django_db(transaction=True)
def test_a_case_status_change_reaches_the_subscribers_who_may_see_the_case(
    flow, receiver, as_owner, as_reviewer, as_stranger
):
    owner_secret = subscribe(as_owner, receiver.url + "?who=owner").json()["secret"]
    staff_secret = subscribe(as_reviewer, receiver.url + "?who=staff").json()["secret"]
    subscribe(as_stranger, receiver.url + "?who=stranger")
    receiver.script = [500]  # the first delivery fails once, then is retried

    flow.prefile()
    assert receiver.received == []  # pre-filing changes no case status
    flow.apply()  # the case is submitted for review

    secrets = {"/hooks/archive?who=owner": owner_secret, "/hooks/archive?who=staff": staff_secret}
    paths = sorted({request.path for request in receiver.received})
    assert paths == sorted(secrets)
    for request in receiver.received:
        assert signature_valid(secrets[request.path], request.body, request.headers["X-Signature"])
    events = {json.loads(r.body)["id"]: json.loads(r.body) for r in receiver.received}
    assert len(events) == 2
    for event in events.values():
        assert event["event"] == EVENT
        assert event["data"]["case"] == flow.case.reference
        assert event["data"]["project"] == flow.case.project.reference
        assert (event["data"]["from_status"], event["data"]["to_status"]) == (
            "pre_filing",
            "under_review",
        )
        assert event["data"]["transition"] == "submit_for_review"
    codes = sorted(d.response_codes for d in WebhookDelivery.objects.all())
    assert codes == [[200], [500, 200]]

    # The owner reads the delivery log of their subscription.
    pk = WebhookSubscription.objects.get(owner=flow.owner).pk
    log = as_owner.get(f"/api/webhooks/subscriptions/{pk}/deliveries/").json()
    assert [(d["event"], d["status"]) for d in log] == [(EVENT, "delivered")]


@pytest.mark.django_db(transaction=True)
def test_a_transition_rolled_back_is_never_announced(flow, receiver, as_reviewer):
    from django.db import transaction

    subscribe(as_reviewer, receiver.url)
    case = flow.refresh()
    with pytest.raises(RuntimeError), transaction.atomic():
        case.submit_for_review()
        case.save()
        raise RuntimeError("rolled back")
    assert not WebhookDelivery.objects.exists()
    assert receiver.received == []

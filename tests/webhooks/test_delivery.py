"""Deliveries to a real HTTP receiver: signed over the exact body, retried with backoff, logged."""

import json
import socket

import pytest
from django.db import transaction

from webhooks import tasks
from webhooks.addresses import address_refusal
from webhooks.models import WebhookDelivery, WebhookSubscription
from webhooks.services import webhook_deliver, webhooks_dispatch
from webhooks.signing import signature, signature_valid

EVENT = "case.status_changed"
PAYLOAD = {"case": "YS20260115-ABCDEF", "from_status": "pre_filing", "to_status": "under_review"}


@pytest.fixture(autouse=True)
def backoff(settings):
    settings.WEBHOOKS_BACKOFF_SECONDS = 30
    settings.WEBHOOKS_MAX_ATTEMPTS = 4
    settings.WEBHOOKS_TIMEOUT_SECONDS = 5


@pytest.fixture
def subscription(db, receiver):
    return WebhookSubscription.objects.create(url=receiver.url, events=[EVENT], name="一网通办")


def test_the_signature_is_an_hmac_sha256_of_the_body():
    body = '{"a":"验收"}'.encode()
    expected = "sha256=" + __import__("hmac").new(b"k", body, "sha256").hexdigest()
    assert signature("k", body) == expected
    assert signature_valid("k", body, expected)
    assert not signature_valid("k", body + b" ", expected)
    assert not signature_valid("other", body, expected)
    assert not signature_valid("k", body, None)


@pytest.mark.django_db(transaction=True)
def test_a_delivery_is_signed_over_the_exact_body_it_sends(subscription, receiver):
    with transaction.atomic():
        [delivery] = webhooks_dispatch(event=EVENT, payload=PAYLOAD)
        assert receiver.received == []  # nothing leaves before the commit
    [request] = receiver.received
    assert request.path == "/hooks/archive"
    assert signature_valid(subscription.secret, request.body, request.headers["X-Signature"])
    assert request.headers["X-Webhook-Event"] == EVENT
    assert request.headers["X-Webhook-Delivery"] == str(delivery.delivery_id)
    assert request.headers["Content-Type"] == "application/json; charset=utf-8"
    body = json.loads(request.body)
    assert (body["id"], body["event"], body["data"]) == (str(delivery.delivery_id), EVENT, PAYLOAD)
    delivery.refresh_from_db()
    assert request.body == delivery.body.encode()
    assert (delivery.status, delivery.attempts, delivery.response_codes) == ("delivered", 1, [200])
    assert delivery.delivered_at is not None


@pytest.mark.django_db(transaction=True)
def test_a_receiver_that_fails_twice_gets_the_third_attempt_after_backoff(
    subscription, receiver, monkeypatch
):
    receiver.script = [500, 500, 200]
    countdowns = []
    queue = tasks.deliver.apply_async

    def recording(args=None, kwargs=None, **options):
        countdowns.append(options.get("countdown"))
        return queue(args, kwargs, **options)

    monkeypatch.setattr(tasks.deliver, "apply_async", recording)
    [delivery] = webhooks_dispatch(event=EVENT, payload=PAYLOAD)
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.DELIVERED
    assert delivery.attempts == 3
    assert delivery.response_codes == [500, 500, 200]
    assert [entry["retry_in"] for entry in delivery.log] == [30, 60, None]
    assert [entry["attempt"] for entry in delivery.log] == [1, 2, 3]
    assert delivery.log[0]["response"] == "receiver is down"
    # Queued at once, then again with the backoff as Celery's countdown (which eager mode
    # ignores, so here the retries ran at once).
    assert countdowns == [None, 30, 60]
    # Every attempt sent the same bytes with the same valid signature.
    assert len({request.body for request in receiver.received}) == 1
    assert all(
        signature_valid(subscription.secret, r.body, r.headers["X-Signature"])
        for r in receiver.received
    )
    assert [r.headers["X-Webhook-Attempt"] for r in receiver.received] == ["1", "2", "3"]


@pytest.mark.django_db
def test_each_attempt_sets_the_next_one_by_exponential_backoff(subscription, receiver):
    receiver.script = [503, 503, 503, 503]
    delivery = WebhookDelivery.objects.create(subscription=subscription, event=EVENT, body="{}")
    waits = [webhook_deliver(delivery_pk=delivery.pk) for _ in range(4)]
    assert waits == [30, 60, 120, None]
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("failed", 4)
    assert delivery.response_codes == [503, 503, 503, 503]
    assert delivery.next_attempt_at is None
    # A delivery given up is not attempted again.
    assert webhook_deliver(delivery_pk=delivery.pk) is None
    assert len(receiver.received) == 4


@pytest.mark.django_db
def test_a_receiver_that_cannot_be_reached_is_logged_without_a_code(subscription):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    subscription.url = f"http://127.0.0.1:{port}/gone"
    subscription.save()
    delivery = WebhookDelivery.objects.create(subscription=subscription, event=EVENT, body="{}")
    assert webhook_deliver(delivery_pk=delivery.pk) == 30
    delivery.refresh_from_db()
    assert delivery.response_codes == [None]
    assert "refused" in delivery.log[0]["error"].lower()
    assert delivery.status == "retrying"


@pytest.mark.django_db
def test_a_redirect_is_a_failed_attempt_not_followed(subscription, receiver):
    receiver.script = [302]
    delivery = WebhookDelivery.objects.create(subscription=subscription, event=EVENT, body="{}")
    assert webhook_deliver(delivery_pk=delivery.pk) == 30
    delivery.refresh_from_db()
    assert delivery.response_codes == [302]
    assert len(receiver.received) == 1


@pytest.mark.django_db
def test_a_deactivated_subscription_stops_retrying(subscription, receiver):
    receiver.script = [500]
    delivery = WebhookDelivery.objects.create(subscription=subscription, event=EVENT, body="{}")
    subscription.active = False
    subscription.save()
    assert webhook_deliver(delivery_pk=delivery.pk) is None
    delivery.refresh_from_db()
    assert delivery.status == "failed"


@pytest.mark.django_db
def test_only_subscribers_of_the_event_and_its_audience_hear_it(receiver):
    everything = WebhookSubscription.objects.create(url=receiver.url, events=[EVENT])
    mine = WebhookSubscription.objects.create(url=receiver.url, events=[EVENT], audience="user:7")
    WebhookSubscription.objects.create(url=receiver.url, events=[EVENT], audience="user:8")
    WebhookSubscription.objects.create(url=receiver.url, events=["other.event"])
    WebhookSubscription.objects.create(url=receiver.url, events=[EVENT], active=False)
    deliveries = webhooks_dispatch(event=EVENT, payload=PAYLOAD, audiences=["user:7", "user:9"])
    assert {d.subscription for d in deliveries} == {everything, mine}


@pytest.mark.django_db
def test_an_event_nobody_subscribes_to_costs_one_read(receiver, django_assert_num_queries):
    """The payload and the audiences are worked out only for a subscription that hears them:
    a file checked or a case moved with no subscriber reads the subscriptions and nothing else."""
    WebhookSubscription.objects.create(url=receiver.url, events=["other.event"])
    WebhookSubscription.objects.create(url=receiver.url, events=[EVENT], active=False)

    def unwanted():
        raise AssertionError("worked out for nobody")

    with django_assert_num_queries(1):
        assert webhooks_dispatch(event=EVENT, payload=unwanted, audiences=unwanted) == []


@pytest.mark.django_db
def test_payload_and_audiences_may_be_worked_out_when_someone_listens(receiver):
    mine = WebhookSubscription.objects.create(url=receiver.url, events=[EVENT], audience="user:7")
    WebhookSubscription.objects.create(url=receiver.url, events=[EVENT], audience="user:8")
    [delivery] = webhooks_dispatch(
        event=EVENT, payload=lambda: PAYLOAD, audiences=lambda: ["user:7", "user:9"]
    )
    assert delivery.subscription == mine
    assert json.loads(delivery.body)["data"] == PAYLOAD


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/hook",
        "http://localhost/hook",
        "http://10.1.2.3/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/hook",
        "ftp://203.0.113.10/hook",
    ],
)
def test_a_receiver_on_a_private_address_is_never_called(settings, url):
    settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = False
    assert address_refusal(url) is not None
    subscription = WebhookSubscription.objects.create(url=url, events=[EVENT])
    delivery = WebhookDelivery.objects.create(subscription=subscription, event=EVENT, body="{}")
    assert webhook_deliver(delivery_pk=delivery.pk) is None
    delivery.refresh_from_db()
    assert (delivery.status, delivery.response_codes) == ("failed", [None])
    assert delivery.log[0]["error"].startswith("not sent: ")


def test_a_public_literal_address_is_allowed(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = False
    assert address_refusal("https://8.8.8.8/hook", resolve=False) is None
    assert address_refusal("https://portal.example.org/hook", resolve=False) is None


@pytest.fixture
def rebinding_dns(monkeypatch):
    """The DNS of ``hooks.portal.test``: 127.0.0.1 at the first lookup, 127.0.0.2 after that.

    Only this name is answered here (as an attacker's name server would); every other lookup
    goes to the system's resolver.
    """
    real = socket.getaddrinfo
    lookups: list[str] = []

    def getaddrinfo(host, port, *args, **kwargs):
        if host != "hooks.portal.test":
            return real(host, port, *args, **kwargs)
        address = "127.0.0.1" if not lookups else "127.0.0.2"
        lookups.append(address)
        return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, port))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return lookups


@pytest.mark.django_db
def test_a_host_name_is_resolved_once_per_attempt_and_that_address_is_connected_to(
    receiver, rebinding_dns
):
    port = receiver.url.split(":")[2].split("/")[0]
    url = f"http://hooks.portal.test:{port}/hooks/archive"
    subscription = WebhookSubscription.objects.create(url=url, events=[EVENT])
    delivery = WebhookDelivery.objects.create(subscription=subscription, event=EVENT, body="{}")

    assert webhook_deliver(delivery_pk=delivery.pk) is None

    delivery.refresh_from_db()
    assert delivery.status == "delivered", delivery.log
    assert rebinding_dns == ["127.0.0.1"]
    assert receiver.received[0].headers["Host"] == f"hooks.portal.test:{port}"


@pytest.mark.django_db
def test_a_name_resolving_to_a_private_address_is_refused_at_delivery(settings, rebinding_dns):
    settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = False
    subscription = WebhookSubscription.objects.create(
        url="https://hooks.portal.test/hook", events=[EVENT]
    )
    delivery = WebhookDelivery.objects.create(subscription=subscription, event=EVENT, body="{}")

    assert webhook_deliver(delivery_pk=delivery.pk) is None

    delivery.refresh_from_db()
    assert delivery.status == "failed"
    assert delivery.log[0]["error"] == (
        "not sent: hooks.portal.test resolves to addresses that are not public: 127.0.0.1"
    )
    assert rebinding_dns == ["127.0.0.1"]

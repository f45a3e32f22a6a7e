"""馆室联动 pages in Chromium: the requester sees whom the request was forwarded to, the archivist
sees the partner waiting (a notice that timed out), sends it again, and both see the answer.
Every page is saved as a full-page screenshot in ``test-artifacts/access/``."""

from __future__ import annotations

import json
import urllib.request

import pytest

from access.partners import PARTNER_HEADER
from webhooks.signing import SIGNATURE_HEADER, signature

from ..browser import chromium_browser
from .conftest import ROOM_NAME
from .test_pages_browser import ARTIFACTS, page_as, shoot
from .test_partners import approved_tenant_request, permit_file


@pytest.fixture
def browser(monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    yield from chromium_browser()


@pytest.mark.django_db(transaction=True)
def test_the_partner_state_as_the_requester_and_the_archivist_see_it(
    access_world,
    room,
    partner_server,
    live_server,
    browser,
    settings,
):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    world = access_world
    settings.WEBHOOKS_TIMEOUT_SECONDS = 0.3
    settings.WEBHOOKS_MAX_ATTEMPTS = 2
    partner_server.delay = 1.0  # the room's server is too slow: the notice is given up
    request = approved_tenant_request(world)
    partner_server.delay = 0

    requester = page_as(browser, live_server, world.tenant)
    requester.goto(f"{live_server.url}/access/requests/{request.reference}/")
    assert f"已转交 {ROOM_NAME} 办理" in requester.inner_text("#state-note")
    shoot(requester, "linked-1-requester-forwarded")

    archivist = page_as(browser, live_server, world.archivist)
    archivist.goto(f"{live_server.url}/access/review/")
    assert ROOM_NAME in archivist.inner_text("#forwarded")
    shoot(archivist, "linked-2-queue-waiting-on-partner")
    archivist.click(f"#forwarded a:text('{request.reference}')")
    card = archivist.inner_text(f"#forwarding-{room.code}")
    assert "等待合作单位答复" in card and "未送达，已停止重试" in card
    shoot(archivist, "linked-3-review-notice-given-up")
    archivist.click(f"#resend-{room.code}")
    assert "已送达" in archivist.inner_text(f"#forwarding-{room.code}")
    shoot(archivist, "linked-4-review-sent-again")

    # The room answers over real HTTP, as its own server would.
    forwarded = partner_server.received[-1]["body"]["data"]
    body = json.dumps(permit_file(world, forwarded)).encode()
    posted = urllib.request.Request(
        live_server.url + forwarded["answer_path"],
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            PARTNER_HEADER: room.code,
            SIGNATURE_HEADER: signature(room.subscription.secret, body),
        },
    )
    with urllib.request.urlopen(posted, timeout=120) as response:
        assert response.status == 201
    requester.reload()
    assert "已提供" in requester.inner_text("#forwardings")
    assert requester.is_visible("#download-extract")
    shoot(requester, "linked-5-requester-extract")
    archivist.reload()
    assert "已提供" in archivist.inner_text(f"#forwarding-{room.code}")
    shoot(archivist, "linked-6-review-answered")

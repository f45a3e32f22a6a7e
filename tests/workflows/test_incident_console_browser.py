"""A supervisor opens the incident console from the navigation and retries a batch by clicks."""

from __future__ import annotations

from pathlib import Path

import pytest

from workflows.models import Incident, ProcessInstance

from ..browser import chromium_page, contrast_problems, sign_in
from .test_incident_console import Handler

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "console"

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def browser_page(monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    yield from chromium_page({"width": 1280, "height": 900})


def test_a_supervisor_retries_a_batch_from_the_console(
    services, deploy, start, make_user, settings, live_server, browser_page
):
    settings.WORKFLOWS_SUPERVISOR_ROLES = ["wf-supervisors"]
    compute = services.register("wftest.compute", Handler(ValueError("amount must be positive")))
    deploy("service.bpmn")
    for n in (1, 2, 3):
        start("wf_service", key=f"2030-JG-{n:04d}", amount=-n)
    supervisor = make_user("sue", "wf-supervisors")
    supervisor.set_password("test-password")
    supervisor.save()
    page = browser_page
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    sign_in(page, live_server.url, supervisor)
    page.goto(f"{live_server.url}/tasks/")
    page.click("#nav-incidents")
    page.wait_for_selector("#incident-summary")
    assert "共 3 项异常待处理" in page.inner_text("main")
    page.locator("tr[id^=incident-] details summary").first.click()
    assert contrast_problems(page) == []
    page.screenshot(path=str(ARTIFACTS / "console.png"), full_page=True)

    compute.error = None  # the handler is fixed
    page.check("#select-all")
    page.fill("#incident-reason", "试算程序已修复")
    page.click("#incident-retry")
    page.wait_for_selector(".messages")

    assert "已重试 3 项异常" in page.inner_text(".messages")
    assert "没有待处理的异常" in page.inner_text("main")
    assert not Incident.objects.filter(resolved_at__isnull=True).exists()
    assert set(ProcessInstance.objects.values_list("status", flat=True)) == {"waiting"}
    assert contrast_problems(page) == []
    page.screenshot(path=str(ARTIFACTS / "console-after-retry.png"), full_page=True)

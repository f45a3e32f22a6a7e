"""The two reform cases by clicks in Chromium: the requester asks, gets one notice of what is
missing, sends it; the archivist decides; the requester downloads the extract and the public page
verifies it. Every page is saved as a full-page screenshot in ``test-artifacts/access/``."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

import access

from ..browser import chromium_browser, contrast_problems

ARTIFACTS = Path(access.__file__).resolve().parents[1] / "test-artifacts" / "access"


@pytest.fixture
def browser(monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    yield from chromium_browser()


def page_as(browser, live_server, user):
    context = browser.new_context(viewport={"width": 1100, "height": 900}, locale="zh-CN")
    client = Client()
    client.force_login(user)
    name = settings.SESSION_COOKIE_NAME
    context.add_cookies(
        [{"name": name, "value": client.cookies[name].value, "url": live_server.url}]
    )
    page = context.new_page()
    page.set_default_timeout(60_000)
    return page


def shoot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    assert contrast_problems(page) == [], name


def proof_path(world, code: str) -> str:
    data = world.proof(code)[1]
    path = world.folder / f"upload-{code}.pdf"
    path.write_bytes(data)
    return str(path)


def ask(page, live_server, world, rule_label: str, name: str, kind: str, proofs: dict, shot: str):
    page.goto(live_server.url + "/")
    page.click("#nav-access")
    shoot(page, f"{shot}-1-home")
    page.click("#new-request")
    page.select_option("#id_rule", label=rule_label)
    page.select_option("#id_project", index=1)
    shoot(page, f"{shot}-2-start")
    page.click("#next-step")
    page.fill("#id_requester_name", name)
    page.select_option("#id_requester_kind", kind)
    for box in page.locator("#request-form input[type=checkbox]").all():
        box.check()
    for code, path in proofs.items():
        page.set_input_files(f"#id_proof_{code}", path)
    shoot(page, f"{shot}-3-request")
    page.click("#submit-request")


def decide(browser, live_server, world, reference: str, decision: str, shot: str, reasons=""):
    page = page_as(browser, live_server, world.archivist)
    page.goto(live_server.url + "/access/review/")
    shoot(page, f"{shot}-queue")
    page.click(f"text={reference}")
    page.check(f"#review-form input[value={decision}]")
    if decision == "part":
        page.locator("#review-form input[name=approved_records]").first.check()
    if reasons:
        page.fill("#id_reasons", reasons)
    shoot(page, f"{shot}-review")
    page.click("#decide")
    assert "审核完成" in page.inner_text(".messages")
    page.context.close()


def download_and_verify(page, live_server, shot: str) -> None:
    page.reload()
    assert "档案证明已出具" in page.inner_text("#extract")
    shoot(page, f"{shot}-extract")
    with page.expect_download() as download:
        page.click("#download-extract")
    path = download.value.path()
    verify = page.context.new_page()
    verify.goto(live_server.url + "/verify/")
    verify.set_input_files("#id_pdf", str(path))
    verify.click("#upload-form button[type=submit]")
    assert "真实有效" in verify.inner_text("#verify-report")
    assert "城建档案利用证明" in verify.inner_text("#verify-report")
    shoot(verify, f"{shot}-verified")


@pytest.mark.django_db(transaction=True)
def test_the_lift_and_the_tenant_by_clicks(access_world, live_server, browser):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    world = access_world

    committee = page_as(browser, live_server, world.committee)
    ask(
        committee, live_server, world, "既有住宅加装电梯 · 业主委员会", "锦绣苑业主委员会", "firm",
        {"committee_record": proof_path(world, "committee_record")}, "lift",
    )  # fmt: skip
    notice = committee.inner_text("#missing-notice")
    assert "一次性告知" in notice and "街道情况说明" in notice
    assert "业主委员会备案证明" not in notice
    shoot(committee, "lift-4-notice")
    committee.set_input_files(
        "#id_proof_subdistrict_statement", proof_path(world, "subdistrict_statement")
    )
    committee.click("#send-proofs")
    assert "审核中" in committee.inner_text("h1")
    shoot(committee, "lift-5-under-review")
    reference = committee.inner_text("h1").split()[1]
    decide(browser, live_server, world, reference, "all", "lift-archivist")
    download_and_verify(committee, live_server, "lift-6")

    tenant = page_as(browser, live_server, world.tenant)
    ask(
        tenant, live_server, world, "办理工商注册登记 · 承租人", "张晓明", "person",
        {"id_card": proof_path(world, "id_card"), "lease_contract": proof_path(world, "lease_contract")},
        "tenant",
    )  # fmt: skip
    assert "审核中" in tenant.inner_text("h1")
    reference = tenant.inner_text("h1").split()[1]
    decide(browser, live_server, world, reference, "part", "tenant-archivist", "备案表不予提供")
    download_and_verify(tenant, live_server, "tenant-6")
    assert "部分同意" in tenant.inner_text("#partial")

    # Someone else asking for the tenant's extract gets a plain "not found".
    stranger = page_as(browser, live_server, world.committee)
    answer = stranger.goto(f"{live_server.url}/access/requests/{reference}/extract.pdf")
    assert answer.status == 404

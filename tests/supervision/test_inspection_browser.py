"""A plan walked end to end in Chromium by clicks: a supervisor drafts and publishes it, a second
enters the public value and draws, the first confirms; the lead inspector records findings with an
evidence photo and requires rectification; the owner reports from the task inbox; the inspector
re-inspects, finds it not yet right, the owner reports again, the inspector closes it; the public
notice shows the outcome. Every page is saved in ``test-artifacts/supervision/walk/<role>/``."""

from __future__ import annotations

import io
from datetime import UTC
from pathlib import Path

import pytest
from django.core.management import call_command

import supervision
from supervision.models import Inspection

from ..browser import contrast_problems
from .conftest import PUBLISHED_AT, VALUE_KNOWN_AT, page_as

pytestmark = pytest.mark.django_db(transaction=True)

WALK = Path(supervision.__file__).resolve().parents[1] / "test-artifacts" / "supervision" / "walk"


def shoot(page, role: str, name: str) -> None:
    folder = WALK / role
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
    assert contrast_problems(page) == [], f"{role}/{name}"


def test_a_plan_is_walked_by_clicks_from_draft_to_a_published_rectified_outcome(
    world,
    live_server,
    browser,
    time_machine,
    tmp_path,
):
    call_command("deploy_processes", verbosity=0, stdout=io.StringIO())
    world.give_owners()
    time_machine.move_to(PUBLISHED_AT.astimezone(UTC), tick=True)

    first = page_as(browser, live_server, world.supervisor)
    first.goto(live_server.url + "/")
    first.click("#nav-supervision")
    first.click("#new-plan")
    first.fill("#id_title", "2026 年第四季度竣工档案验收质量抽查")
    first.fill("#id_period_start", "2026-10-01")
    first.fill("#id_period_end", "2026-10-31")
    first.fill("#id_sample_size", "2")
    first.fill("#id_public_value_source", "上证综合指数 2026-11-03 收盘点位")
    first.fill("#id_public_value_date", "2026-11-03")
    first.click("#plan-form button[type=submit]")
    first.click("#publish-form button")
    assert "已公布" in first.inner_text("#plan-status")

    time_machine.move_to(VALUE_KNOWN_AT.astimezone(UTC), tick=True)
    second = page_as(browser, live_server, world.second_supervisor)
    second.goto(first.url)
    second.fill("#public-value-form input[name=value]", "3421.57")
    second.click("#public-value-form button")
    second.click("#draw-form button")
    assert second.locator("#draw-1-result tbody tr").count() == 2
    shoot(second, "supervisor", "plan-drawn-confirm")

    first.reload()
    first.click("#confirm-form button")
    assert "已下达 2 项检查任务" in first.inner_text(".messages")
    assert "已办结 0 / 2 项" in first.inner_text("#next-step")
    shoot(first, "supervisor", "plan-progress")

    inspection = Inspection.objects.order_by("reference").first()
    lead = page_as(browser, live_server, inspection.lead_inspector)
    lead.goto(live_server.url + "/")
    lead.click("#nav-inspections")
    assert lead.locator("#inspection-list tbody tr").count() >= 1
    shoot(lead, "inspector", "inspection-list")
    lead.click(f"text={inspection.reference}")
    assert "请您逐项检查" in lead.inner_text("#asked")
    shoot(lead, "inspector", "inspection-start")

    lead.select_option("#finding-form select[name=item]", "A1-1")
    lead.check("#finding-form input[value=conforms]")
    lead.click("#finding-form button")
    lead.select_option("#finding-form select[name=item]", "E1-5")
    lead.check("#finding-form input[value=deficient]")
    lead.fill("#finding-form textarea[name=note]", "工程竣工验收报告缺监理单位签章")
    lead.click("#finding-form button")
    assert "不符合项须上传证据文件" in lead.inner_text(".messages")
    # Nothing typed is lost: only the file is chosen again.
    assert lead.input_value("#finding-form textarea[name=note]") == "工程竣工验收报告缺监理单位签章"
    assert lead.input_value("#finding-form select[name=item]") == "E1-5"
    shoot(lead, "inspector", "finding-refused")
    photo = tmp_path / "签章缺失.jpg"
    photo.write_bytes(b"\xff\xd8\xff\xe0" + b"photo" * 200)
    lead.set_input_files("#finding-form input[type=file]", str(photo))
    lead.click("#finding-form button")
    assert lead.locator("#findings tbody tr").count() == 2
    lead.check("#decision-form input[value=rectify]")
    lead.fill("#decision-form input[name=rectification_days]", "5")
    lead.click("#decision-form button")
    assert "责令整改，整改中" in lead.inner_text("#outcome")
    assert "2026-11-10" in lead.inner_text("#rectification-deadline")  # five working days
    shoot(lead, "inspector", "rectification-ordered")

    owner = page_as(browser, live_server, inspection.case.owner_user)
    for round_, report in enumerate(("已补盖监理单位签章", "重新加盖清晰的监理单位签章")):
        owner.goto(live_server.url + "/tasks/")
        # The inbox row (not its kind tile) sends the owner to the inspection's page.
        owner.click("td a:has-text('整改并报告')")
        assert "请按检查发现的问题整改" in owner.inner_text("#asked")
        assert owner.locator("#case-records").count() == 0
        shoot(owner, "owner", f"rectify-{round_ + 1}")
        owner.fill("#report-form textarea", report)
        owner.click("#report-form button")
        assert "整改后复查中" in owner.inner_text("#outcome")

        lead.goto(live_server.url + f"/supervision/inspections/{inspection.reference}/")
        assert "建设单位已提交整改报告" in lead.inner_text("#asked")
        shoot(lead, "inspector", f"reinspect-{round_ + 1}")
        if round_ == 0:
            lead.check("#reinspection-form input[value=not_rectified]")
            lead.fill("#reinspection-form textarea", "签章仍不清晰，请重新加盖")
        else:
            lead.check("#reinspection-form input[value=rectified]")
        lead.click("#reinspection-form button")

    assert "本次检查已办结" in lead.inner_text("#asked")
    assert "责令整改，已整改到位" in lead.inner_text("#outcome")
    shoot(lead, "inspector", "closed")

    first.reload()
    assert "已办结 1 / 2 项" in first.inner_text("#next-step")
    shoot(first, "supervisor", "plan-progress-one-closed")

    public = page_as(browser, live_server)
    public.goto(live_server.url + "/")
    public.click("#nav-supervision-public")
    public.click("#public-plans a")
    row = public.locator("#draw-1-result tbody tr", has_text=inspection.case.reference)
    assert "责令整改，已整改到位" in row.inner_text()
    assert "inspector_" not in public.inner_text("#draw-1")
    shoot(public, "public", "plan-outcome")

"""A plan end to end in Chromium: one supervisor drafts and publishes it, a second enters the
public value and draws, the public reads the notice and recomputes the downloaded draw offline.
Each page is saved as a full-page screenshot in ``test-artifacts/supervision/``."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC
from pathlib import Path

import pytest

import supervision

from ..browser import contrast_problems
from .conftest import PUBLISHED_AT, VALUE_KNOWN_AT, page_as

pytestmark = pytest.mark.django_db(transaction=True)

ARTIFACTS = Path(supervision.__file__).resolve().parents[1] / "test-artifacts" / "supervision"


def shoot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    assert contrast_problems(page) == [], name


def test_a_plan_runs_from_draft_to_a_public_draw_that_recomputes_offline(
    world, live_server, browser, time_machine, tmp_path
):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    time_machine.move_to(PUBLISHED_AT.astimezone(UTC), tick=True)
    first = page_as(browser, live_server, world.supervisor)
    first.goto(live_server.url + "/")
    first.click("#nav-supervision")
    assert "还没有抽查计划" in first.inner_text("#no-plans")
    first.click("#new-plan")
    first.fill("#id_title", "2026 年第四季度竣工档案验收质量抽查")
    first.fill("#id_period_start", "2026-10-01")
    first.fill("#id_period_end", "2026-10-31")
    first.fill("#id_sample_size", "4")
    first.fill("#id_sample_rate_percent", "5")
    first.fill("#id_public_value_source", "上证综合指数 2026-11-03 收盘点位")
    first.fill("#id_public_value_date", "2026-11-03")
    first.click("#plan-form button[type=submit]")
    assert "二选一" in first.inner_text("#error-summary")
    shoot(first, "supervisor-plan-new-error")
    first.fill("#id_sample_rate_percent", "")
    first.click("#plan-form button[type=submit]")
    assert "草拟" in first.inner_text("#plan-status")
    shoot(first, "supervisor-plan-draft")

    first.click("#publish-form button")
    assert "已公布" in first.inner_text("#plan-status")
    assert first.inner_text("#population-size") == "12"
    shoot(first, "supervisor-plan-published")

    time_machine.move_to(VALUE_KNOWN_AT.astimezone(UTC), tick=True)
    second = page_as(browser, live_server, world.second_supervisor)
    second.goto(first.url)
    second.fill("#public-value-form input[name=value]", "3421.57")
    second.click("#public-value-form button")
    assert second.inner_text("#public-value") == "3421.57"
    first.reload()  # both supervisors now see the draw button
    second.click("#draw-form button")
    assert "第 1 次抽取完成" in second.inner_text(".messages")
    assert second.locator("#draw-1-result tbody tr").count() == 4
    shoot(second, "supervisor-plan-drawn")

    # The first supervisor's page still offers the first draw: the answer names who drew.
    first.click("#draw-form button")
    assert "li_supervisor 已于 2026-11-03 16:00 完成第 1 次抽取" in first.inner_text(".messages")

    second.goto(live_server.url + "/supervision/plans/")
    shoot(second, "supervisor-plan-list")

    public = page_as(browser, live_server)
    public.goto(live_server.url + "/")
    public.click("#nav-supervision-public")
    assert "已抽取" in public.inner_text("#public-plans")
    shoot(public, "public-plan-list")
    public.click("#public-plans a")
    assert "上海浦东建设发展有限公司" in public.inner_text("#draw-1")
    assert "inspector_" not in public.inner_text("#draw-1")
    shoot(public, "public-plan-detail")
    with public.expect_download() as download:
        public.click(".download-draw")
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)

    public.click("#verification summary")
    with public.expect_download() as script_download:
        public.click("#download-verifier")
    script = tmp_path / "elsewhere" / "verify_draw.py"
    script_download.value.save_as(script)

    # The downloaded script, alone in a folder, with no product on the path.
    done = subprocess.run(
        [sys.executable, "-I", str(script), str(saved)], capture_output=True, text=True, cwd="/"
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "与公布结果一致" in done.stdout


def test_the_public_downloads_a_periods_results_and_sees_each_targets_outcome(
    world, live_server, browser, time_machine, tmp_path
):
    from openpyxl import load_workbook

    from supervision.services import plan_draw

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    time_machine.move_to(PUBLISHED_AT.astimezone(UTC), tick=False)
    plan = world.ready()
    time_machine.move_to(VALUE_KNOWN_AT.astimezone(UTC), tick=True)
    plan_draw(plan=plan, actor=world.supervisor, seen_draws=0)

    public = page_as(browser, live_server)
    public.goto(live_server.url + "/supervision/public/")
    assert "2026-01-01 至 2026-11-03" in public.inner_text("#download-results")
    shoot(public, "public-results-export")
    with public.expect_download() as download:
        public.click("#download-results")
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    rows = list(load_workbook(saved)["抽查结果 Results"].values)[2:]
    assert len(rows) == 4 and {row[11] for row in rows} == {"待检查 not inspected yet"}

    public.click("#public-plans a")
    outcomes = public.locator("#draw-1-result td.outcome").all_inner_texts()
    assert [text.split()[0] for text in outcomes] == ["待检查"] * 4
    shoot(public, "public-plan-detail-outcomes")

"""Staff open the migration page from the navigation, read the dry run and move a batch by clicks."""

from __future__ import annotations

from pathlib import Path

import pytest

from workflows.models import ProcessInstance

from ..browser import chromium_page, contrast_problems, sign_in
from .helpers import deploy_migration_v2

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "migration"

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def browser_page(monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    yield from chromium_page({"width": 1280, "height": 900})


def test_staff_move_the_cases_that_can_move_and_see_why_the_others_cannot(
    case_at,
    make_user,
    live_server,
    browser_page,
):
    cases = [
        case_at(("intake", "review", "archive_old")[n % 3], f"2030-JG-{n + 1:04d}")
        for n in range(6)
    ]
    deploy_migration_v2()
    staff = make_user("stan")
    staff.is_staff = True
    staff.set_password("test-password")
    staff.save()
    page = browser_page
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    sign_in(page, live_server.url, staff)
    page.goto(f"{live_server.url}/tasks/")
    page.click("#nav-migrations")
    page.wait_for_selector("#migration-plans")
    assert "6第 1 版在办" in page.inner_text("#migration-summary").replace("\n", "")
    # The case waiting at review: its dry run says why it cannot move.
    page.locator(f"#plan-{cases[1].pk} details summary").first.click()
    assert contrast_problems(page) == []
    page.screenshot(path=str(ARTIFACTS / "dry-run.png"), full_page=True)

    page.check("#select-all")
    page.fill("#migration-reason", "新增预算审批环节")
    page.click("#migration-submit")
    page.wait_for_selector(".messages")

    assert "已将 2 件案件迁移到第 2 版" in page.inner_text(".messages")
    versions = list(ProcessInstance.objects.values_list("definition__version", flat=True))
    assert sorted(versions) == [1, 1, 1, 1, 2, 2]
    assert page.locator("#recent-migrations tbody tr").count() == 2
    assert contrast_problems(page) == []
    page.screenshot(path=str(ARTIFACTS / "after-apply.png"), full_page=True)

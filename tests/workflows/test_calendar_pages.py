"""The holiday calendar page: staff read a year, import the State Council's notice, change a day;
others are refused. The browser test saves full-page screenshots in test-artifacts/calendar/."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from workflows.models import JournalEntry
from workflows.workdays import calendar_covers, is_working_day

from ..browser import chromium_page, contrast_problems, sign_in

DATA = Path(__file__).parent / "data"
TEST_2027 = DATA / "holidays-2027-test.txt"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "calendar"
# Saturday 5 December 2026 in Shanghai: the 2027 arrangement is expected and not entered.
TODAY = datetime(2026, 12, 5, 10, tzinfo=ZoneInfo("Asia/Shanghai"))
PAGE = reverse("workflows:calendar")


def make_person(username: str, *, staff: bool):
    return get_user_model().objects.create_user(
        username=username, password="test-password", is_staff=staff
    )


@pytest.fixture
def today(time_machine):
    time_machine.move_to(TODAY, tick=True)


@pytest.fixture
def staff(db):
    return make_person("archivist", staff=True)


@pytest.mark.django_db
def test_staff_read_a_year_its_holidays_make_up_days_and_source(client, staff, today):
    client.force_login(staff)
    page = client.get(PAGE, {"year": 2026}).content.decode()
    assert "2026 年放假安排" in page
    assert "2月15日 至 2月23日" in page and "2月14日（周六）、2月28日（周六）" in page
    assert "chinesecalendar" in page
    # 2027 is expected from 1 November and not entered: the page says so, in both languages.
    assert "2027 年的节假日安排尚未录入" in page
    assert "not entered" in page


@pytest.mark.django_db
def test_a_year_not_entered_is_shown_as_such(client, staff, today):
    client.force_login(staff)
    page = client.get(PAGE, {"year": 2027}).content.decode()
    assert "2027 年的放假安排尚未录入" in page


@pytest.mark.django_db
def test_staff_import_a_pasted_notice_and_change_a_day(client, staff, today):
    client.force_login(staff)
    text = TEST_2027.read_text(encoding="utf-8")
    answer = client.post(reverse("workflows:calendar_import"), {"text": text}, follow=True)
    assert answer.redirect_chain[-1][0] == f"{PAGE}?year=2027"
    page = answer.content.decode()
    assert "2027 年放假安排已录入" in page and "2月6日 至 2月12日" in page
    assert "尚未录入" not in page
    assert calendar_covers(2027)

    answer = client.post(
        reverse("workflows:calendar_day"),
        {"day": "2027-02-13", "kind": "off", "name": "春节", "reason": "更正"},
        follow=True,
    )
    assert "2027年02月13日已修改" in answer.content.decode()
    assert not is_working_day(date(2027, 2, 13))
    assert JournalEntry.objects.filter(chain="calendar").last().actor == "archivist"


@pytest.mark.django_db
def test_a_notice_with_a_slip_is_refused_with_the_reason(client, staff, today):
    client.force_login(staff)
    answer = client.post(
        reverse("workflows:calendar_import"),
        {"text": "年度：2027\n二、春节：2月6日至12日放假调休，共9天。"},
        follow=True,
    )
    assert "共 7 天" in answer.content.decode()
    assert not calendar_covers(2027)


@pytest.mark.django_db
def test_people_who_are_not_staff_cannot_read_or_change_the_calendar(client, today):
    client.force_login(make_person("owner_x", staff=False))
    assert client.get(PAGE).status_code == 403
    answer = client.post(reverse("workflows:calendar_day"), {"day": "2026-10-09", "kind": "off"})
    assert answer.status_code == 403
    assert is_working_day(date(2026, 10, 9))


@pytest.mark.django_db(transaction=True)
def test_staff_import_2027_in_the_browser(live_server, today):
    staff = make_person("archivist", staff=True)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for page in chromium_page({"width": 1280, "height": 900}, timeout_ms=90_000):
        sign_in(page, live_server.url, staff)
        page.wait_for_url(f"{live_server.url}/")
        page.click("text=节假日日历")
        page.click(".tabs >> text=2027 年")
        assert "尚未录入" in page.inner_text("#calendar-readiness")
        page.screenshot(path=str(ARTIFACTS / "staff-2027-not-entered.png"), full_page=True)
        assert contrast_problems(page) == []

        page.fill("#notice-text", TEST_2027.read_text(encoding="utf-8"))
        page.click("#import-submit")
        page.wait_for_selector("#holidays")
        assert "2月6日 至 2月12日" in page.inner_text("#holidays")
        assert page.locator("#calendar-readiness").count() == 0
        assert page.locator('td.work[data-day="2027-02-13"]').count() == 1
        page.screenshot(path=str(ARTIFACTS / "staff-2027-imported.png"), full_page=True)
        assert contrast_problems(page) == []

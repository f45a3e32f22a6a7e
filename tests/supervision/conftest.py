"""A small world for supervision: accepted cases of two owners and two works types, a pool of
inspectors and two supervisors. Cases are made as rows in their accepted state: the acceptance
flow that accepts them is tested in ``tests/acceptance``; here they are only the population."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.test import Client

from acceptance.models import Case, Organisation, Project
from acceptance.roles import SUPERVISORS
from acceptance.selectors.catalog import catalog_current_version
from acceptance.services.catalog import catalog_seed
from supervision.inspections import draw_confirm
from supervision.labels import INSPECTORS
from supervision.services import plan_create, plan_draw, plan_publish, public_value_enter

from ..acceptance.conftest import make_user
from ..browser import chromium_browser

SHANGHAI = ZoneInfo("Asia/Shanghai")
PUBLISHED_AT = datetime(2026, 11, 2, 10, 0, tzinfo=SHANGHAI)
VALUE_KNOWN_AT = datetime(2026, 11, 3, 16, 0, tzinfo=SHANGHAI)


@dataclass
class World:
    supervisor: object
    second_supervisor: object
    inspectors: list
    organisations: list
    cases: list = field(default_factory=list)

    def accepted_case(self, reference: str, organisation, works_type: str, decided: date):
        project = Project.objects.create(
            reference=f"P-{reference}",
            name=f"{organisation.name}{reference}工程",
            location="浦东新区",
            works_type=works_type,
            owner=organisation,
            created_by=self.supervisor,
        )
        case = Case.objects.create(
            reference=reference,
            project=project,
            status=Case.Status.ACCEPTED,
            owner_user=self.supervisor,
            catalog_version=catalog_current_version(),
            decided_at=datetime.combine(decided, datetime.min.time(), SHANGHAI).replace(hour=15),
        )
        self.cases.append(case)
        return case

    def give_owners(self) -> list:
        """A member of each owner organisation, who opened its cases (and rectifies them)."""
        owners = []
        for n, organisation in enumerate(self.organisations):
            owner = make_user(f"owner_{n}", "owners")
            organisation.members.add(owner)
            Case.objects.filter(project__owner=organisation).update(owner_user=owner)
            owners.append(owner)
        for case in self.cases:
            case.refresh_from_db()
        return owners

    def plan(self, **overrides):
        facts = {
            "actor": self.supervisor,
            "title": "2026 年第四季度竣工档案验收质量抽查",
            "period_start": date(2026, 10, 1),
            "period_end": date(2026, 10, 31),
            "inspector_group": Group.objects.get(name=INSPECTORS),
            "public_value_source": "上证综合指数 2026-11-03 收盘点位",
            "public_value_date": date(2026, 11, 3),
            "sample_size": 4,
            "inspectors_per_target": 2,
        } | overrides
        return plan_create(**facts)

    def published(self, **overrides):
        return plan_publish(plan=self.plan(**overrides), actor=self.supervisor, now=PUBLISHED_AT)

    def ready(self, value: str = "3421.57", **overrides):
        plan = self.published(**overrides)
        return public_value_enter(
            plan=plan, actor=self.second_supervisor, value=value, now=VALUE_KNOWN_AT
        )


@pytest.fixture
def world(db) -> World:
    catalog_seed()
    organisations = [
        Organisation.objects.create(name="上海浦东建设发展有限公司"),
        Organisation.objects.create(name="上海临港市政工程有限公司"),
    ]
    world = World(
        supervisor=make_user("zhang_supervisor", SUPERVISORS),
        second_supervisor=make_user("li_supervisor", SUPERVISORS),
        inspectors=[make_user(f"inspector_{n}", INSPECTORS) for n in range(1, 6)],
        organisations=organisations,
    )
    for n in range(1, 9):
        world.accepted_case(f"YS-2026-{n:04d}", organisations[0], "building", date(2026, 10, n))
    for n in range(9, 13):
        world.accepted_case(f"YS-2026-{n:04d}", organisations[1], "municipal", date(2026, 10, n))
    # Outside the period: never in the population.
    world.accepted_case("YS-2026-0099", organisations[0], "building", date(2026, 11, 1))
    return world


@pytest.fixture
def confirmed(world):
    """A drawn and confirmed plan; each case's owner organisation has a member who opened it."""
    call_command("deploy_processes", verbosity=0, stdout=io.StringIO())
    world.give_owners()
    plan = world.ready(sample_size=2)
    plan_draw(plan=plan, actor=world.supervisor, seen_draws=0)
    return draw_confirm(plan=plan, actor=world.supervisor)


@pytest.fixture
def browser(monkeypatch):
    # Playwright's sync API keeps an event loop in this thread; the live server answers in its own.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    yield from chromium_browser()


def page_as(browser, live_server, user=None):
    context = browser.new_context(viewport={"width": 1100, "height": 900}, locale="zh-CN")
    if user is not None:
        client = Client()
        client.force_login(user)
        # A session cookie (no expiry): the test's clock is not the browser's.
        cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
        name = settings.SESSION_COOKIE_NAME
        context.add_cookies([{"name": name, "value": cookie, "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(30_000)
    return page

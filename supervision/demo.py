"""The demo's supervision part (``manage.py demo`` runs it after the acceptance cases, through
``DEMO_EXTENSIONS``): one plan over the cases the demo accepted, from publication to a published
result, with one inspection left waiting for its lead inspector.

The public value becomes known the day after publication; the demo enters it and draws at that
moment (4 pm the next day, Shanghai), as it moves a commitment past its deadline: the time is
simulated, the records say so.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from acceptance.roles import SUPERVISORS
from workflows.labels import SHANGHAI

from .inspections import (
    draw_confirm,
    finding_record,
    inspection_decide,
    rectification_report,
    reinspection_decide,
)
from .models import Inspection, InspectionPlan
from .roles import INSPECTORS
from .selectors import inspection_outcome, plan_cases
from .services import plan_create, plan_draw, plan_publish, public_value_enter

DEMO_PASSWORD = "demo-password"
INSPECTOR_USERS = ("inspector_demo_1", "inspector_demo_2", "inspector_demo_3")
SECOND_SUPERVISOR = "supervisor2_demo"
# A JPEG's first bytes and a little content: the evidence photo of the demo's finding.
EVIDENCE = b"\xff\xd8\xff\xe0" + "竣工验收报告缺监理单位签章（现场照片）".encode() * 8


def _user(username: str, group: str):
    user, created = get_user_model().objects.get_or_create(username=username)
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
    user.groups.add(Group.objects.get_or_create(name=group)[0])
    return user


def run(say: Callable[[str], None] = print) -> InspectionPlan | None:
    """One plan drawn, confirmed, one inspection closed after a rectification, one waiting."""
    supervisor = _user("supervisor_demo", SUPERVISORS)
    second = _user(SECOND_SUPERVISOR, SUPERVISORS)
    for username in INSPECTOR_USERS:
        _user(username, INSPECTORS)
    now = timezone.now()
    today = timezone.localdate(now)
    population = plan_cases_count(today)
    if not population:
        say("     本年度没有已验收案件，跳过双随机抽查演示 — no accepted case, no plan")
        return None
    plan = plan_create(
        actor=supervisor,
        title=f"{today:%Y} 年竣工档案验收质量双随机抽查（演示）",
        period_start=today.replace(month=1, day=1),
        period_end=today,
        inspector_group=Group.objects.get(name=INSPECTORS),
        public_value_source=f"上证综合指数 {today + timedelta(days=1):%Y-%m-%d} 收盘点位（演示）",
        public_value_date=today + timedelta(days=1),
        sample_size=min(2, population),
        inspectors_per_target=2,
    )
    plan = plan_publish(plan=plan, actor=supervisor, now=now)
    known = datetime.combine(today + timedelta(days=1), time(16, 0), SHANGHAI)
    plan = public_value_enter(plan=plan, actor=second, value="3421.57", now=known)
    draw = plan_draw(plan=plan, actor=supervisor, seen_draws=0, now=known)
    inspections = draw_confirm(plan=plan, actor=supervisor, now=known + timedelta(minutes=5))
    say(
        f"     双随机抽查 {plan.reference}：{len(plan.publication['population'])} 个对象中抽取 "
        f"{len(draw.result)} 个（公开随机值与抽取时间为模拟的次日 16:00）— plan drawn, "
        f"{len(inspections)} inspections started"
    )
    closed, waiting = inspections[0], inspections[1:]
    _rectified(closed)
    say(
        f"     检查 {closed.reference}：责令整改 → 整改报告 → 复查整改到位，已办结并公示 — "
        "rectified and closed"
    )
    for inspection in waiting:
        say(
            f"     检查 {inspection.reference} 待主查 {inspection.lead_inspector.get_username()} "
            f"检查 — waiting: sign in as {inspection.lead_inspector.get_username()} → "
            f"/supervision/inspections/{inspection.reference}/"
        )
    say(f"     公示 public notice → /supervision/public/{plan.reference}/")
    closed.refresh_from_db()
    if inspection_outcome(closed) != "rectified":
        raise RuntimeError(f"the demo inspection {closed.reference} did not close rectified")
    plan.refresh_from_db()
    return plan


def plan_cases_count(today) -> int:
    probe = InspectionPlan(period_start=today.replace(month=1, day=1), period_end=today)
    return plan_cases(probe).count()


def _rectified(inspection: Inspection) -> None:
    lead, owner = inspection.lead_inspector, inspection.case.owner_user
    finding_record(
        inspection=inspection,
        user=lead,
        item_code="A1-1",
        verdict="conforms",
        note="立项批复齐全 complete",
    )
    finding_record(
        inspection=inspection,
        user=lead,
        item_code="E1-5",
        verdict="deficient",
        note="工程竣工验收报告缺监理单位签章",
        evidence=SimpleUploadedFile("现场照片-E1-5.jpg", EVIDENCE, "image/jpeg"),
    )
    inspection_decide(
        inspection=inspection,
        user=lead,
        decision=Inspection.Decision.RECTIFY,
        comment="请补盖监理单位签章",
        rectification_days=10,
    )
    rectification_report(
        inspection=inspection, user=owner, report="已补盖监理单位签章并重新扫描归档"
    )
    reinspection_decide(inspection=inspection, user=lead, verdict="rectified", comment="签章齐全")

"""Writes for supervision: define, publish, enter the public value, draw. Each is journaled."""

from __future__ import annotations

import secrets
from datetime import date, datetime
from decimal import Decimal

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from acceptance.roles import SUPERVISORS
from acceptance.services.projects import new_reference
from workflows.journal import journal_append
from workflows.labels import local_time

from . import verify_draw as algorithm
from .exceptions import (
    DrawConflict,
    DrawNotPossible,
    NotPermitted,
    PlanInvalid,
    PlanStateConflict,
    ReasonRequired,
)
from .models import Draw, InspectionPlan
from .selectors import inspector_codes, plan_exclusions, plan_inspectors, plan_population

Status = InspectionPlan.Status


def plan_chain(plan: InspectionPlan) -> str:
    return f"supervision:{plan.reference}"


def _require_supervisor(actor) -> None:
    if not actor.groups.filter(name=SUPERVISORS).exists():
        raise NotPermitted("只有督办负责人可以办理抽查计划。", "Only supervisors handle plans.")


def plan_create(
    *,
    actor,
    title: str,
    period_start: date,
    period_end: date,
    inspector_group: Group,
    public_value_source: str,
    public_value_date: date,
    works_type: str = "",
    population: str = InspectionPlan.Population.ACCEPTED,
    stratify: bool = True,
    sample_size: int | None = None,
    sample_rate_percent: Decimal | None = None,
    inspectors_per_target: int = 2,
) -> InspectionPlan:
    _require_supervisor(actor)
    if period_start > period_end:
        raise PlanInvalid("开始日期晚于结束日期。", "The period starts after it ends.")
    if (sample_size is None) == (sample_rate_percent is None):
        raise PlanInvalid(
            "请填写抽取数量或抽取比例（二选一）。", "Give either a sample size or a rate, not both."
        )
    if sample_size is not None and sample_size < 1:
        raise PlanInvalid("抽取数量至少为 1。", "The sample size is at least 1.")
    if sample_rate_percent is not None and not 0 < sample_rate_percent <= 100:
        raise PlanInvalid("抽取比例应在 0 至 100% 之间。", "The rate is between 0 and 100%.")
    if population not in InspectionPlan.Population.values:
        raise PlanInvalid("请选择检查对象范围。", "Choose the population.")
    if inspectors_per_target < 1:
        raise PlanInvalid("每个对象至少 1 名检查人员。", "At least one inspector per target.")
    if not public_value_source.strip():
        raise PlanInvalid("请写明公开随机值的来源。", "Name the source of the public value.")
    with transaction.atomic(durable=True):
        plan = InspectionPlan.objects.create(
            reference=new_reference("SJ"),
            title=title.strip(),
            period_start=period_start,
            period_end=period_end,
            works_type=works_type,
            population=population,
            stratify=stratify,
            sample_size=sample_size,
            sample_rate_percent=sample_rate_percent,
            inspector_group=inspector_group,
            inspectors_per_target=inspectors_per_target,
            public_value_source=public_value_source.strip(),
            public_value_date=public_value_date,
            created_by=actor,
        )
        journal_append(
            chain=plan_chain(plan),
            kind="supervision.plan_created",
            actor=actor,
            payload={"title": plan.title},
        )
    return plan


def _plan_facts(plan: InspectionPlan, published_at: datetime) -> dict:
    return {
        "reference": plan.reference,
        "title": plan.title,
        "period_start": plan.period_start.isoformat(),
        "period_end": plan.period_end.isoformat(),
        "works_type": plan.works_type,
        "population": plan.population,
        "stratify": plan.stratify,
        "sample_size": plan.sample_size,
        "sample_rate_percent": (
            None if plan.sample_rate_percent is None else str(plan.sample_rate_percent)
        ),
        "inspectors_per_target": plan.inspectors_per_target,
        "public_value_source": plan.public_value_source,
        "public_value_date": plan.public_value_date.isoformat(),
        "published_at": local_time(published_at, "%Y-%m-%d %H:%M"),
    }


def plan_publish(*, plan: InspectionPlan, actor, now: datetime | None = None) -> InspectionPlan:
    """Freeze the population, the pool and the exclusions, and publish the seed's commitment.

    Refused, with nothing published, when the sample is larger than the population or when a
    target could not get enough inspectors after exclusions.
    """
    _require_supervisor(actor)
    now = now or timezone.now()
    with transaction.atomic(durable=True):
        plan = InspectionPlan.objects.select_for_update().get(pk=plan.pk)
        if plan.status != Status.DRAFT:
            raise PlanStateConflict("该计划已经公布。", "The plan is already published.")
        if plan.public_value_date <= timezone.localdate(now):
            raise PlanInvalid(
                "公开随机值的日期须晚于公布日期，否则抽取前已可预知。",
                "The public value's date must come after publication, or it is known in advance.",
            )
        population = plan_population(plan)
        if not population:
            raise PlanInvalid(
                "该期间内没有符合条件的已验收案件，无可抽取对象。",
                "No accepted case falls in the period: there is nothing to draw from.",
            )
        codes = inspector_codes(plan_inspectors(plan))
        exclusions = plan_exclusions(plan, codes)
        publication = {
            "format": algorithm.FORMAT,
            "algorithm": algorithm.ALGORITHM,
            "plan": _plan_facts(plan, now),
            "population": population,
            "population_digest": algorithm.population_digest(population),
            "inspectors": sorted(codes.values()),
            "exclusions": exclusions,
        }
        try:
            algorithm.sample_size(publication["plan"], len(population))
            # Whichever targets are drawn, each must keep enough inspectors after exclusions.
            for item in population:
                algorithm.eligible_inspectors(publication, item["id"])
        except algorithm.DrawRefused as refusal:
            raise DrawNotPossible(refusal) from None
        seed = secrets.token_hex(32)
        publication["commitment"] = algorithm.seed_commitment(seed)
        plan.publication = publication
        plan.inspector_codes = {code: user.pk for user, code in codes.items()}
        plan.seed = seed
        plan.status = Status.PUBLISHED
        plan.published_by = actor
        plan.published_at = now
        plan.save()
        journal_append(
            chain=plan_chain(plan),
            kind="supervision.plan_published",
            actor=actor,
            recorded_at=now,
            payload={
                "population_size": len(population),
                "population_digest": publication["population_digest"],
                "publication_digest": algorithm.publication_digest(publication),
                "commitment": publication["commitment"],
            },
        )
    return plan


def public_value_enter(
    *, plan: InspectionPlan, actor, value: str, now: datetime | None = None
) -> InspectionPlan:
    """A second supervisor enters the public value named in the plan, once it is known."""
    _require_supervisor(actor)
    now = now or timezone.now()
    value = value.strip()
    with transaction.atomic(durable=True):
        plan = InspectionPlan.objects.select_for_update().get(pk=plan.pk)
        if plan.status != Status.PUBLISHED or plan.public_value:
            raise PlanStateConflict(
                "公开随机值已录入或计划尚未公布。",
                "The public value is already entered, or the plan is not published.",
            )
        if actor.pk == plan.published_by_id:
            raise NotPermitted(
                "公开随机值须由公布计划者以外的另一名人员录入。",
                "The public value is entered by someone other than the plan's publisher.",
            )
        if timezone.localdate(now) < plan.public_value_date:
            raise PlanInvalid(
                f"公开随机值要到 {plan.public_value_date:%Y-%m-%d} 才能取得，请届时录入。",
                f"The public value is known only from {plan.public_value_date:%Y-%m-%d}.",
            )
        if not value:
            raise PlanInvalid("请填写公开随机值。", "Enter the public value.")
        plan.public_value = value
        plan.public_value_entered_by = actor
        plan.public_value_entered_at = now
        plan.save(
            update_fields=["public_value", "public_value_entered_by", "public_value_entered_at"]
        )
        journal_append(
            chain=plan_chain(plan),
            kind="supervision.public_value_entered",
            actor=actor,
            recorded_at=now,
            payload={"public_value": value, "source": plan.public_value_source},
        )
    return plan


def plan_draw(*, plan: InspectionPlan, actor, seen_draws: int, reason: str = "", now=None) -> Draw:
    """Draw the plan's targets and inspectors and reveal the seed.

    ``seen_draws`` is how many draws the person saw when asking: when another supervisor drew in
    the meantime, the plan row's lock makes this request wait and then refuses it by name.
    """
    _require_supervisor(actor)
    now = now or timezone.now()
    reason = reason.strip()
    with transaction.atomic(durable=True):
        plan = InspectionPlan.objects.select_for_update().get(pk=plan.pk)
        if plan.status == Status.DRAFT:
            raise PlanStateConflict("计划尚未公布，不能抽取。", "Publish the plan before drawing.")
        if plan.status == Status.INSPECTING:
            raise PlanStateConflict(
                "抽取结果已确认、检查已开始，不能再重新抽取。",
                "The draw is confirmed and inspections are under way: no redraw is possible.",
            )
        if not plan.public_value:
            raise PlanStateConflict(
                "公开随机值尚未录入，不能抽取。", "The public value is not entered yet."
            )
        previous = plan.draws.order_by("-number").select_related("drawn_by").first()
        count = previous.number if previous else 0
        if seen_draws != count and previous is None:
            raise PlanStateConflict(
                "页面已过期，请刷新后再抽取。", "The page is out of date; reload it and draw."
            )
        if seen_draws != count:
            raise DrawConflict(
                f"{previous.drawn_by.get_username()} 已于 {local_time(previous.drawn_at)} "
                f"完成第 {previous.number} 次抽取，本次请求未抽取。请查看结果。",
                f"{previous.drawn_by.get_username()} made draw {previous.number} at "
                f"{local_time(previous.drawn_at)}; your request drew nothing. See the result.",
            )
        if count and not reason:
            raise ReasonRequired(
                "重新抽取须填写理由，理由将记录并公开。",
                "A second draw needs a reason; it is recorded and published.",
            )
        publication = plan.publication
        number = count + 1
        try:
            algorithm.check_seed(plan.seed, publication["commitment"])
            key = algorithm.draw_key(plan.seed, publication, plan.public_value, number)
            result = algorithm.select(publication, key)
        except algorithm.DrawRefused as refusal:
            raise DrawNotPossible(refusal) from None
        document = {
            **publication,
            "public_value": {
                "source": plan.public_value_source,
                "date": plan.public_value_date.isoformat(),
                "value": plan.public_value,
            },
            "draw": {"number": number, "reason": reason, "drawn_at": local_time(now)},
            "seed": plan.seed,
            "result": result,
        }
        draw = Draw.objects.create(
            plan=plan,
            number=number,
            reason=reason,
            drawn_by=actor,
            drawn_at=now,
            document=document,
            document_sha256=algorithm.sha256_hex(algorithm.canonical(document)),
        )
        plan.status = Status.DRAWN
        plan.save(update_fields=["status"])
        journal_append(
            chain=plan_chain(plan),
            kind="supervision.draw_made",
            actor=actor,
            recorded_at=now,
            payload={
                "draw": number,
                "reason": reason,
                "seed": plan.seed,
                "public_value": plan.public_value,
                "result": result,
                "document_sha256": draw.document_sha256,
            },
        )
    return draw

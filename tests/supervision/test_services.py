"""Plans, publication, the public value and the draw, as the supervisors and the public see them."""

from __future__ import annotations

import hashlib
import threading
from datetime import date

import pytest
from django.db import connection

from supervision import verify_draw
from supervision.exceptions import (
    DrawConflict,
    DrawNotPossible,
    NotPermitted,
    PlanInvalid,
    PlanStateConflict,
    ReasonRequired,
)
from supervision.models import Draw, InspectionPlan, Recusal
from supervision.services import plan_chain, plan_draw, plan_publish, public_value_enter
from workflows.journal import chain_entries, journal_append, verify_chain

from .conftest import PUBLISHED_AT, VALUE_KNOWN_AT


def test_publishing_freezes_the_population_in_order_and_commits_to_a_secret_seed(world):
    plan = world.published()

    publication = plan.publication
    ids = [item["id"] for item in publication["population"]]
    assert ids == [f"YS-2026-{n:04d}" for n in range(1, 13)]
    assert publication["population"][0]["organisation"] == "上海浦东建设发展有限公司"
    assert publication["population_digest"] == verify_draw.population_digest(
        publication["population"]
    )
    assert publication["commitment"] == hashlib.sha256(bytes.fromhex(plan.seed)).hexdigest()
    assert "seed" not in publication
    # Codes, not persons; which inspector each stands for is kept with the plan, unpublished.
    assert publication["inspectors"] == [f"I-0{n}" for n in range(1, 6)]
    assert sorted(plan.inspector_codes) == publication["inspectors"]
    assert sorted(plan.inspector_codes.values()) == sorted(user.pk for user in world.inspectors)
    kinds = [entry.kind for entry in chain_entries(plan_chain(plan))]
    assert kinds == ["supervision.plan_created", "supervision.plan_published"]


def test_a_draw_stratifies_in_proportion_assigns_two_inspectors_and_reveals_the_seed(world):
    plan = world.ready()

    draw = plan_draw(plan=plan, actor=world.supervisor, seen_draws=0)

    result = draw.result
    assert [row["stratum"] for row in result].count("building") == 3  # 8 of 12 → 4 × 8/12
    assert [row["stratum"] for row in result].count("municipal") == 1
    assert all(len(set(row["inspectors"])) == 2 for row in result)
    assert draw.document["seed"] == plan.seed
    assert verify_draw.verify(draw.document).ok
    plan.refresh_from_db()
    assert plan.status == InspectionPlan.Status.DRAWN
    assert verify_chain(plan_chain(plan)).intact
    entry = list(chain_entries(plan_chain(plan)))[-1]
    assert entry.kind == "supervision.draw_made"
    assert entry.payload["result"] == result


def test_a_rate_draws_its_share_of_the_population_rounded_up(world):
    plan = world.ready(sample_size=None, sample_rate_percent=20)

    draw = plan_draw(plan=plan, actor=world.supervisor, seen_draws=0)

    assert len(draw.result) == 3  # 20% of 12 = 2.4 → 3


def test_exclusions_keep_reviewers_members_and_declared_conflicts_off_their_cases(world):
    reviewed = world.cases[0]
    journal_append(chain=reviewed.reference, kind="decision.recorded", actor=world.inspectors[0])
    world.organisations[1].members.add(world.inspectors[1])
    Recusal.objects.create(
        inspector=world.inspectors[2], organisation=world.organisations[0], reason="亲属任职"
    )
    plan = world.ready(sample_size=12)

    code = {pk: code for code, pk in plan.inspector_codes.items()}
    first, second, third = (code[user.pk] for user in world.inspectors[:3])
    exclusions = plan.publication["exclusions"]
    assert exclusions[reviewed.reference] == {first: "reviewed", third: "declared_conflict"}
    assert exclusions["YS-2026-0010"] == {second: "same_organisation"}
    draw = plan_draw(plan=plan, actor=world.supervisor, seen_draws=0)
    for row in draw.result:
        assert not set(row["inspectors"]) & set(exclusions.get(row["target"], {}))


def test_a_sample_larger_than_the_population_is_refused_and_nothing_is_published(world):
    plan = world.plan(sample_size=13)

    with pytest.raises(DrawNotPossible) as refused:
        plan_publish(plan=plan, actor=world.supervisor, now=PUBLISHED_AT)

    assert refused.value.code == "sample_too_large"
    assert "抽取数量 13 大于检查对象总数 12" in refused.value.message_zh
    assert "larger than the population" in refused.value.message_en
    plan.refresh_from_db()
    assert plan.status == InspectionPlan.Status.DRAFT and plan.publication is None


def test_an_inspector_pool_too_small_after_exclusions_is_refused(world):
    for inspector in world.inspectors[:4]:
        Recusal.objects.create(
            inspector=inspector, organisation=world.organisations[1], reason="曾为其提供咨询"
        )
    plan = world.plan()

    with pytest.raises(DrawNotPossible) as refused:
        plan_publish(plan=plan, actor=world.supervisor, now=PUBLISHED_AT)

    assert refused.value.code == "pool_too_small"
    assert "YS-2026-0009 回避后仅剩 1 名" in refused.value.message_zh
    assert "enlarge the inspector pool" in refused.value.message_en
    assert not Draw.objects.exists()


def test_a_seed_that_does_not_match_its_commitment_draws_nothing(world):
    plan = world.ready()
    InspectionPlan.objects.filter(pk=plan.pk).update(seed="00" * 32)

    with pytest.raises(DrawNotPossible) as refused:
        plan_draw(plan=plan, actor=world.supervisor, seen_draws=0)

    assert refused.value.code == "seed_mismatch"
    assert "与抽取前公布的承诺值不符" in refused.value.message_zh
    assert not Draw.objects.exists()


def test_the_public_value_comes_from_a_second_person_once_it_is_known(world):
    plan = world.published()

    with pytest.raises(NotPermitted):
        public_value_enter(plan=plan, actor=world.supervisor, value="1", now=VALUE_KNOWN_AT)
    with pytest.raises(PlanInvalid) as early:
        public_value_enter(plan=plan, actor=world.second_supervisor, value="1", now=PUBLISHED_AT)
    assert "2026-11-03 才能取得" in early.value.message_zh


def test_a_public_value_dated_before_publication_is_refused(world):
    with pytest.raises(PlanInvalid) as refused:
        world.published(public_value_date=date(2026, 11, 2))

    assert "须晚于公布日期" in refused.value.message_zh


def test_a_second_draw_needs_a_recorded_reason_and_both_stay_published(world):
    plan = world.ready()
    first = plan_draw(plan=plan, actor=world.supervisor, seen_draws=0)

    with pytest.raises(ReasonRequired):
        plan_draw(plan=plan, actor=world.supervisor, seen_draws=1)
    second = plan_draw(
        plan=plan, actor=world.supervisor, seen_draws=1, reason="抽中对象已注销，经批准重新抽取"
    )

    assert second.number == 2 and first.number == 1
    assert second.document["draw"]["reason"] == "抽中对象已注销，经批准重新抽取"
    assert verify_draw.verify(second.document).ok
    kinds = [entry.kind for entry in chain_entries(plan_chain(plan))]
    assert kinds.count("supervision.draw_made") == 2


def test_a_supervisor_who_did_not_see_the_other_draw_gets_told_who_drew(world):
    plan = world.ready()
    plan_draw(plan=plan, actor=world.second_supervisor, seen_draws=0)

    with pytest.raises(DrawConflict) as refused:
        plan_draw(plan=plan, actor=world.supervisor, seen_draws=0)

    assert "li_supervisor 已于 2026-" in refused.value.message_zh
    assert "本次请求未抽取" in refused.value.message_zh
    assert Draw.objects.count() == 1


def test_only_supervisors_define_plans(world):
    with pytest.raises(NotPermitted):
        world.plan(actor=world.inspectors[0])
    with pytest.raises(PlanInvalid):
        world.plan(sample_size=None)


@pytest.mark.django_db(transaction=True)
def test_two_supervisors_drawing_at_once_one_wins_the_other_is_told(world):
    plan = world.ready()
    outcomes: list = []
    start = threading.Barrier(2)

    def draw(actor):
        try:
            start.wait()
            outcomes.append(plan_draw(plan=plan, actor=actor, seen_draws=0))
        except DrawConflict as conflict:
            outcomes.append(conflict)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=draw, args=(actor,))
        for actor in (world.supervisor, world.second_supervisor)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(type(outcome).__name__ for outcome in outcomes) == ["Draw", "DrawConflict"]
    assert Draw.objects.filter(plan=plan).count() == 1


def test_a_draw_asked_from_an_out_of_date_page_draws_nothing(world):
    plan = world.ready()

    with pytest.raises(PlanStateConflict) as refused:
        plan_draw(plan=plan, actor=world.supervisor, seen_draws=-1)

    assert "页面已过期" in refused.value.message_zh
    assert not Draw.objects.exists()


def test_a_plan_on_commitments_draws_only_from_owners_with_open_or_late_commitments(world):
    from acceptance.models import Commitment, Decision

    # The municipal owner delivered late once; the building owner never had a commitment.
    late_case = world.cases[8]
    decision = Decision.objects.create(
        case=late_case, outcome="conditional", decided_by=world.supervisor
    )
    commitment = Commitment.objects.create(case=late_case, decision=decision, period="P3M")
    Commitment.objects.filter(pk=commitment.pk).update(status=Commitment.Status.FULFILLED_LATE)

    plan = world.published(population=InspectionPlan.Population.COMMITMENTS, sample_size=2)

    organisations = {item["organisation"] for item in plan.publication["population"]}
    assert organisations == {world.organisations[1].name}
    assert len(plan.publication["population"]) == 4
    assert plan.publication["plan"]["population"] == "commitments"
    # The same period on every accepted case takes both owners.
    assert len(world.published(sample_size=2).publication["population"]) == 12


def test_a_plan_on_commitments_with_no_such_owner_is_refused_before_publication(world):
    plan = world.plan(population=InspectionPlan.Population.COMMITMENTS)
    with pytest.raises(PlanInvalid, match="没有符合条件"):
        plan_publish(plan=plan, actor=world.supervisor, now=PUBLISHED_AT)
    plan.refresh_from_db()
    assert plan.status == InspectionPlan.Status.DRAFT

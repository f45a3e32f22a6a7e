"""Supervision's words for the label registry (``workflows.labels``), found at start-up."""

from __future__ import annotations

from workflows.labels import register

from .models import InspectionPlan
from .selectors import (
    ALL_STRATA,
    EXCLUDED_DECLARED,
    EXCLUDED_REVIEWED,
    EXCLUDED_SAME_ORGANISATION,
    OUTCOME_PENDING,
    OUTCOME_SUPERSEDED,
)

INSPECTORS = "inspectors"

register(
    "event",
    {
        "supervision.plan_created": ("抽查计划拟定", "inspection plan drafted"),
        "supervision.plan_published": ("抽查计划公布", "inspection plan published"),
        "supervision.public_value_entered": ("公开随机值录入", "public value entered"),
        "supervision.draw_made": ("随机抽取", "draw made"),
    },
)
register("group", {INSPECTORS: ("执法检查人员", "inspectors")})
register(
    "plan_status",
    {
        InspectionPlan.Status.DRAFT: ("草拟", "draft"),
        InspectionPlan.Status.PUBLISHED: ("已公布 待抽取", "published, awaiting the draw"),
        InspectionPlan.Status.DRAWN: ("已抽取", "drawn"),
    },
    fallback=("—", "—"),
)
register(
    "stratum",
    {
        ALL_STRATA: ("全部", "all"),
        "building": ("房屋建筑工程", "building works"),
        "municipal": ("市政基础设施工程", "municipal works"),
    },
    fallback=("其他", "other"),
)
register(
    "exclusion",
    {
        EXCLUDED_REVIEWED: ("曾办理该案件", "handled the case"),
        EXCLUDED_SAME_ORGANISATION: ("属建设单位人员", "member of the owner organisation"),
        EXCLUDED_DECLARED: ("登记回避", "declared conflict"),
    },
    fallback=("回避", "recused"),
)
register(
    "outcome",
    {
        OUTCOME_PENDING: ("待检查", "not inspected yet"),
        OUTCOME_SUPERSEDED: ("已重新抽取，不予检查", "superseded by a later draw"),
    },
    fallback=("—", "—"),
)

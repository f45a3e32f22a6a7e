"""Supervision's words for the label registry (``workflows.labels``), found at start-up."""

from __future__ import annotations

from workflows.labels import register

from .models import Finding, Inspection, InspectionPlan
from .roles import INSPECTORS
from .selectors import (
    ALL_STRATA,
    EXCLUDED_DECLARED,
    EXCLUDED_REVIEWED,
    EXCLUDED_SAME_ORGANISATION,
    OUTCOME_INSPECTING,
    OUTCOME_NO_ISSUE,
    OUTCOME_PENDING,
    OUTCOME_RECTIFICATION_OVERDUE,
    OUTCOME_RECTIFIED,
    OUTCOME_RECTIFIED_LATE,
    OUTCOME_RECTIFYING,
    OUTCOME_REFERRED,
    OUTCOME_REINSPECTING,
    OUTCOME_SUPERSEDED,
)

register(
    "event",
    {
        "supervision.plan_created": ("抽查计划拟定", "inspection plan drafted"),
        "supervision.plan_published": ("抽查计划公布", "inspection plan published"),
        "supervision.public_value_entered": ("公开随机值录入", "public value entered"),
        "supervision.draw_made": ("随机抽取", "draw made"),
        "supervision.draw_confirmed": ("确认抽取结果，下达检查任务", "draw confirmed"),
        "supervision.finding_recorded": ("记录检查情况", "finding recorded"),
        "supervision.inspection_decided": ("作出检查结论", "inspection decided"),
        "supervision.rectification_reported": ("提交整改报告", "rectification reported"),
        "supervision.reinspected": ("复查", "re-inspected"),
        "supervision.inspection_closed": ("检查办结", "inspection closed"),
    },
)
register("group", {INSPECTORS: ("执法检查人员", "inspectors")})
register(
    "plan_status",
    {
        InspectionPlan.Status.DRAFT: ("草拟", "draft"),
        InspectionPlan.Status.PUBLISHED: ("已公布 待抽取", "published, awaiting the draw"),
        InspectionPlan.Status.DRAWN: ("已抽取 待确认", "drawn, awaiting confirmation"),
        InspectionPlan.Status.INSPECTING: ("检查实施中", "inspections under way"),
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
# Every outcome the public notice may show, in the order a result moves through them.
OUTCOMES = (
    OUTCOME_PENDING,
    OUTCOME_SUPERSEDED,
    OUTCOME_INSPECTING,
    OUTCOME_RECTIFYING,
    OUTCOME_RECTIFICATION_OVERDUE,
    OUTCOME_REINSPECTING,
    OUTCOME_NO_ISSUE,
    OUTCOME_RECTIFIED,
    OUTCOME_RECTIFIED_LATE,
    OUTCOME_REFERRED,
)
register(
    "outcome",
    {
        OUTCOME_PENDING: ("待检查", "not inspected yet"),
        OUTCOME_SUPERSEDED: ("已重新抽取，不予检查", "superseded by a later draw"),
        OUTCOME_INSPECTING: ("检查中", "being inspected"),
        OUTCOME_RECTIFYING: ("责令整改，整改中", "rectification required, in progress"),
        OUTCOME_RECTIFICATION_OVERDUE: ("责令整改，已逾期", "rectification overdue"),
        OUTCOME_REINSPECTING: ("整改后复查中", "rectified, being re-inspected"),
        OUTCOME_NO_ISSUE: ("未发现问题", "no issue found"),
        OUTCOME_RECTIFIED: ("责令整改，已整改到位", "rectified"),
        OUTCOME_RECTIFIED_LATE: ("责令整改，逾期整改到位", "rectified after the deadline"),
        OUTCOME_REFERRED: ("移送处理", "referred for enforcement"),
    },
    fallback=("—", "—"),
)
register(
    "inspection_status",
    {
        Inspection.Status.INSPECTING: ("检查中", "inspecting"),
        Inspection.Status.RECTIFYING: ("整改中", "rectifying"),
        Inspection.Status.REINSPECTING: ("待复查", "to re-inspect"),
        Inspection.Status.CLOSED: ("已办结", "closed"),
    },
    fallback=("—", "—"),
)
register(
    "inspection_decision",
    {
        Inspection.Decision.NO_ISSUE: ("未发现问题", "no issue"),
        Inspection.Decision.RECTIFY: ("责令整改", "rectification required"),
        Inspection.Decision.REFER: ("移送处理", "refer"),
    },
    fallback=("—", "—"),
)
register(
    "finding_verdict",
    {
        Finding.Verdict.CONFORMS: ("符合", "conforms"),
        Finding.Verdict.DEFICIENT: ("不符合", "deficient"),
    },
)
register(
    "inspection_step",
    {
        "inspect": ("主查检查并作出结论", "inspection and decision"),
        "rectify": ("建设单位整改", "owner's rectification"),
        "reinspect": ("主查复查", "re-inspection"),
    },
    fallback=("—", "—"),
)

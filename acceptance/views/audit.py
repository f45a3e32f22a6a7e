"""The auditor's pages of a case: its journal as a timeline, replay and verification, data diffs.

Read-only and server-rendered. Who may open them is decided by the same rule as every other case
page (``cases_visible_to``): staff and auditors see every case, owners their organisations' cases,
anyone else gets 404. Each time an auditor opens the timeline (at any point) or a data diff, or
runs the replay, that is itself journaled on the case's chain (``audit.viewed`` /
``audit.replayed``).

The timeline shows the case as it stood after a selected entry (``?at=``, the latest by
default): the BPMN diagram with the path taken and the active steps, replayed from the journal
(``workflows.replay.state_at``), and the domain objects folded from the journal
(``selectors.history.case_as_of``).
"""

from __future__ import annotations

import json
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Max, Min
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from certificates.models import Certificate
from workflows.anchors import verify_anchors
from workflows.diagram import process_diagram
from workflows.inbox import handover_words
from workflows.journal import SYSTEM_ACTOR, chain_entries, journal_append, verify_chain
from workflows.labels import label
from workflows.models import JournalEntry, ProcessInstance
from workflows.paging import PAGE_SIZE, paged, query_without
from workflows.replay import replay_instance, state_at
from workflows.spiff import ACTIVE_STATES, TaskState, is_step

from ..models import Case, Commitment, Decision, Material
from ..selectors.cases import is_auditor
from ..selectors.history import case_as_of
from ..services.audit import audit_view_record
from ..services.fixity import fixity_audit
from .cases import _case

SHANGHAI = ZoneInfo("Asia/Shanghai")
VALUE_LIMIT = 160  # characters of one rendered JSON value


def kind_label(kind: str) -> tuple[str, str]:
    found = label("event", kind)
    return found.zh, found.en


def compact(value, limit: int = VALUE_LIMIT) -> str:
    """``value`` as one line of JSON, cut to ``limit`` characters."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _case_instances(case: Case):
    return ProcessInstance.objects.filter(
        content_type=ContentType.objects.get_for_model(Case), object_id=str(case.pk)
    ).order_by("started_at", "pk")


def _service_parts(services) -> list[dict]:
    parts = []
    for record in services or []:
        operation = record.get("operation", "?")
        if "result" in record:
            text = f"{operation} → {compact(record['result'])}"
        elif "job" in record:
            text = f"{operation}: 已排队 queued (job {record['job']})"
        else:
            text = operation
        parts.append({"label": "服务 service", "text": text})
    return parts


def changes(entry, materials: dict[int, Material]) -> list[dict]:
    """A compact rendering of what ``entry`` records: [{label, text, url?, mono?}]."""
    payload = entry.payload or {}
    kind = entry.kind
    parts: list[dict] = []
    if kind == "material.uploaded" or ("sha256" in payload and "material" in payload):
        material = materials.get(payload.get("material"))
        parts.append(
            {
                "label": "材料 material",
                "text": f"{payload.get('catalog_item', '')} {payload.get('name', '')}".strip(),
                "url": reverse("api:material-file", args=[material.pk]) if material else "",
            }
        )
        if payload.get("version"):
            parts.append({"label": "版本 version", "text": str(payload["version"])})
        parts.append({"label": "SHA-256", "text": payload.get("sha256", ""), "mono": True})
        return parts
    if kind.startswith("certificate."):
        parts.append(
            {
                "label": "意见书 certificate",
                "text": f"{payload.get('number', '')} ({payload.get('kind', '')})",
            }
        )
        for key, value in payload.items():
            if key not in ("number", "kind"):
                parts.append({"label": key, "text": compact(value), "mono": key.endswith("sha256")})
        return parts
    if kind.startswith("audit."):
        return [{"label": "页面 page", "text": compact(payload.get("page", ""))}]
    if handover_words(entry):
        return [{"label": "说明 note", "text": handover_words(entry)}]
    if "data" in payload:
        data = payload["data"] or {}
        text = "; ".join(f"{key}={compact(value, 80)}" for key, value in data.items())
        parts.append({"label": "数据 data", "text": text or "—"})
    if "operation" in payload:
        result = compact(payload["result"]) if "result" in payload else "已排队 queued"
        parts.append({"label": "服务 service", "text": f"{payload['operation']} → {result}"})
    parts.extend(_service_parts(payload.get("services")))
    rest = {
        key: value
        for key, value in payload.items()
        if key not in ("data", "services", "operation", "result", "job")
    }
    if rest:
        parts.append({"label": "内容 payload", "text": compact(rest)})
    return parts


ROLE_LABELS = {
    "owners": "建设单位 owner",
    "reviewers": "审核员 reviewer",
    "auditors": "审计 auditor",
    "supervisors": "督办 supervisor",
}


def _roles(entries) -> dict[str, str]:
    """Each actor's role, as their groups name it (the system acts as itself)."""
    names = {entry.actor for entry in entries} - {SYSTEM_ACTOR}
    groups: dict[str, list[str]] = {}
    users = get_user_model().objects.filter(username__in=names).prefetch_related("groups")
    for user in users:
        groups[user.get_username()] = sorted(
            ROLE_LABELS.get(group.name, group.name) for group in user.groups.all()
        )
    roles = {name: "、".join(groups.get(name, [])) or "—" for name in names}
    roles[SYSTEM_ACTOR] = "系统 system"
    return roles


def _rows(case: Case, entries) -> list[dict]:
    material_ids = {
        entry.payload.get("material")
        for entry in entries
        if isinstance(entry.payload, dict) and isinstance(entry.payload.get("material"), int)
    }
    materials = {m.pk: m for m in Material.objects.filter(case=case, pk__in=material_ids)}
    roles = _roles(entries)
    return [
        {
            "entry": entry,
            "role": roles.get(entry.actor, "—"),
            "time": timezone.localtime(entry.recorded_at, SHANGHAI),
            "label": kind_label(entry.kind),
            "changes": changes(entry, materials),
        }
        for entry in entries
    ]


def _label(choices, value: str) -> str:
    return dict(choices).get(value, value) if value else "—"


def _instance_at(case: Case, sequence: int) -> ProcessInstance | None:
    """The case's instance running at journal entry ``sequence``: the last one started by then."""
    started = dict(
        JournalEntry.objects.filter(
            chain=case.reference, kind="instance.started", sequence__lte=sequence
        ).values_list("instance_id", "sequence")
    )
    instances = [i for i in _case_instances(case) if i.pk in started]
    return max(instances, key=lambda i: started[i.pk], default=None)


def _active_steps(workflow) -> list[dict]:
    steps = []
    for task in workflow.get_tasks(state=ACTIVE_STATES):
        spec = task.task_spec
        if not is_step(task):
            continue
        steps.append(
            {
                "id": spec.bpmn_id,
                "name": spec.bpmn_name or spec.bpmn_id,
                "state": TaskState.get_name(task.state),
                "lane": getattr(spec, "lane", "") or "",
            }
        )
    return sorted(steps, key=lambda step: (step["lane"], step["id"]))


def point_in_time(case: Case, sequence: int) -> dict:
    """The case as it stood after journal entry ``sequence``: the replayed process (diagram,
    active steps, data) and the domain objects folded from the journal."""
    domain = case_as_of(chain_entries(case.reference).iterator(), sequence)
    context = {
        "sequence": sequence,
        "time": timezone.localtime(domain.recorded_at, SHANGHAI) if domain.recorded_at else None,
        "case_status": _label(Case.Status.choices, domain.case_status),
        "materials": [
            {**vars(m), "status_label": _label(Material.Status.choices, m.status)}
            for m in domain.materials
        ],
        "decisions": [
            {**d, "outcome_label": _label(Decision.Outcome.choices, d["outcome"])}
            for d in domain.decisions
        ],
        "commitment": domain.commitment
        and {
            **domain.commitment,
            "status_label": _label(Commitment.Status.choices, domain.commitment["status"]),
        },
        "certificates": [
            {
                **c,
                "status_label": _label(Certificate.Status.choices, c["status"]),
                "kind_label": _label(Certificate.Kind.choices, c["kind"]),
            }
            for c in domain.certificates
        ],
        "diagram": "",
        "steps": [],
        "data": [],
        "error": "",
    }
    instance = _instance_at(case, sequence)
    if instance is None:
        context["error"] = "该时点流程尚未启动 The process had not started at this point."
        return context
    try:
        workflow = state_at(instance, sequence)
    except Exception as exc:  # a history that does not replay, whatever broke it, is reported
        context["error"] = f"无法重建该时点的流程状态 The process state cannot be rebuilt: {exc}"
        return context
    definition = instance.definition
    context["instance"] = instance
    context["diagram"] = process_diagram(definition.bpmn_xml, definition.process_id, workflow)
    context["steps"] = _active_steps(workflow)
    data = json.loads(json.dumps(process_data(workflow), default=str))
    context["data"] = [(key, compact(value)) for key, value in sorted(data.items())]
    return context


def _selected(request, case: Case) -> tuple[int | None, str]:
    """The entry chosen with ``?at=`` (the latest when none), and what was wrong with the choice."""
    last = JournalEntry.objects.filter(chain=case.reference).order_by("-sequence").first()
    if last is None:
        return None, ""
    wanted = request.GET.get("at", "").strip()
    if not wanted:
        return last.sequence, ""
    if not wanted.isdigit() or not 1 <= int(wanted) <= last.sequence:
        return last.sequence, (
            f"时点须为 1 到 {last.sequence} 之间的记录序号，已显示最新时点 / the point must be an "
            f"entry number from 1 to {last.sequence}; showing the latest instead"
        )
    return int(wanted), ""


def _summary(case: Case, entries) -> dict:
    """What the journal holds at a glance: how many entries, from when to when, by whom, of
    which kinds (most frequent first)."""
    bounds = entries.aggregate(count=Count("pk"), first=Min("recorded_at"), last=Max("recorded_at"))
    kinds = entries.order_by().values("kind").annotate(count=Count("pk")).order_by("-count", "kind")
    return {
        "count": bounds["count"],
        "first": bounds["first"] and timezone.localtime(bounds["first"], SHANGHAI),
        "last": bounds["last"] and timezone.localtime(bounds["last"], SHANGHAI),
        "actors": entries.order_by().values("actor").distinct().count(),
        "kinds": [(row["kind"], kind_label(row["kind"]), row["count"]) for row in kinds],
    }


def _timeline(request, case: Case, extra: dict | None = None):
    selected, at_error = _selected(request, case)
    every = chain_entries(case.reference)
    summary = _summary(case, every)
    entries = every
    kind = request.GET.get("kind", "")
    if kind:
        entries = entries.filter(kind=kind)
    actor = request.GET.get("actor", "")
    if actor:
        entries = entries.filter(actor=actor)
    number = request.GET.get("page")
    if number is None and selected:
        # The page holding the point shown (the latest unless one is chosen): its row in view.
        number = entries.filter(sequence__lt=selected).count() // PAGE_SIZE + 1
    paging = paged(request, entries, number=number)
    context = {
        "case": case,
        **paging,
        "summary": summary,
        "rows": _rows(case, list(paging["page"].object_list)),
        "kinds": [(k, label) for k, label, _count in sorted(summary["kinds"])],
        "kind": kind,
        "actors": sorted(every.order_by().values_list("actor", flat=True).distinct()),
        "actor": actor,
        "query_without_kind": query_without(request, "page", "at", "kind"),
        "instances": list(_case_instances(case)),
        "at": point_in_time(case, selected) if selected else None,
        "at_error": at_error,
        **(extra or {}),
    }
    return render(request, "acceptance/audit_timeline.html", context)


@login_required
@require_GET
def case_timeline(request, reference: str):
    case = _case(request, reference)
    _journal_view(request, case)
    return _timeline(request, case)


def _journal_view(request, case: Case) -> None:
    audit_view_record(case=case, user=request.user, page=request.get_full_path())


def _verification(case: Case, actor) -> list[dict]:
    """Chain, replay of each instance, the stored files and anchors: [{what, ok, text}].

    The file check is the fixity audit, so a changed file is also journaled on the case."""
    results = []
    chain = verify_chain(case.reference)
    results.append(
        {
            "what": "日志链 Journal chain",
            "ok": chain.intact,
            "text": (
                f"verified 已验证：共 {chain.entries} 条 entries"
                if chain.intact
                else f"第 {chain.broken_sequence} 条记录 entry #{chain.broken_sequence}: "
                f"{chain.reason}"
            ),
        }
    )
    for instance in _case_instances(case):
        what = f"流程回放 Replay of instance {instance.pk}"
        try:
            verdict = replay_instance(instance)
        except Exception as exc:  # a journal that cannot even be fed to the workflow
            results.append({"what": what, "ok": False, "text": f"replay failed 回放失败: {exc}"})
            continue
        results.append(
            {
                "what": what,
                "ok": verdict.verified,
                "text": (
                    f"verified 已验证：{verdict.inputs} 个输入重现记录状态 inputs reproduce "
                    "the recorded states"
                    if verdict.verified
                    else f"第 {verdict.diverged_at} 条记录 entry #{verdict.diverged_at} "
                    f"({verdict.kind}): {verdict.reason}"
                ),
            }
        )
    fixity = fixity_audit(materials=case.materials.all(), actor=actor)
    results.append(
        {
            "what": "文件固定性 Stored files",
            "ok": fixity.intact,
            "text": (
                f"verified 已验证：{fixity.checked} 个文件与接收时的 SHA-256 一致 files match "
                "their intake digest"
                if fixity.intact
                else "; ".join(
                    f"{problem.name}: {problem.verdict} (material {problem.material})"
                    for problem in fixity.problems
                )
            ),
        }
    )
    anchors = verify_anchors()
    results.append(
        {
            "what": "锚点 Anchors",
            "ok": anchors.intact,
            "text": (
                f"verified 已验证：{anchors.anchors} 个锚点 checkpoints agree"
                if anchors.intact
                else "; ".join(anchors.problems)
            ),
        }
    )
    return results


@login_required
@require_POST
def case_replay(request, reference: str):
    """Run the verifications and show them above the timeline."""
    case = _case(request, reference)
    results = _verification(case, request.user)
    if is_auditor(request.user):
        journal_append(
            chain=case.reference,
            kind="audit.replayed",
            actor=request.user,
            payload={
                "page": request.path,
                "verified": all(result["ok"] for result in results),
            },
        )
    return _timeline(
        request,
        case,
        {"results": results, "all_ok": all(result["ok"] for result in results)},
    )


def _sequence(request, name: str) -> int:
    try:
        value = int(request.GET.get(name, ""))
    except ValueError:
        raise Http404(f"{name} must be a journal sequence number") from None
    if value < 1:
        raise Http404(f"{name} must be a journal sequence number")
    return value


def data_diff(before: dict, after: dict) -> dict[str, list]:
    added = [(key, compact(after[key], 300)) for key in sorted(after.keys() - before.keys())]
    removed = [(key, compact(before[key], 300)) for key in sorted(before.keys() - after.keys())]
    changed = [
        (key, compact(before[key], 300), compact(after[key], 300))
        for key in sorted(before.keys() & after.keys())
        if before[key] != after[key]
    ]
    return {"added": added, "removed": removed, "changed": changed}


def _data_at(instance: ProcessInstance, sequence: int) -> tuple[dict | None, str]:
    try:
        workflow = state_at(instance, sequence)
    except Exception as exc:  # before the instance started, or a history that does not replay
        return None, str(exc)
    return json.loads(json.dumps(process_data(workflow), default=str)), ""


def process_data(workflow) -> dict:
    """The workflow's data as it stood: its own data (filled in at the end) and, while it runs,
    the data its active tasks carry forward."""
    data = dict(workflow.data)
    for task in workflow.get_tasks(state=ACTIVE_STATES):
        # A parallel join waits with no data of its own until every branch arrives: what a
        # finished branch carries is in the task that led into the join.
        if task.state == TaskState.WAITING and not task.data and task.parent is not None:
            data.update(task.parent.data)
        data.update(task.data)
    return data


@login_required
@require_GET
def case_diff(request, reference: str):
    """Process data at two journal entries (``?from=`` and ``?to=``) and what changed between."""
    case = _case(request, reference)
    first, last = _sequence(request, "from"), _sequence(request, "to")
    _journal_view(request, case)
    instances = list(_case_instances(case))
    if not instances:
        raise Http404("the case has no process instance")
    instance = instances[-1]
    before, before_error = _data_at(instance, first)
    after, after_error = _data_at(instance, last)
    diff = data_diff(before, after) if before is not None and after is not None else None
    return render(
        request,
        "acceptance/audit_diff.html",
        {
            "case": case,
            "instance": instance,
            "first": first,
            "last": last,
            "diff": diff,
            "errors": [e for e in (before_error, after_error) if e],
            "unchanged": diff is not None and not any(diff.values()),
        },
    )

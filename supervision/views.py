"""Pages: the supervisor's plans (define, publish, public value, draw) and the public notice."""

from __future__ import annotations

import json
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from acceptance.roles import user_roles
from acceptance.views.statistics import XLSX, parse_period

from . import verify_draw as algorithm
from .exceptions import SupervisionError
from .exports import draws_xlsx
from .forms import PlanForm
from .models import InspectionPlan
from .selectors import (
    draw_outcomes,
    draw_rows,
    inspector_people,
    plan_progress,
    published_draws,
    published_plans,
)
from .services import plan_create, plan_draw, plan_publish, public_value_enter


def _supervisor(request) -> None:
    if not user_roles(request.user).supervisor:
        raise PermissionDenied


def _refused(request, error: SupervisionError) -> None:
    messages.error(request, f"{error.message_zh} — {error.message_en}")


@login_required
def plan_list(request):
    _supervisor(request)
    plans = InspectionPlan.objects.select_related("created_by").prefetch_related("draws")
    return render(request, "supervision/plan_list.html", {"plans": plans})


@login_required
def plan_new(request):
    _supervisor(request)
    form = PlanForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            plan = plan_create(actor=request.user, **form.cleaned_data)
        except SupervisionError as error:
            form.add_error(None, f"{error.message_zh} — {error.message_en}")
        else:
            messages.success(request, f"抽查计划 {plan.reference} 已拟定 — plan drafted")
            return redirect("supervision:plan", plan.reference)
    return render(request, "supervision/plan_new.html", {"form": form})


def _plan_context(plan: InspectionPlan) -> dict:
    draws = list(plan.draws.select_related("drawn_by").order_by("number"))
    publication = plan.publication or {}
    return {
        "plan": plan,
        "publication": publication,
        "publication_digest": (algorithm.publication_digest(publication) if publication else ""),
        "draws": [(draw, draw_rows(draw)) for draw in draws],
        "latest": draws[-1] if draws else None,
    }


def _person(user) -> str:
    full_name = user.get_full_name()
    return f"{full_name}（{user.get_username()}）" if full_name else user.get_username()


@login_required
def plan_detail(request, reference: str):
    _supervisor(request)
    plan = get_object_or_404(InspectionPlan, reference=reference)
    context = _plan_context(plan)
    context["exclusion_count"] = sum(
        len(found) for found in context["publication"].get("exclusions", {}).values()
    )
    # Supervisors see the person behind each code; the published files carry only the codes.
    people = inspector_people(plan)
    names = {code: f"{code} {_person(user)}" for code, user in people}
    context["people"] = [(code, _person(user)) for code, user in people]
    context["progress"] = plan_progress(plan)
    context["draws"] = [
        (draw, [{**row, "inspectors": [names[code] for code in row["inspectors"]]} for row in rows])
        for draw, rows in context["draws"]
    ]
    return render(request, "supervision/plan_detail.html", context)


def _plan_action(request, reference: str, act, done) -> HttpResponse:
    """Run ``act(plan)``; show ``done(result)`` or the refusal, then go back to the plan."""
    _supervisor(request)
    plan = get_object_or_404(InspectionPlan, reference=reference)
    try:
        result = act(plan)
    except SupervisionError as error:
        _refused(request, error)
    else:
        messages.success(request, done(result))
    return redirect("supervision:plan", reference)


@require_POST
@login_required
def plan_publish_view(request, reference: str):
    return _plan_action(
        request,
        reference,
        lambda plan: plan_publish(plan=plan, actor=request.user),
        lambda _: "计划已公布，检查对象名录已冻结 — plan published, population frozen",
    )


@require_POST
@login_required
def public_value_view(request, reference: str):
    value = request.POST.get("value", "")
    return _plan_action(
        request,
        reference,
        lambda plan: public_value_enter(plan=plan, actor=request.user, value=value),
        lambda _: "公开随机值已录入 — public value entered",
    )


@require_POST
@login_required
def plan_draw_view(request, reference: str):
    seen = request.POST.get("seen_draws", "")
    reason = request.POST.get("reason", "")
    return _plan_action(
        request,
        reference,
        lambda plan: plan_draw(
            plan=plan,
            actor=request.user,
            seen_draws=int(seen) if seen.isdigit() else -1,
            reason=reason,
        ),
        lambda draw: f"第 {draw.number} 次抽取完成，随机种子已公开 — draw {draw.number} made",
    )


def _public_list(request, status: int = 200, export_error: str = "") -> HttpResponse:
    start, end = parse_period(None, None)
    context = {"plans": published_plans(), "export_start": start, "export_end": end}
    context["export_error"] = export_error
    return render(request, "supervision/public_list.html", context, status=status)


def public_list(request):
    return _public_list(request)


def public_export(request):
    """The draws made in a period (Asia/Shanghai dates; by default this year) as a workbook."""
    try:
        start, end = parse_period(request.GET.get("start"), request.GET.get("end"))
    except ValueError as error:
        return _public_list(request, status=400, export_error=str(error))
    content = draws_xlsx(list(published_draws(start, end)), start, end)
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = (
        f'attachment; filename="supervision-results-{start:%Y%m%d}-{end:%Y%m%d}.xlsx"'
    )
    return response


def _published(reference: str) -> InspectionPlan:
    return get_object_or_404(published_plans(), reference=reference)


def public_detail(request, reference: str):
    context = _plan_context(_published(reference))
    latest = context["latest"].number if context["latest"] else 0
    context["draws"] = [
        (draw, [row | outcomes[row["id"]] for row in rows])
        for draw, rows in context["draws"]
        for outcomes in [draw_outcomes(draw, latest)]
    ]
    return render(request, "supervision/public_detail.html", context)


def _json_download(document: dict, filename: str) -> HttpResponse:
    response = HttpResponse(
        json.dumps(document, ensure_ascii=False, indent=1), content_type="application/json"
    )
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{filename}"
    return response


def publication_file(request, reference: str):
    plan = _published(reference)
    return _json_download(plan.publication, f"{plan.reference}-publication.json")


def verifier_script(request):
    """The verification script itself, so a draw can be recomputed on a machine without the product."""
    response = HttpResponse(
        Path(algorithm.__file__).read_bytes(), content_type="text/x-python; charset=utf-8"
    )
    response["Content-Disposition"] = "attachment; filename=verify_draw.py"
    return response


def draw_file(request, reference: str, number: int):
    draw = _published(reference).draws.filter(number=number).first()
    if draw is None:
        raise Http404
    return _json_download(draw.document, f"{reference}-draw-{number}.json")

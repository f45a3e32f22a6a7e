"""Pages: the requester's guide, request and progress; the archivist's queue and review."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from acceptance.models import Project
from acceptance.views.statistics import XLSX, parse_period
from workflows.exceptions import WorkflowError
from workflows.journal import SYSTEM_ACTOR
from workflows.labels import label
from workflows.models import JournalEntry
from workflows.paging import paged

from .exports import statistics_xlsx
from .forms import RequestForm, ReviewForm, StartForm, SupplyForm
from .models import AccessRequest, EligibilityRule, Forwarding, Partner, PartnerFile, Purpose
from .partners import forwarding_resend as partner_forwarding_resend
from .partners import forwarding_withdraw as partner_forwarding_withdraw
from .register import (
    OUTCOMES,
    USE_FIGURES,
    access_register,
    access_statistics,
    figure_rows,
    reads_register,
    requester_shown,
    review_timeliness,
    sees_requester_names,
)
from .selectors import (
    access_requests_visible_to,
    is_archivist,
    request_for_requester,
    requests_of,
)
from .services import (
    extract_download,
    proofs_supply,
    records_in_scope,
    request_submit,
    review_decide,
)


def _refused(error: WorkflowError) -> str:
    return f"{error.message_zh} — {error.message_en}"


def _uploaded_proofs(request, kinds) -> list[tuple]:
    proofs = []
    for kind in kinds:
        upload = request.FILES.get(f"proof_{kind.code}")
        if upload is not None:
            proofs.append((kind, upload.read(), upload.name))
    return proofs


@login_required
def home(request):
    """查档服务: the guide (what each purpose needs) and the requester's own requests."""
    purposes = Purpose.objects.filter(active=True).prefetch_related("rules__proofs")
    guide = [(p, [r for r in p.rules.all() if r.active]) for p in purposes]
    return render(
        request,
        "access/home.html",
        {
            "guide": guide,
            "requests": requests_of(request.user),
            "archivist": is_archivist(request.user),
        },
    )


@login_required
def request_new(request):
    """Step 1 chooses the rule and the building (GET); step 2 names the records and the proofs."""
    start = StartForm(request.GET or None)
    if not start.is_valid():
        return render(request, "access/request_start.html", {"form": start})
    rule = EligibilityRule.objects.in_force().get(pk=start.cleaned_data["rule"])
    project = Project.objects.get(reference=start.cleaned_data["project"])
    records = records_in_scope(rule, project)
    form = RequestForm(request.POST or None, rule=rule, records=records)
    if request.method == "POST" and form.is_valid():
        chosen = [m for m in records if str(m.pk) in form.cleaned_data["records"]]
        try:
            access_request, _created = request_submit(
                user=request.user,
                requester_name=form.cleaned_data["requester_name"],
                requester_kind=form.cleaned_data["requester_kind"],
                role=rule.role,
                purpose=rule.purpose,
                project=project,
                records=chosen,
                proofs=_uploaded_proofs(request, form.proof_kinds),
            )
        except WorkflowError as error:
            form.add_error(None, _refused(error))
        else:
            messages.success(
                request, f"查档申请 {access_request.reference} 已提交 — request submitted"
            )
            return redirect("access:request", access_request.reference)
    context = {"form": form, "rule": rule, "project": project, "records": records}
    return render(request, "access/request_new.html", context)


@login_required
def request_detail(request, reference: str):
    """The requester's view of their request: its true state, what is missing, the extract."""
    access_request = request_for_requester(request.user, reference)
    if access_request is None:
        raise Http404
    form = None
    if access_request.status == AccessRequest.Status.PROOFS_MISSING:
        form = SupplyForm(
            request.POST or None, request.FILES or None, missing=access_request.missing_proofs
        )
        if request.method == "POST":
            kinds = access_request.rule.proofs.filter(
                code__in=[m["code"] for m in access_request.missing_proofs]
            )
            try:
                proofs_supply(
                    request=access_request,
                    user=request.user,
                    proofs=_uploaded_proofs(request, kinds),
                )
            except WorkflowError as error:
                form.add_error(None, _refused(error))
            else:
                messages.success(request, "证明材料已补正，申请进入审核 — proofs sent")
                return redirect("access:request", reference)
    return render(
        request,
        "access/request_detail.html",
        {
            "req": access_request,
            "form": form,
            "extract": getattr(access_request, "extract", None),
            "forwardings": access_request.forwardings.select_related("partner"),
        },
    )


@login_required
def extract_file(request, reference: str):
    extract = extract_download(user=request.user, reference=reference)
    if extract is None:
        raise Http404("该档案证明不存在或不属于您 / no such extract of yours")
    return FileResponse(
        extract.pdf.open("rb"), as_attachment=True, filename=f"{extract.number}.pdf",
        content_type="application/pdf",
    )  # fmt: skip


OFD_NOT_READY = {
    "preparing": (409, "OFD 版式文件正在生成，请稍后刷新页面再下载。The OFD file is being prepared; try again shortly."),
    "failed": (503, "OFD 版式文件生成失败，档案馆已收到通知；PDF 文件可正常使用。The OFD file could not be made; the PDF is valid."),
    "none": (404, "本证明未出具 OFD 版式文件，请下载 PDF 文件。This extract was issued as PDF only."),
}  # fmt: skip


@login_required
def extract_ofd_file(request, reference: str):
    """The extract's sealed OFD, beside its PDF; while it is made, a page saying so."""
    extract = extract_download(user=request.user, reference=reference, file_format="ofd")
    if extract is None:
        raise Http404("该档案证明不存在或不属于您 / no such extract of yours")
    if not extract.ofd:
        status, message = OFD_NOT_READY[extract.ofd_state]
        return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
    return FileResponse(
        extract.ofd.open("rb"), as_attachment=True, filename=f"{extract.number}.ofd",
        content_type="application/ofd",
    )  # fmt: skip


def _archivist(request) -> None:
    if not is_archivist(request.user):
        raise PermissionDenied


@login_required
def review_queue(request):
    _archivist(request)
    everything = access_requests_visible_to(request.user).order_by("-created_at")
    waiting = everything.filter(status=AccessRequest.Status.UNDER_REVIEW).order_by("review_due_at")
    context = {
        "waiting": waiting,
        "everything": everything,
        "now": timezone.now(),
        "forwarded": Forwarding.objects.filter(status=Forwarding.Status.WAITING)
        .select_related("request", "partner", "delivery")
        .order_by("due_at"),
        "partners": Partner.objects.filter(active=True).select_related("subscription"),
    }
    return render(request, "access/review_queue.html", context)


@login_required
def review(request, reference: str):
    _archivist(request)
    access_request = access_requests_visible_to(request.user).filter(reference=reference).first()
    if access_request is None:
        raise Http404
    form = ReviewForm(request.POST or None, request=access_request)
    if request.method == "POST" and form.is_valid():
        try:
            review_decide(
                request=access_request,
                user=request.user,
                decision=form.cleaned_data["decision"],
                approved=[int(pk) for pk in form.cleaned_data["approved_records"]],
                reasons=form.cleaned_data["reasons"],
            )
        except WorkflowError as error:
            form.add_error(None, _refused(error))
        else:
            messages.success(request, f"{reference} 审核完成 — decision recorded")
            return redirect("access:review_queue")
    context = {
        "req": access_request,
        "form": form,
        "proofs": access_request.proofs.select_related("kind"),
        "records": access_request.records.select_related("catalog_item"),
        "open": access_request.status == AccessRequest.Status.UNDER_REVIEW,
        "forwardings": access_request.forwardings.select_related(
            "partner", "delivery"
        ).prefetch_related("records__catalog_item", "files"),
        "now": timezone.now(),
    }
    return render(request, "access/review.html", context)


def _waiting_forwarding(request, reference: str, token) -> Forwarding:
    _archivist(request)
    forwarding = (
        Forwarding.objects.filter(request__reference=reference, token=token)
        .select_related("request", "partner")
        .first()
    )
    if forwarding is None:
        raise Http404
    return forwarding


@login_required
@require_POST
def forwarding_resend(request, reference: str, token):
    """The archivist sends a forwarding the partner has not answered once more."""
    forwarding = _waiting_forwarding(request, reference, token)
    try:
        partner_forwarding_resend(forwarding=forwarding, user=request.user)
    except WorkflowError as error:
        messages.error(request, _refused(error))
    else:
        messages.success(
            request, f"已重新向{forwarding.partner.name}发送转交通知 — forwarding sent again"
        )
    return redirect("access:review", reference)


@login_required
@require_POST
def forwarding_withdraw(request, reference: str, token):
    """The archivist stops waiting for a partner, with the reasons the requester will read."""
    forwarding = _waiting_forwarding(request, reference, token)
    try:
        partner_forwarding_withdraw(
            forwarding=forwarding, user=request.user, reason=request.POST.get("reason", "")
        )
    except WorkflowError as error:
        messages.error(request, _refused(error))
    else:
        messages.success(request, f"已终止向{forwarding.partner.name}的转交 — forwarding closed")
    return redirect("access:review", reference)


@login_required
def partner_file(request, reference: str, file_id: int):
    """A file a partner sent for the request, for the archivist to look at."""
    _archivist(request)
    found = PartnerFile.objects.filter(
        pk=file_id, forwarding__request__in=access_requests_visible_to(request.user),
        forwarding__request__reference=reference,
    ).first()  # fmt: skip
    if found is None:
        raise Http404
    return FileResponse(found.file.open("rb"), filename=found.original_name)


@login_required
def proof_file(request, reference: str, proof_id: int):
    _archivist(request)
    access_request = access_requests_visible_to(request.user).filter(reference=reference).first()
    proof = access_request.proofs.filter(pk=proof_id).first() if access_request else None
    if proof is None:
        raise Http404
    return FileResponse(proof.file.open("rb"), filename=proof.original_name)


def _register_reader(request) -> None:
    if not reads_register(request.user):
        raise PermissionDenied(
            "仅查档审核员、审计员和主管可查看 — archivists, auditors, supervisors"
        )


def _journal_lines(access_request: AccessRequest, entries: list[JournalEntry]) -> list[dict]:
    """A request's journal in words: when, what, and who (the requester named by role)."""
    requester = access_request.requester.get_username()
    return [
        {
            "at": entry.recorded_at,
            "what": label("event", entry.kind),
            "who": "申请人" if entry.actor == requester
            else "系统" if entry.actor == SYSTEM_ACTOR else entry.actor,
        }
        for entry in entries
    ]  # fmt: skip


@login_required
@require_GET
def register(request):
    """利用登记: every request of a period, who, what, why, on which proofs, the outcome and
    whether the review kept its limit; the journal folded under each."""
    _register_reader(request)
    try:
        start, end = parse_period(request.GET.get("start"), request.GET.get("end"))
    except ValueError as error:
        context = {"error": str(error), "purposes": Purpose.objects.all(), "outcomes": OUTCOMES}
        return render(request, "access/register.html", context, status=400)
    purpose = request.GET.get("purpose", "")
    outcome = request.GET.get("outcome", "")
    paging = paged(request, access_register(start=start, end=end, purpose=purpose, outcome=outcome))
    shown = list(paging["page"])
    journals: dict[str, list[JournalEntry]] = {}
    for entry in JournalEntry.objects.filter(chain__in=[r.reference for r in shown]).order_by(
        "sequence"
    ):
        journals.setdefault(entry.chain, []).append(entry)
    full_names, now = sees_requester_names(request.user), timezone.now()
    rows = [
        {
            "req": r,
            "requester": requester_shown(r, full_names),
            "timeliness": review_timeliness(r, now),
            "journal": _journal_lines(r, journals.get(r.reference, [])),
        }
        for r in shown
    ]
    context = {
        "rows": rows,
        "start": start,
        "end": end,
        "purpose": purpose,
        "outcome": outcome,
        "purposes": Purpose.objects.all(),
        "outcomes": OUTCOMES,
        "full_names": full_names,
        **paging,
    }
    return render(request, "access/register.html", context)


@login_required
@require_GET
def statistics(request):
    """利用统计 for a period (Asia/Shanghai dates; by default this year), or its workbook."""
    _register_reader(request)
    try:
        start, end = parse_period(request.GET.get("start"), request.GET.get("end"))
    except ValueError as error:
        return render(request, "access/statistics.html", {"error": str(error)}, status=400)
    stats = access_statistics(start=start, end=end)
    if request.GET.get("format") == "xlsx":
        response = HttpResponse(statistics_xlsx(stats), content_type=XLSX)
        response["Content-Disposition"] = (
            f'attachment; filename="access-statistics-{start:%Y%m%d}-{end:%Y%m%d}.xlsx"'
        )
        return response
    context = {
        "stats": stats,
        "rows": figure_rows(stats),
        "purpose_figures": USE_FIGURES,
        "purpose_rows": [
            (purpose, [use.as_dict()[field] for field, _zh, _en in USE_FIGURES])
            for purpose, use in stats.purposes
        ],
        "review_days": settings.ACCESS_REVIEW_WORKING_DAYS,
    }
    return render(request, "access/statistics.html", context)

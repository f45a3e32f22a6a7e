"""Pages of conditional acceptance: the owner's commitment and its signature.

The reviewer decides on the generic task page (``acceptance.views.tasks``, which goes through
``decision_submit``); the signature goes through the same domain service as the BPMN
(``commitment_sign``). A refusal comes back as a bilingual message on the page it was made
from, and nothing already recorded changes.
"""

from __future__ import annotations

import hashlib

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from workflows.exceptions import WorkflowError
from workflows.models import JournalEntry

from ..models import Commitment, Notification
from ..selectors.commitments import case_commitment
from ..services.commitments import (
    WITHDRAWABLE,
    commitment_document,
    commitment_ofd_document,
    commitment_sign,
    commitment_withdraw,
    may_withdraw,
)
from ..services.notifications import notification_read
from .cases import _case


def _back(request, fallback: str):
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return redirect(target)
    return redirect(fallback)


def _refused(request, error: WorkflowError) -> None:
    messages.error(request, f"{error.message_zh} — {error.message_en}")


def _commitment(case) -> Commitment:
    commitment = case_commitment(case)
    if commitment is None:
        raise Http404("该案件没有承诺书 this case has no commitment")
    return commitment


def _preview(commitment: Commitment, user) -> tuple[bytes, object]:
    """The draft the owner is asked to sign today (staff see it with the case's owner user)."""
    signer = user if commitment.case.project.owner.members.filter(pk=user.pk).exists() else None
    return commitment_document(commitment, signer or commitment.case.owner_user, timezone.now())


@login_required
@require_GET
def commitment_page(request, reference: str):
    case = _case(request, reference)
    commitment = _commitment(case)
    context = {
        "case": case,
        "commitment": commitment,
        "items": commitment.items.order_by("code"),
        "may_sign": commitment.status == Commitment.Status.DRAFT
        and case.project.owner.members.filter(pk=request.user.pk).exists(),
        "may_withdraw": commitment.status in WITHDRAWABLE and may_withdraw(request.user),
        "history": JournalEntry.objects.filter(
            chain=case.reference, kind__startswith="commitment."
        ).order_by("sequence"),
        "certificates": case.certificates.order_by("issued_at", "pk"),
    }
    if commitment.status == Commitment.Status.DRAFT:
        pdf, deadline = _preview(commitment, request.user)
        context.update(preview_sha256=hashlib.sha256(pdf).hexdigest(), preview_deadline=deadline)
    return render(request, "acceptance/commitment.html", context)


@login_required
@require_GET
def commitment_pdf(request, reference: str):
    """The signed 承诺书 as stored; before signing, the draft to be signed today."""
    case = _case(request, reference)
    commitment = _commitment(case)
    if commitment.document:
        with commitment.document.open("rb") as handle:
            pdf = handle.read()
    else:
        pdf, _deadline = _preview(commitment, request.user)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="commitment-{case.reference}.pdf"'
    return response


OFD_NOT_READY = {
    "preparing": (409, "加盖电子印章的 OFD 版式文件正在生成，请稍后刷新页面再下载。The sealed OFD is being prepared; try again shortly."),
    "failed": (503, "OFD 版式文件生成失败，档案馆已收到通知；PDF 文件可正常使用。The OFD file could not be made; the PDF is valid."),
}  # fmt: skip


@login_required
@require_GET
def commitment_ofd(request, reference: str):
    """The 承诺书 as an OFD document: once signed, the sealed one stored after the signature
    (while it is made, a page saying so); before, today's draft, unsealed."""
    case = _case(request, reference)
    commitment = _commitment(case)
    if commitment.ofd:
        with commitment.ofd.open("rb") as handle:
            ofd = handle.read()
    elif commitment.signed_at and commitment.ofd_state in OFD_NOT_READY:
        status, message = OFD_NOT_READY[commitment.ofd_state]
        return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
    else:
        signer = case.project.owner.members.filter(pk=request.user.pk).exists()
        owner = request.user if signer else case.owner_user
        ofd = commitment_ofd_document(commitment, owner, timezone.now())
    response = HttpResponse(ofd, content_type="application/ofd")
    response["Content-Disposition"] = f'attachment; filename="commitment-{case.reference}.ofd"'
    return response


@login_required
@require_POST
def commitment_sign_view(request, reference: str):
    case = _case(request, reference)
    commitment = _commitment(case)
    page = reverse("acceptance:commitment", args=[case.reference])
    if request.POST.get("confirm") != "on":
        messages.error(
            request,
            "请勾选确认后再签署 — tick the confirmation to sign the commitment",
        )
        return _back(request, page)
    try:
        commitment = commitment_sign(
            commitment=commitment,
            user=request.user,
            viewed_sha256=request.POST.get("pdf_sha256", ""),
        )
    except WorkflowError as error:
        _refused(request, error)
        return _back(request, page)
    messages.success(
        request,
        f"承诺书已签署，期限至 {timezone.localtime(commitment.deadline):%Y-%m-%d %H:%M} — "
        "the commitment is signed",
    )
    return redirect(page)


@login_required
@require_POST
def commitment_withdraw_view(request, reference: str):
    """The archive withdraws the commitment; the domain service refuses anyone else."""
    case = _case(request, reference)
    page = reverse("acceptance:commitment", args=[case.reference])
    try:
        commitment_withdraw(case=case, user=request.user, reason=request.POST.get("reason", ""))
    except WorkflowError as error:
        _refused(request, error)
        return redirect(page)
    messages.success(
        request,
        "承诺已撤销，容缺受理意见书已撤销，案件退回建设单位补正 — the commitment is withdrawn, "
        "the conditional certificate revoked and the case returned to the owner",
    )
    return redirect(page)


@login_required
@require_POST
def notification_read_view(request, pk: int):
    """Mark one of one's own notifications read; another user's answers 404."""
    notification = get_object_or_404(Notification, pk=pk, recipient=request.user)
    notification_read(notification=notification, user=request.user)
    return _back(request, reverse("acceptance:case_list"))

"""The four-property reports (四性检测报告) of a case, per DA/T 70 stage, as pages and PDFs.

A case's reports are seen by whoever may see the case (``cases_visible_to``); a report on a
package received for a case this archive does not hold, by archive staff and auditors only.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from certificates.conf import certificate_formats

from ..exports.property_checks import property_report_pdf
from ..models import PropertyCheckReport
from ..selectors.cases import cases_visible_to, is_auditor
from ..selectors.property_checks import (
    findings,
    property_rows,
    stage_name,
    stage_summaries,
    verdict,
)
from ..services.property_checks import property_report_ofd_stored
from .cases import _case, _download


@login_required
@require_GET
def case_property_checks(request, reference: str):
    """The stages of a case with the latest report of each."""
    case = _case(request, reference)
    stages = [
        {"summary": summary, "rows": property_rows(summary.report) if summary.report else []}
        for summary in stage_summaries(case)
    ]
    context = {"case": case, "stages": stages, "issues_ofd": "ofd" in certificate_formats()}
    return render(request, "acceptance/property_checks.html", context)


def _report(request, pk: int) -> PropertyCheckReport:
    report = get_object_or_404(PropertyCheckReport.objects.select_related("case__project"), pk=pk)
    if report.case is not None:
        if not cases_visible_to(request.user).filter(pk=report.case_id).exists():
            raise Http404
    elif not (request.user.is_staff or is_auditor(request.user)):
        raise Http404
    return report


@login_required
@require_GET
def property_report(request, pk: int):
    """One report: the conclusion, the four properties, the findings; ``?format=pdf``."""
    report = _report(request, pk)
    stage_zh, stage_en = stage_name(report.stage)
    if request.GET.get("format") == "pdf":
        return _download(
            property_report_pdf(report),
            "application/pdf",
            f"four-properties-{report.stage}-{report.subject}.pdf",
        )
    if request.GET.get("format") == "ofd":
        if "ofd" not in certificate_formats():
            raise Http404("本馆不出具 OFD 版式文件 / this archive issues PDF only")
        report = property_report_ofd_stored(report=report)
        with report.ofd.open("rb") as handle:
            data = handle.read()
        return _download(
            data, "application/ofd", f"four-properties-{report.stage}-{report.subject}.ofd"
        )
    verdict_zh, verdict_en = verdict(report)
    return render(
        request,
        "acceptance/property_report.html",
        {
            "report": report,
            "stage_zh": stage_zh,
            "stage_en": stage_en,
            "verdict_zh": verdict_zh,
            "verdict_en": verdict_en,
            "issues_ofd": "ofd" in certificate_formats(),
            "rows": property_rows(report),
            "findings": findings(report),
        },
    )

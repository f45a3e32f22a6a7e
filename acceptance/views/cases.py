"""Pages of the acceptance domain: the completeness report and the volume catalogs.

Server-rendered, login required. An owner sees the cases of their own organisations; reviewers,
supervisors and auditors see every case. A case one may not see answers 404, like one that does
not exist.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from ..exports.completeness import completeness_pdf, verdict
from ..exports.volumes import retention_zh, volume_catalog_pdf, volume_catalog_xlsx
from ..models import Case
from ..selectors import volumes as volume_selectors
from ..selectors.cases import cases_visible_to
from ..selectors.completeness import completeness_report, material_line

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _case(request, reference: str) -> Case:
    return get_object_or_404(cases_visible_to(request.user), reference=reference)


def _download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_GET
def case_list(request):
    cases = cases_visible_to(request.user).order_by("-created_at")
    return render(request, "acceptance/case_list.html", {"cases": cases})


@login_required
@require_GET
def case_completeness(request, reference: str):
    """The completeness report: HTML, or ``?format=pdf`` / ``?format=json``."""
    case = _case(request, reference)
    report = completeness_report(case)
    fmt = request.GET.get("format", "html")
    stamp = f"{timezone.localdate():%Y%m%d}"
    if fmt == "json":
        response = JsonResponse(
            report.as_report_dict(), json_dumps_params={"ensure_ascii": False, "indent": 2}
        )
        response["Content-Disposition"] = (
            f'inline; filename="completeness-{case.reference}-{stamp}.json"'
        )
        return response
    if fmt == "pdf":
        return _download(
            completeness_pdf(report),
            "application/pdf",
            f"completeness-{case.reference}-{stamp}.pdf",
        )
    if fmt != "html":
        raise Http404("format must be html, pdf or json")
    zh, en = verdict(report)
    return render(
        request,
        "acceptance/completeness.html",
        {"case": case, "report": report, "verdict_zh": zh, "verdict_en": en},
    )


@login_required
@require_GET
def volumes_page(request, reference: str):
    case = _case(request, reference)
    volumes = [
        {
            "volume": volume,
            "retention": retention_zh(volume.retention),
            "entries": [(entry, material_line(entry.material)) for entry in volume.entries.all()],
        }
        for volume in volume_selectors.case_volumes(case)
    ]
    return render(request, "acceptance/volumes.html", {"case": case, "volumes": volumes})


@login_required
@require_GET
def volume_catalog(request, reference: str, fmt: str):
    """The volume list and every volume's catalog (卷内目录) as PDF or XLSX."""
    if fmt not in ("pdf", "xlsx"):
        raise Http404("format must be pdf or xlsx")
    case = _case(request, reference)
    volumes = volume_selectors.case_volumes(case)
    if fmt == "pdf":
        return _download(
            volume_catalog_pdf(case, volumes), "application/pdf", f"volumes-{case.reference}.pdf"
        )
    return _download(volume_catalog_xlsx(case, volumes), XLSX, f"volumes-{case.reference}.xlsx")

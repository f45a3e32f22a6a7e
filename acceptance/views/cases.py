"""Pages of the acceptance domain: the completeness report and the volume catalogs.

Server-rendered, login required. An owner sees the cases of their own organisations; reviewers,
supervisors and auditors see every case. A case one may not see answers 404, like one that does
not exist.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET

from workflows.paging import paged

from ..exports.completeness import completeness_pdf, verdict
from ..exports.volumes import retention_zh, volume_catalog_pdf, volume_catalog_xlsx
from ..models import Case
from ..selectors import volumes as volume_selectors
from ..selectors.cases import cases_visible_to
from ..selectors.catalog import case_catalog_items, code_order
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
    """The cases one may see, newest first, 25 a page; ``q`` finds a reference or project."""
    cases = cases_visible_to(request.user).select_related("project", "catalog_version")
    query = request.GET.get("q", "").strip()
    if query:
        cases = cases.filter(Q(reference__icontains=query) | Q(project__name__icontains=query))
    paging = paged(request, cases.order_by("-created_at"))
    return render(
        request,
        "acceptance/case_list.html",
        {"cases": paging["page"].object_list, "q": query, **paging},
    )


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
    show = request.GET.get("show", "")
    show = show if show in COMPLETENESS_FILTERS else ""
    query = request.GET.get("q", "").strip()
    return render(
        request,
        "acceptance/completeness.html",
        {
            "case": case,
            "report": report,
            "verdict_zh": zh,
            "verdict_en": en,
            "groups": completeness_groups(case, report, show=show, query=query),
            "filters": COMPLETENESS_FILTERS,
            "show": show,
            "q": query,
            "counts": {
                "problems": sum(1 for item in report.items if _has_problems(item)),
                "missing": len(report.missing_tolerable) + len(report.missing_blocking),
            },
        },
    )


COMPLETENESS_FILTERS = {
    "missing": _lazy("缺失"),
    "tolerable": _lazy("缺失 · 可容缺"),
    "blocking": _lazy("缺失 · 不可容缺"),
    "problems": _lazy("检测有问题或被退回"),
    "present": _lazy("已交"),
}


def _has_problems(item) -> bool:
    return item.status in ("failed", "returned") or any(line.problems for line in item.materials)


def _shown(item, show: str, query: str) -> bool:
    missing = item.required and not item.present
    wanted = {
        "": True,
        "missing": missing,
        "tolerable": missing and item.tolerable,
        "blocking": missing and not item.tolerable,
        "problems": _has_problems(item),
        "present": item.present,
    }[show]
    text = f"{item.code} {item.name_zh} {item.name_en}".lower()
    return wanted and (not query or query.lower() in text)


def completeness_groups(case, report, *, show: str = "", query: str = "") -> list[dict]:
    """The report's items under their catalog's top-level categories (A 准备阶段, B 监理, ...),
    each with its counts; only the items the filter keeps, and only groups that keep some."""
    names = case.catalog_version.categories or {}
    core = {item.code for item in case_catalog_items(case) if item.is_core}
    groups: dict[str, dict] = {}
    for item in report.items:
        letter = item.category[:1]
        group = groups.setdefault(
            letter,
            {
                "code": letter,
                "name": names.get(letter, letter),
                "required": 0,
                "present": 0,
                "missing": 0,
                "problems": 0,
                "rows": [],
            },
        )
        group["required"] += item.required
        group["present"] += item.required and item.present
        group["missing"] += item.required and not item.present
        group["problems"] += _has_problems(item)
        if _shown(item, show, query):
            group["rows"].append(
                {
                    "item": item,
                    "core": item.code in core,
                    "subcategory": names.get(item.category, ""),
                    "retention": retention_zh(item.retention),
                }
            )
    for group in groups.values():
        group["rows"].sort(key=lambda row: code_order(row["item"].code))
    return [group for group in groups.values() if group["rows"]]


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

"""The public pages of the open catalog: the search and a project's open catalog. No login."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from workflows.paging import paged

from .exceptions import QueryRefused
from .search import MAX_QUERY_LENGTH, catalog_search, query_checked
from .selectors import project_catalog, public_projects


@require_GET
def catalog_search_page(request):
    """GET ``?q=``: the entries containing every part of ``q``; without it, the projects."""
    query = request.GET.get("q", "").strip()
    context = {"query": query[:MAX_QUERY_LENGTH]}
    if not query:
        context.update(paged(request, public_projects()), browsing=True)
        return render(request, "access/catalog/search.html", context)
    try:
        context.update(paged(request, catalog_search(query_checked(query))))
    except QueryRefused as refused:
        context["error"] = (refused.message_zh, refused.message_en)
    return render(request, "access/catalog/search.html", context)


@require_GET
def project_catalog_page(request, reference: str):
    catalog = project_catalog(reference)
    if catalog is None:
        raise Http404("没有这个项目的公开目录 No public catalog of this project")
    return render(request, "access/catalog/project.html", {"catalog": catalog})

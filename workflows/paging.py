"""Long lists in pages of a bounded length, keeping the other query parameters in the links."""

from __future__ import annotations

from django.core.paginator import Page, Paginator

PAGE_SIZE = 25


def query_without(request, *names: str) -> str:
    """The request's query string without ``names`` (to append another value of them)."""
    query = request.GET.copy()
    for name in names:
        query.pop(name, None)
    return query.urlencode()


def paged(request, items, *, size: int | None = None, number=None) -> dict:
    """Template context for ``workflows/_pagination.html``: ``page`` (from ``?page=``, or
    ``number``) and ``query_without_page``."""
    page: Page = Paginator(items, size or PAGE_SIZE).get_page(
        number if number is not None else request.GET.get("page")
    )
    return {"page": page, "query_without_page": query_without(request, "page", "at")}

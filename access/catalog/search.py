"""Full-text search over the catalog entries' tokens: SQLite FTS5 on the embedded default,
PostgreSQL's text search (a GIN index over ``to_tsvector('simple', tokens)``) when distributed.

Both receive the same bigram tokens (``access.catalog.tokens``) and match each run of the query as
a phrase: FTS5 as a quoted phrase, PostgreSQL with the followed-by operator ``<->``.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import Case, IntegerField, Value, When
from django.db.models.expressions import RawSQL

from .exceptions import QueryRefused
from .levels import PUBLIC_LEVELS
from .models import CatalogEntry
from .tokens import token_runs, too_short

MAX_QUERY_LENGTH = 100

FTS_TABLE = "access_catalogentry_fts"
POSTGRES_VECTOR = "to_tsvector('simple', tokens)"
# Tokens hold only letters, digits and Han characters, so quoting them needs no escaping.
_SQL = {
    "sqlite": f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s",
    "postgresql": f"SELECT id FROM access_catalogentry WHERE {POSTGRES_VECTOR} @@ to_tsquery('simple', %s)",
}


KINDS = (CatalogEntry.Kind.PROJECT, CatalogEntry.Kind.VOLUME, CatalogEntry.Kind.FILE)
KIND_ORDER = Case(
    *(When(kind=kind, then=Value(position)) for position, kind in enumerate(KINDS)),
    output_field=IntegerField(),
)


def match_expression(query: str, vendor: str) -> str:
    """The backend's query for ``query``: every run of it, each as a phrase."""
    runs = token_runs(query)
    if vendor == "postgresql":
        return " & ".join("(" + " <-> ".join(f"'{token}'" for token in run) + ")" for run in runs)
    return " AND ".join('"' + " ".join(run) + '"' for run in runs)


def query_checked(query: str) -> str:
    """``query`` stripped; :class:`QueryRefused` when it is too long or too short to search."""
    query = (query or "").strip()
    if len(query) > MAX_QUERY_LENGTH:
        raise QueryRefused(
            f"检索词过长，请不超过 {MAX_QUERY_LENGTH} 个字。",
            f"The search text is too long: {MAX_QUERY_LENGTH} characters at most.",
            max_length=MAX_QUERY_LENGTH,
        )
    if too_short(query) or not token_runs(query):
        raise QueryRefused(
            "请至少输入两个字，或输入项目编号、文号等。",
            "Type at least two characters, or a project number or document number.",
        )
    return query


def catalog_search(query: str, *, levels=PUBLIC_LEVELS):
    """Entries whose text contains every part of ``query`` (parts split at spaces and
    punctuation), at ``levels``; projects first, then volumes, then files."""
    entries = CatalogEntry.objects.filter(level__in=levels).select_related("project")
    if not token_runs(query):
        return entries.none()
    vendor = connection.vendor
    matching = RawSQL(_SQL[vendor], [match_expression(query, vendor)])
    order = ("kind_order", "-year", "project_id", "code", "pk")
    return entries.filter(pk__in=matching).alias(kind_order=KIND_ORDER).order_by(*order)

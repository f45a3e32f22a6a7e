"""The open catalog's Chinese search on PostgreSQL: the demo's case, accepted by the live worker,
found through the GIN index over its bigram tokens."""

from __future__ import annotations

import time

import pytest
from django.db import connection
from django.urls import reverse

from acceptance.demo import PROJECT_NAME, Demo
from access.catalog.models import CatalogEntry
from access.catalog.search import catalog_search

pytestmark = pytest.mark.django_db(transaction=True)


def uses_the_gin_index(query: str) -> bool:
    from access.catalog.search import POSTGRES_VECTOR, match_expression

    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        cursor.execute(
            f"EXPLAIN SELECT id FROM access_catalogentry WHERE {POSTGRES_VECTOR} @@ "
            "to_tsquery('simple', %s)",
            [match_expression(query, "postgresql")],
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("RESET enable_seqscan")
    return "access_catalogentry_tokens" in plan


def test_an_accepted_case_is_found_in_chinese_on_postgresql(celery_worker, tmp_path, client):
    demo = Demo(say=lambda line: None, workdir=tmp_path, wait_seconds=90)
    demo.prepare()
    case = demo.register()
    demo.prefile(case)
    demo.review(case)
    demo.decide(case)
    deadline = time.monotonic() + 90  # the worker runs the decision's service tasks
    while not CatalogEntry.objects.filter(project=case.project).exists():
        assert time.monotonic() < deadline, "the accepted case was not indexed"
        time.sleep(0.5)
    case.refresh_from_db()
    assert case.status == "conditionally_accepted"

    project = case.project
    assert CatalogEntry.objects.filter(project=project, kind="file").exists()
    found = catalog_search("示范中学 新建").filter(kind="project")
    assert [entry.code for entry in found] == [project.reference]
    assert catalog_search("施工许可证").filter(project=project, kind="file").exists()
    assert not catalog_search("中学示范").exists()
    assert uses_the_gin_index("示范中学")

    page = client.get(reverse("access:catalog"), {"q": "示范中学"})
    assert PROJECT_NAME in page.content.decode()

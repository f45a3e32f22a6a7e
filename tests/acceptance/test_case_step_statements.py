"""What a case step costs the database, counted: these counts must not grow.

A whole case makes a few thousand statements (``bench/cases.py`` splits them per step); each
statement is a round trip to PostgreSQL. Here the steps the bench found repeated most are
counted on their own: the intake check of every uploaded file, and the check result it records.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from acceptance.models import FormatKind, Material
from acceptance.services.intake import material_intake_check
from webhooks.models import WebhookSubscription

pytestmark = pytest.mark.django_db

# Measured when the intake check stopped locking its file twice, each time in a savepoint, and
# stopped working out a webhook event nobody subscribed to.
INTAKE_CHECK_STATEMENTS = 8


def _received_document(flow) -> Material:
    material = flow.case.materials.filter(format_kind=FormatKind.DOCUMENT).first()
    assert material.status == Material.Status.RECEIVED  # its job waits for the commit
    return material


def _intake_statements(material: Material) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        material_intake_check(material_id=material.pk)
    return [query["sql"] for query in captured]


def test_the_intake_check_of_a_file_reads_it_once_and_takes_no_savepoint(flow):
    material = _received_document(flow)
    statements = _intake_statements(material)
    assert Material.objects.get(pk=material.pk).status == Material.Status.CHECKED
    assert not [sql for sql in statements if "SAVEPOINT" in sql]
    reads = [sql for sql in statements if sql.startswith('SELECT "acceptance_material"."id"')]
    assert len(reads) == 1  # the locking read, which reads the row too
    assert len(statements) <= INTAKE_CHECK_STATEMENTS, statements


def test_a_check_with_a_subscriber_still_tells_it(flow, django_capture_on_commit_callbacks):
    """The webhook's cut costs nothing to a subscriber: the event is still written."""
    subscription = WebhookSubscription.objects.create(
        url="https://receiver.example/hook", events=["material.checked"]
    )
    material = _received_document(flow)
    with django_capture_on_commit_callbacks(execute=False):
        material_intake_check(material_id=material.pk)
    [delivery] = subscription.deliveries.all()
    assert f'"material":{material.pk}' in delivery.body


def test_a_superseded_version_is_left_unchecked(flow):
    material = _received_document(flow)
    Material.objects.filter(pk=material.pk).update(status=Material.Status.SUPERSEDED)
    material_intake_check(material_id=material.pk)
    left = Material.objects.get(pk=material.pk)
    assert left.status == Material.Status.SUPERSEDED
    assert not left.check_report

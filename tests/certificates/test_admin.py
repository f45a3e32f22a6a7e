"""Archive staff in the admin: edit the opinion templates, suspend, reinstate and revoke."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from certificates.models import Certificate, OpinionTemplate
from workflows.models import JournalEntry


@pytest.fixture
def staff_client(client, world):
    staff = get_user_model().objects.create_superuser("archivist", password="test-password")
    client.force_login(staff)
    return client


def run_action(client, action: str, certificate: Certificate, **extra):
    return client.post(
        "/admin/certificates/certificate/",
        {"action": action, "_selected_action": [certificate.pk], **extra},
    )


def test_revoking_asks_for_a_reason_then_revokes_and_journals(staff_client, certificate):
    asked = run_action(staff_client, "revoke_selected", certificate)
    assert asked.status_code == 200
    assert "理由 Reason" in asked.content.decode() and certificate.number in asked.content.decode()
    assert Certificate.objects.get(pk=certificate.pk).status == Certificate.Status.ISSUED

    done = run_action(staff_client, "revoke_selected", certificate, apply="1", reason="材料造假")
    assert done.status_code == 302
    assert Certificate.objects.get(pk=certificate.pk).status == Certificate.Status.REVOKED
    entry = JournalEntry.objects.get(kind="certificate.revoked")
    assert (entry.actor, entry.payload["reason"]) == ("archivist", "材料造假")


def test_an_illegal_move_is_reported_not_applied(staff_client, certificate):
    response = run_action(staff_client, "reinstate_selected", certificate, apply="1", reason="无")
    assert response.status_code == 302
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("cannot be reinstated" in message for message in messages)


def test_certificates_cannot_be_added_or_edited_in_the_admin(staff_client, certificate):
    assert staff_client.get("/admin/certificates/certificate/add/").status_code == 403
    page = staff_client.get(f"/admin/certificates/certificate/{certificate.pk}/change/")
    assert page.status_code == 200
    assert 'name="number"' not in page.content.decode()  # read-only


def test_staff_edit_the_seeded_opinion_template(staff_client):
    template = OpinionTemplate.objects.get(kind="full")  # seeded by the migration
    assert "同意通过竣工档案验收" in template.text
    url = f"/admin/certificates/opiniontemplate/{template.pk}/change/"

    response = staff_client.post(url, {"kind": "full", "text": "经审查，${project_name}同意验收。"})
    assert response.status_code == 302
    template.refresh_from_db()
    assert template.text == "经审查，${project_name}同意验收。"
    assert template.updated_by.username == "archivist"

    refused = staff_client.post(url, {"kind": "full", "text": "同意验收 ${projectname}"})
    assert refused.status_code == 200
    assert "projectname" in refused.content.decode()
    template.refresh_from_db()
    assert "${project_name}" in template.text

"""An owner withdraws or replaces a file until its node or case is submitted, never after."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from acceptance.exceptions import DuplicateMaterial
from acceptance.models import Material
from acceptance.services.materials import material_withdraw

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_owner_withdraws_a_file_before_submitting_and_it_is_kept_and_journaled(
    open_case, client
):
    flow = open_case(upload=False)
    material = flow.upload("A1-1")
    client.force_login(flow.owner)
    page = client.get(reverse("acceptance:upload", args=[flow.case.reference])).content.decode()
    assert f'id="withdraw-{material.pk}"' in page

    client.post(reverse("acceptance:material_withdraw", args=[material.pk]))

    withdrawn = Material.objects.get(pk=material.pk)
    assert withdrawn.status == Material.Status.WITHDRAWN and withdrawn.file.storage.exists(
        withdrawn.file.name
    )
    assert not flow.case.materials.current().filter(pk=material.pk).exists()
    (entry,) = flow.journal("material.withdrawn")
    assert entry.actor == flow.owner.get_username() and entry.payload["material"] == material.pk


def test_the_owner_replaces_a_file_before_submitting_by_a_new_version(open_case, client, samples):
    flow = open_case(upload=False)
    material = flow.upload("A1-1")
    client.force_login(flow.owner)
    other = samples.path(material.catalog_item, 2).read_bytes()

    client.post(
        reverse("acceptance:material_replace", args=[material.pk]),
        {"file": SimpleUploadedFile("立项批复-更正.pdf", other)},
    )

    (current,) = flow.case.materials.current().filter(catalog_item__code="A1-1")
    assert (current.original_name, current.version, current.supersedes_id) == (
        "立项批复-更正.pdf",
        2,
        material.pk,
    )
    assert Material.objects.get(pk=material.pk).status == Material.Status.SUPERSEDED


def test_after_the_node_is_submitted_nothing_can_be_withdrawn(open_case, client):
    flow = open_case(upload=False)
    material = flow.upload("A1-1")
    flow.complete("node_submit")
    client.force_login(flow.owner)

    page = client.get(reverse("acceptance:upload", args=[flow.case.reference])).content.decode()
    assert f'id="withdraw-{material.pk}"' not in page and "已提交，不可撤回" in page
    client.post(reverse("acceptance:material_withdraw", args=[material.pk]))
    assert Material.objects.get(pk=material.pk).status != Material.Status.WITHDRAWN

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=flow.owner).key}")
    refused = api.post(f"/api/materials/{material.pk}/withdraw/")
    assert refused.status_code == 403 and "不能再撤回" in refused.json()["message_zh"]
    assert not flow.journal("material.withdrawn")


def test_the_api_withdraws_a_file_not_yet_submitted(open_case):
    flow = open_case(upload=False)
    material = flow.upload("A1-1")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=flow.owner).key}")
    answer = api.post(f"/api/materials/{material.pk}/withdraw/")
    assert answer.status_code == 200, answer.json()
    assert answer.json()["status"] == "withdrawn"


def test_a_withdrawn_file_uploaded_again_is_accepted_and_a_real_duplicate_still_refused(open_case):
    flow = open_case(upload=False)
    withdrawn = flow.upload("A1-1")
    material_withdraw(material=withdrawn, user=flow.owner)

    again = flow.upload("A1-1")

    assert again.sha256 == withdrawn.sha256 and again.status == Material.Status.RECEIVED
    assert Material.objects.get(pk=withdrawn.pk).file.read() == again.file.read()
    with pytest.raises(DuplicateMaterial) as refused:
        flow.upload("A1-1")
    assert refused.value.data["existing"] == again.pk

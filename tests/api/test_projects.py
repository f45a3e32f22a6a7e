"""Projects and construction nodes: owners see their organisation's, staff and auditors all."""

import pytest

from acceptance.models import Organisation, Project
from api.models import ExternalProjectReference

from .conftest import assert_error, token_client

NEW_PROJECT = {
    "name": "临港新片区测试厂房",
    "location": "上海市浦东新区测试大道 8 号",
    "works_type": "building",
    "contractor": "上海测试建工集团有限公司",
    "floor_area_m2": "8000.50",
    "start_date": "2024-03-01",
}


@pytest.mark.django_db
def test_an_owner_lists_only_their_organisations_projects(flow, as_owner, as_stranger):
    mine = as_owner.get("/api/projects/").json()
    assert [p["reference"] for p in mine["results"]] == [flow.case.project.reference]
    assert mine["results"][0]["owner"]["name"] == flow.case.project.owner.name
    assert as_stranger.get("/api/projects/").json()["count"] == 0


@pytest.mark.django_db
def test_reviewers_and_auditors_see_every_project(flow, as_reviewer, as_auditor):
    for client in (as_reviewer, as_auditor):
        assert client.get("/api/projects/").json()["count"] == 1


@pytest.mark.django_db
def test_a_project_shows_its_construction_nodes(flow, as_owner):
    project = flow.case.project
    body = as_owner.get(f"/api/projects/{project.reference}/").json()
    assert [node["code"] for node in body["nodes"]] == list(
        project.nodes.order_by("position").values_list("code", flat=True)
    )


@pytest.mark.django_db
def test_another_organisations_project_is_not_found(flow, as_stranger):
    response = as_stranger.get(f"/api/projects/{flow.case.project.reference}/")
    assert_error(response, 404, "not_found")


@pytest.mark.django_db
def test_an_owner_registers_a_project_with_its_default_nodes(world, as_owner):
    response = as_owner.post(
        "/api/projects/", {**NEW_PROJECT, "owner": world.organisation.pk}, format="json"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    project = Project.objects.get(reference=body["reference"])
    assert (project.owner, project.created_by) == (world.organisation, world.owner)
    assert str(project.floor_area_m2) == "8000.50"
    assert len(body["nodes"]) == project.nodes.count() == 6


@pytest.mark.django_db
def test_registering_for_another_organisation_is_refused_with_403(world, as_stranger):
    response = as_stranger.post(
        "/api/projects/", {**NEW_PROJECT, "owner": world.organisation.pk}, format="json"
    )
    assert_error(response, 403, "not_permitted", "owner")
    assert not Project.objects.exists()


@pytest.mark.django_db
def test_an_auditor_registers_nothing(world, as_auditor):
    response = as_auditor.post(
        "/api/projects/", {**NEW_PROJECT, "owner": world.organisation.pk}, format="json"
    )
    assert_error(response, 403, "read_only_auditor")


@pytest.mark.django_db
def test_nodes_are_listed_per_project_and_hidden_from_other_organisations(
    flow, as_owner, as_stranger
):
    project = flow.case.project
    nodes = as_owner.get("/api/nodes/", {"project": project.reference}).json()["results"]
    assert [n["id"] for n in nodes] == list(
        project.nodes.order_by("position").values_list("pk", flat=True)
    )
    node = project.nodes.first()
    detail = as_owner.get(f"/api/nodes/{node.pk}/").json()
    assert detail["project"] == project.reference
    assert set(detail["expected_items"]) == set(node.expected_items.values_list("code", flat=True))
    assert as_stranger.get("/api/nodes/").json()["count"] == 0
    assert_error(as_stranger.get(f"/api/nodes/{node.pk}/"), 404, "not_found")


# -- external platforms ---------------------------------------------------------------------------


@pytest.fixture
def platform(world):
    """一网通办: an account of the city's portal, member of the owner organisation."""
    from .conftest import make_user

    user = make_user("portal_platform", "platforms")
    world.organisation.members.add(user)
    return user


def external(client, **fields):
    return client.post(
        "/api/projects/external/",
        {**NEW_PROJECT, "external_reference": "YWTB-2026-000123", **fields},
        format="json",
    )


@pytest.mark.django_db
def test_an_external_platform_creates_a_project_once_per_reference(world, platform):
    client = token_client(platform)
    first = external(client, owner_credit_code=world.organisation.credit_code)
    assert first.status_code == 201, first.json()
    assert first.json()["created"] is True
    again = external(client, owner_credit_code=world.organisation.credit_code)
    assert again.status_code == 200, again.json()
    assert again.json()["created"] is False
    assert again.json()["project"] == first.json()["project"]
    assert Project.objects.count() == 1
    mapping = ExternalProjectReference.objects.get()
    assert (mapping.platform, mapping.external_reference) == (platform, "YWTB-2026-000123")
    assert mapping.project.reference == first.json()["project"]["reference"]


@pytest.mark.django_db
def test_the_same_reference_with_another_payload_is_a_conflict_naming_the_fields(world, platform):
    client = token_client(platform)
    first = external(client, owner_credit_code=world.organisation.credit_code)
    assert first.status_code == 201, first.json()
    again = external(
        client, owner_credit_code=world.organisation.credit_code, name="改了名字", location="别处"
    )
    body = assert_error(again, 409, "external_reference_conflict", "location")
    assert body["data"]["fields"] == ["location", "name"]
    assert "location、name" in body["message_zh"] and "YWTB-2026-000123" in body["message_zh"]
    assert Project.objects.count() == 1
    assert Project.objects.get().name == first.json()["project"]["name"]


@pytest.mark.django_db
def test_the_same_reference_from_another_platform_is_another_project(world, platform):
    from .conftest import make_user

    other = make_user("other_platform", "platforms")
    world.organisation.members.add(other)
    external(token_client(platform), owner=world.organisation.pk)
    response = external(token_client(other), owner=world.organisation.pk)
    assert response.status_code == 201
    assert Project.objects.count() == 2


@pytest.mark.django_db
def test_an_external_project_needs_a_known_owner_the_platform_acts_for(world, platform, stranger):
    client = token_client(platform)
    assert_error(external(client), 400, "required", "owner")
    assert_error(
        external(client, owner_credit_code="91000000000000000X"),
        400,
        "api_error",
        "owner_credit_code",
    )
    theirs = Organisation.objects.get(members=stranger)
    assert_error(
        external(client, owner_credit_code=theirs.credit_code), 403, "not_permitted", "owner"
    )
    # A refused call leaves the reference free for a correct one.
    assert not ExternalProjectReference.objects.exists()
    assert external(client, owner=world.organisation.pk).status_code == 201


@pytest.mark.django_db
def test_a_reference_being_created_answers_409_until_its_project_exists(world, platform):
    ExternalProjectReference.objects.create(
        platform=platform, external_reference="YWTB-2026-000123"
    )
    response = external(token_client(platform), owner=world.organisation.pk)
    assert_error(response, 409, "external_creation_in_progress", "external_reference")

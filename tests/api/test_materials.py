"""Material uploads (multipart), their refusals, and downloads."""

import hashlib

import pytest

from acceptance.models import Material
from acceptance.samples import make_pdf_document

from .conftest import assert_error

ITEM = "A1-1"  # a document item of the catalog


@pytest.fixture
def pdf(tmp_path):
    path = make_pdf_document(
        tmp_path / "立项批复.pdf",
        title="关于测试中学新建工程立项的批复",
        lines=["浦东新区发展和改革委员会", "同意该项目立项。", "Approval of the project."],
    )
    return path


@pytest.fixture
def case(open_case):
    return open_case(upload=False).case


def upload(client, case, path, **fields):
    with path.open("rb") as handle:
        return client.post(
            "/api/materials/",
            {"case": case.reference, "catalog_item": ITEM, "file": handle, **fields},
            format="multipart",
        )


@pytest.mark.django_db
def test_an_owner_uploads_a_pdf_and_it_is_stored_with_its_sha256(case, as_owner, pdf):
    node = case.project.nodes.get()
    response = upload(as_owner, case, pdf, node=node.pk, title="立项批复", formed_on="2024-02-01")
    assert response.status_code == 201, response.json()
    body = response.json()
    digest = hashlib.sha256(pdf.read_bytes()).hexdigest()
    assert (body["sha256"], body["size"]) == (digest, pdf.stat().st_size)
    assert (body["catalog_item"], body["node"], body["status"]) == (ITEM, node.pk, "received")
    assert (body["title"], body["formed_on"], body["original_name"]) == (
        "立项批复",
        "2024-02-01",
        "立项批复.pdf",
    )
    material = Material.objects.get(pk=body["id"])
    assert material.uploaded_by == case.owner_user
    download = as_owner.get(f"/api/materials/{material.pk}/file/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == pdf.read_bytes()


@pytest.mark.django_db
def test_the_same_file_twice_is_refused_with_409(case, as_owner, pdf):
    assert upload(as_owner, case, pdf).status_code == 201
    body = assert_error(upload(as_owner, case, pdf), 409, "duplicate_material", "file")
    assert body["data"]["existing"] == Material.objects.get().pk


@pytest.mark.django_db
def test_a_new_version_supersedes_the_old(case, as_owner, pdf, tmp_path):
    first = upload(as_owner, case, pdf).json()
    second_file = make_pdf_document(tmp_path / "v2.pdf", title="第二版", lines=["修订"])
    second = upload(as_owner, case, second_file, supersedes=first["id"]).json()
    assert (second["version"], second["supersedes"]) == (2, first["id"])
    current = as_owner.get("/api/materials/", {"case": case.reference, "current": "true"})
    assert [m["id"] for m in current.json()["results"]] == [second["id"]]
    every = as_owner.get("/api/materials/", {"case": case.reference, "current": "false"})
    assert every.json()["count"] == 2
    unclear = as_owner.get("/api/materials/", {"case": case.reference, "current": "maybe"})
    assert_error(unclear, 400, "invalid", "current")


@pytest.mark.django_db
def test_a_yes_or_no_filter_takes_only_true_or_false(case, as_owner, pdf):
    """A platform that sends ``current=yes`` learns it was not understood, not every version."""
    upload(as_owner, case, pdf)
    every = as_owner.get("/api/materials/", {"case": case.reference, "current": "false"})
    assert every.status_code == 200 and every.json()["count"] == 1
    body = assert_error(
        as_owner.get("/api/materials/", {"case": case.reference, "current": "yes"}),
        400,
        "invalid",
        "current",
    )
    assert "true" in body["message_en"] and "false" in body["message_en"]


@pytest.mark.django_db
def test_upload_refusals_name_the_field_at_fault(case, as_owner, pdf, tmp_path):
    assert_error(
        upload(as_owner, case, pdf, catalog_item="NO-SUCH"),
        400,
        "catalog_not_ready",
        "catalog_item",
    )
    assert_error(upload(as_owner, case, pdf, node=999999), 400, "does_not_exist", "node")
    assert_error(
        upload(as_owner, case, pdf, supersedes=999999), 400, "does_not_exist", "supersedes"
    )
    empty = tmp_path / "empty.pdf"
    empty.write_bytes(b"")
    assert_error(upload(as_owner, case, empty), 400, "empty", "file")
    response = as_owner.post(
        "/api/materials/", {"case": case.reference, "catalog_item": ITEM}, format="multipart"
    )
    assert_error(response, 400, "required", "file")


@pytest.mark.django_db
def test_only_the_owners_organisation_uploads(case, as_reviewer, as_stranger, as_auditor, pdf):
    assert_error(upload(as_reviewer, case, pdf), 403, "not_permitted")
    assert_error(upload(as_stranger, case, pdf), 400, "does_not_exist", "case")
    assert_error(upload(as_auditor, case, pdf), 403, "read_only_auditor")
    assert not Material.objects.exists()


@pytest.mark.django_db
def test_materials_are_read_by_whoever_may_read_the_case(flow, as_reviewer, as_stranger):
    material = flow.case.materials.first()
    listed = as_reviewer.get("/api/materials/", {"case": flow.case.reference}).json()
    assert listed["count"] == flow.case.materials.count()
    assert as_stranger.get("/api/materials/").json()["count"] == 0
    assert_error(as_stranger.get(f"/api/materials/{material.pk}/"), 404, "not_found")
    assert_error(as_stranger.get(f"/api/materials/{material.pk}/file/"), 404, "not_found")

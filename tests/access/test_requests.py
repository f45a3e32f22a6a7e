"""Access requests through the services and the process: the notice, the review, the extract."""

from __future__ import annotations

import io

import pytest
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pypdf import PdfReader

from access.catalog.services import material_access_set
from access.exceptions import ProofRefused, RecordClosed, RequestRefused, ReviewInvalid
from access.models import AccessRequest, RequesterKind, RequesterRole
from access.services import proofs_supply, request_submit, review_decide
from workflows.journal import chain_entries, verify_chain

from .conftest import pyhanko_verdict, tenant_request_submit


def tenant_request(world, proofs):
    return tenant_request_submit(world, proofs=proofs)


def test_a_missing_lease_gets_one_notice_then_the_tenant_gets_a_signed_extract(
    access_world, signing_files
):
    world = access_world
    request = tenant_request(world, [world.proof("id_card")])
    request.refresh_from_db()
    assert request.status == AccessRequest.Status.PROOFS_MISSING
    assert [m["name_zh"] for m in request.missing_proofs] == ["房屋租赁合同"]

    request = proofs_supply(
        request=request, user=world.tenant, proofs=[world.proof("lease_contract")]
    )
    assert request.status == AccessRequest.Status.UNDER_REVIEW
    assert request.review_due_at is not None

    request = review_decide(
        request=request, user=world.archivist, decision="all", approved=[], reasons=""
    )
    assert request.status == AccessRequest.Status.DELIVERED
    extract = request.extract
    data = extract.pdf.read()
    status = pyhanko_verdict(data, signing_files.ca_certificate)
    assert status.intact and status.valid and status.trusted
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    pages = PdfReader(io.BytesIO(data)).pages
    assert len(pages) == extract.pages >= 3
    assert all("张晓明" in page.extract_text() for page in pages)
    kinds = [e.kind for e in chain_entries(request.reference)]
    assert "access.request_submitted" in kinds and "access.registered" in kinds
    assert verify_chain(request.reference).intact


def test_a_record_outside_the_rule_is_refused_with_its_name(access_world):
    world = access_world
    with pytest.raises(RequestRefused) as refused:
        request_submit(
            user=world.tenant,
            requester_name="张晓明",
            requester_kind=RequesterKind.PERSON,
            role=RequesterRole.LESSEE,
            purpose=world.purpose("business_registration"),
            project=world.project,
            records=[world.records["B1-1"]],
            proofs=[],
        )
    assert "B1-1" in refused.value.message_zh
    assert not AccessRequest.objects.exists()


def test_a_record_staff_closed_is_refused_by_name_and_nothing_is_stored(access_world):
    world = access_world
    lease_record = world.records["E1-12"]
    material_access_set(
        material=lease_record, level="closed", reason="涉及个人隐私", actor=world.archivist
    )
    with pytest.raises(RecordClosed) as refused:
        tenant_request(world, [world.proof("id_card"), world.proof("lease_contract")])
    assert "E1-12" in refused.value.message_zh and "不对外开放" in refused.value.message_zh
    assert not AccessRequest.objects.exists()


def test_a_proof_that_is_not_a_document_is_refused_and_nothing_is_stored(access_world):
    world = access_world
    kind = world.proof("id_card")[0]
    with pytest.raises(ProofRefused) as refused:
        tenant_request(world, [(kind, b"MZ\x90\x00 not a document at all", "合同.exe")])
    assert "合同.exe" in refused.value.message_zh
    assert not AccessRequest.objects.exists()


def test_approving_in_part_needs_reasons(access_world):
    world = access_world
    request = tenant_request(world, [world.proof("id_card"), world.proof("lease_contract")])
    with pytest.raises(ReviewInvalid):
        review_decide(
            request=request,
            user=world.archivist,
            decision="part",
            approved=[world.records["A5-1"].pk],
            reasons="",
        )
    request = review_decide(
        request=request,
        user=world.archivist,
        decision="refuse",
        approved=[],
        reasons="租赁合同已过期",
    )
    assert request.status == AccessRequest.Status.REFUSED
    assert request.decision_reason == "租赁合同已过期"

"""The two reform cases end to end through the API, as an external platform (一网通办) sends them."""

from __future__ import annotations

import hashlib
import io

from django.test import Client

from access.models import AccessRequest
from signing.ofd_seal import ofd_seal_verify, seal_trust_roots

from ..api.conftest import token_client
from .conftest import make_user, pyhanko_verdict

REQUESTS = "/api/access/requests/"


def proof_file(world, code: str):
    _kind, data, name = world.proof(code)
    upload = io.BytesIO(data)
    upload.name = name
    return upload


def submit(client, world, **fields):
    kinds = fields.pop("proof_kinds")
    body = {
        "project": world.project.reference,
        "proof_kinds": kinds,
        "proofs": [proof_file(world, code) for code in kinds],
        **fields,
    }
    return client.post(REQUESTS, body, format="multipart")


def downloaded(response) -> bytes:
    return b"".join(response.streaming_content)


def test_the_lift_case_from_request_to_a_verified_extract(access_world, signing_files):
    world = access_world
    platform = token_client(make_user("yiwangtongban"))
    guide = platform.get("/api/access/purposes/").json()
    lift = next(p for p in guide if p["code"] == "lift_installation")
    committee_rule = next(r for r in lift["rules"] if r["role"] == "owners_committee")
    assert {p["name_zh"] for p in committee_rule["proofs"]} == {
        "业主委员会备案证明",
        "街道情况说明",
    }
    records = platform.get(
        f"/api/access/purposes/lift_installation/records/?project={world.project.reference}"
        "&role=owners_committee"
    ).json()
    assert {r["catalog_code"] for r in records} == {"D-1", "D-2"}

    def committee_request():
        return submit(
            platform,
            world,
            purpose="lift_installation",
            role="owners_committee",
            requester_name="锦绣苑业主委员会",
            requester_kind="firm",
            records=[r["id"] for r in records],
            proof_kinds=["committee_record"],
            platform_reference="YWTB-2026-0001",
        )

    answer = committee_request()
    assert answer.status_code == 201, answer.json()
    created = answer.json()
    assert created["status"] == "proofs_missing"
    assert [m["name_zh"] for m in created["missing_proofs"]] == ["街道情况说明"]

    again = committee_request()
    assert again.status_code == 200
    assert again.json()["reference"] == created["reference"]
    assert AccessRequest.objects.count() == 1

    reference = created["reference"]
    supplied = platform.post(
        f"{REQUESTS}{reference}/proofs/",
        {
            "proof_kinds": ["subdistrict_statement"],
            "proofs": [proof_file(world, "subdistrict_statement")],
        },
        format="multipart",
    )
    assert supplied.status_code == 200, supplied.json()
    assert supplied.json()["status"] == "under_review"

    archivist = token_client(world.archivist)
    reviewed = archivist.post(f"{REQUESTS}{reference}/review/", {"decision": "all"}, format="json")
    assert reviewed.status_code == 200, reviewed.json()
    state = platform.get(f"{REQUESTS}{reference}/").json()
    assert state["status"] == "delivered"
    assert state["extract"]["valid_until"]

    pdf = downloaded(platform.get(state["extract"]["download_url"]))
    verdict = pyhanko_verdict(pdf, signing_files.ca_certificate)
    assert verdict.intact and verdict.valid and verdict.trusted

    # The public verification page knows the extract by its file and by number and code.
    checked = Client().post("/verify/api/", {"pdf": io.BytesIO(pdf)})
    assert checked.status_code == 200
    assert checked.json()["in_force"] is True

    # The sealed OFD beside it (made after the extract committed; eager jobs here).
    ofd = downloaded(platform.get(state["extract"]["ofd_url"]))
    assert hashlib.sha256(ofd).hexdigest() == state["extract"]["ofd_sha256"]
    assert ofd_seal_verify(ofd, seal_trust_roots()).genuine


def test_the_tenant_case_and_nobody_else_downloads_the_extract(access_world, signing_files):
    world = access_world
    tenant = token_client(world.tenant)
    answer = submit(
        tenant,
        world,
        purpose="business_registration",
        role="lessee",
        requester_name="张晓明",
        requester_kind="person",
        records=[world.records["A5-1"].pk, world.records["E1-12"].pk],
        proof_kinds=["id_card", "lease_contract"],
    )
    assert answer.status_code == 201, answer.json()
    reference = answer.json()["reference"]
    assert answer.json()["status"] == "under_review"
    archivist = token_client(world.archivist)
    reviewed = archivist.post(
        f"{REQUESTS}{reference}/review/",
        {
            "decision": "part",
            "approved_records": [world.records["A5-1"].pk],
            "reasons": "备案表涉及他人信息，不予提供",
        },
        format="json",
    )
    assert reviewed.status_code == 200, reviewed.json()
    state = tenant.get(f"{REQUESTS}{reference}/").json()
    assert state["status"] == "delivered"
    assert state["approved_records"] == [world.records["A5-1"].pk]
    assert state["decision_reason"] == "备案表涉及他人信息，不予提供"
    assert tenant.get(f"{REQUESTS}{reference}/extract/").status_code == 200

    stranger = token_client(make_user("another_requester"))
    assert stranger.get(f"{REQUESTS}{reference}/").status_code == 404
    refused = stranger.get(f"{REQUESTS}{reference}/extract/")
    assert refused.status_code == 404
    assert refused.json()["message_zh"]
    assert archivist.get(f"{REQUESTS}{reference}/extract/").status_code == 404
    assert stranger.get(f"{REQUESTS}{reference}/extract/ofd/").status_code == 404
    assert tenant.get(f"{REQUESTS}{reference}/extract/ofd/").status_code == 200


def test_a_proof_that_is_not_a_document_gets_a_clear_answer(access_world):
    world = access_world
    tenant = token_client(world.tenant)
    fake = io.BytesIO(b"\x7fELF\x02\x01\x01 this is a program, not a lease")
    fake.name = "租赁合同.pdf"
    answer = tenant.post(
        REQUESTS,
        {
            "project": world.project.reference,
            "purpose": "business_registration",
            "role": "lessee",
            "requester_name": "张晓明",
            "requester_kind": "person",
            "records": [world.records["A5-1"].pk],
            "proof_kinds": ["lease_contract"],
            "proofs": [fake],
        },
        format="multipart",
    )
    assert answer.status_code == 400
    assert answer.json()["code"] == "proof_refused"
    assert "租赁合同.pdf" in answer.json()["message_zh"]
    assert not AccessRequest.objects.exists()

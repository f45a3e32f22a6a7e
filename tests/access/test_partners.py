"""Linked archives (馆室联动): a request for records a partner holds goes to a real HTTP server
playing the partner, which checks our signature with its key; its answer comes back through
the API, signed, and the request ends as if served here."""

from __future__ import annotations

import base64
import io
import json

from pypdf import PdfReader

from access.models import (
    AccessRequest,
    Forwarding,
    Partner,
    PartnerHolding,
    RequesterKind,
    RequesterRole,
)
from access.partners import PARTNER_HEADER, partner_register
from access.services import request_submit, review_decide
from webhooks.models import WebhookDelivery
from webhooks.signing import SIGNATURE_HEADER, signature
from workflows.journal import chain_entries, verify_chain

from .conftest import ROOM_NAME, pyhanko_verdict, sample_pdf


def approved_tenant_request(world, codes=("A5-1", "E1-12")) -> AccessRequest:
    request, _created = request_submit(
        user=world.tenant,
        requester_name="张晓明",
        requester_kind=RequesterKind.PERSON,
        role=RequesterRole.LESSEE,
        purpose=world.purpose("business_registration"),
        project=world.project,
        records=[world.records[code] for code in codes],
        proofs=[world.proof("id_card"), world.proof("lease_contract")],
    )
    request.refresh_from_db()
    return review_decide(
        request=request, user=world.archivist, decision="all", approved=[], reasons=""
    )


def answer(client, partner, token, body: dict | bytes, key: str | None = None):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return client.post(
        f"/api/access/forwardings/{token}/answer/",
        data=raw,
        content_type="application/json",
        headers={
            PARTNER_HEADER: partner.code,
            SIGNATURE_HEADER: signature(key or partner.subscription.secret, raw),
        },
    )


def permit_file(world, forwarded: dict, title="规划许可证（档案室提供）") -> dict:
    pdf = sample_pdf(world.folder, "room-permit", title).read_bytes()
    return {
        "outcome": "provided",
        "files": [
            {
                "record": forwarded["records"][0]["id"],
                "name": "规划许可证.pdf",
                "content_base64": base64.b64encode(pdf).decode(),
            }
        ],
    }


def test_a_partner_held_record_is_forwarded_signed_and_its_file_ends_in_the_extract(
    access_world, room, partner_server, client, signing_files
):
    world = access_world
    request = approved_tenant_request(world)

    assert request.status == AccessRequest.Status.FORWARDED
    [got] = partner_server.received
    assert got["valid"], "the partner verifies our signature with its key"
    forwarded = got["body"]["data"]
    assert [r["code"] for r in forwarded["records"]] == ["A5-1"]
    assert forwarded["request"] == request.reference and forwarded["purpose"]["name_zh"]
    forwarding = Forwarding.objects.get(request=request)
    assert forwarding.delivery.status == WebhookDelivery.Status.DELIVERED

    client.force_login(world.tenant)
    page = client.get(f"/access/requests/{request.reference}/").content.decode()
    assert f"已转交 <strong>{ROOM_NAME}</strong> 办理" in page

    client.logout()
    response = answer(client, room, forwarded["forwarding"], permit_file(world, forwarded))
    assert response.status_code == 201, response.content
    request.refresh_from_db()
    assert request.status == AccessRequest.Status.DELIVERED
    data = request.extract.pdf.read()
    verdict = pyhanko_verdict(data, signing_files.ca_certificate)
    assert verdict.intact and verdict.valid and verdict.trusted
    pages = PdfReader(io.BytesIO(data)).pages
    text = "".join(page.extract_text() for page in pages).replace("\n", "").replace(" ", "")
    assert "档案室提供" in text, "the partner's page is in the extract"
    assert f"由{ROOM_NAME}提供" in text, "the cover says who provided it"
    kinds = [e.kind for e in chain_entries(request.reference)]
    assert kinds.index("access.forwarded") < kinds.index("access.partner_answered")
    assert verify_chain(request.reference).intact

    client.force_login(world.archivist)
    [provided] = forwarding.files.all()
    sent = client.get(f"/access/review/{request.reference}/partner-files/{provided.pk}/")
    assert b"".join(sent.streaming_content).startswith(b"%PDF")
    client.force_login(world.tenant)
    assert (
        client.get(f"/access/review/{request.reference}/partner-files/{provided.pk}/").status_code
        == 403
    ), "the partner's file is for the archivist; the requester gets it in the extract"
    client.logout()

    again = answer(client, room, forwarded["forwarding"], permit_file(world, forwarded))
    assert again.status_code == 200, "the same answer sent twice is taken once"
    other = answer(client, room, forwarded["forwarding"], {"outcome": "refused", "reason": "x"})
    assert other.status_code == 409
    assert "不再接受新的答复" in other.json()["message_zh"]
    forwarding.refresh_from_db()
    assert forwarding.status == Forwarding.Status.PROVIDED and forwarding.files.count() == 1


def test_a_partners_refusal_reaches_the_requester_with_its_reason(
    access_world, room, partner_server, client
):
    world = access_world
    request = approved_tenant_request(world, codes=("A5-1",))
    token = partner_server.received[0]["body"]["data"]["forwarding"]

    response = answer(client, room, token, {"outcome": "refused", "reason": "该许可证涉及国家秘密"})
    assert response.status_code == 201
    request.refresh_from_db()
    assert request.status == AccessRequest.Status.REFUSED
    client.force_login(world.tenant)
    page = client.get(f"/access/requests/{request.reference}/").content.decode()
    assert f"{ROOM_NAME}：该许可证涉及国家秘密" in page
    assert "access.registered" in [e.kind for e in chain_entries(request.reference)]


def test_bad_answers_are_refused_clearly_and_change_nothing(
    access_world, room, partner_server, client
):
    world = access_world
    request = approved_tenant_request(world)
    forwarded = partner_server.received[0]["body"]["data"]
    token = forwarded["forwarding"]

    forged = answer(client, room, token, permit_file(world, forwarded), key="not-the-key")
    assert forged.status_code == 401
    assert forged.json()["message_zh"].startswith("签名校验失败")

    garbage = answer(client, room, token, b"<html>502 Bad Gateway</html>")
    assert garbage.status_code == 400
    assert "不是 UTF-8 编码的 JSON" in garbage.json()["message_zh"]

    not_a_document = {
        "outcome": "provided",
        "files": [
            {
                "record": forwarded["records"][0]["id"],
                "name": "许可证.pdf",
                "content_base64": base64.b64encode(b"\x00\x01 not a pdf").decode(),
            }
        ],
    }
    refused_file = answer(client, room, token, not_a_document)
    assert refused_file.status_code == 400
    assert "合作单位提供的文件“许可证.pdf”" in refused_file.json()["message_zh"]

    wrong_record = dict(permit_file(world, forwarded))
    wrong_record["files"] = [{**wrong_record["files"][0], "record": world.records["E1-12"].pk}]
    assert answer(client, room, token, wrong_record).status_code == 400
    assert answer(client, room, token, {"outcome": "refused"}).status_code == 400

    stranger = partner_register(
        code="another-room", name="另一档案室", kind=Partner.Kind.ROOM, endpoint=partner_server.url
    )
    not_theirs = answer(client, stranger, token, permit_file(world, forwarded))
    assert not_theirs.status_code == 404
    assert "没有转交给另一档案室" in not_theirs.json()["message_zh"]

    forwarding = Forwarding.objects.get(request=request)
    assert forwarding.status == Forwarding.Status.WAITING and not forwarding.files.exists()
    request.refresh_from_db()
    assert request.status == AccessRequest.Status.FORWARDED
    rejected = [e for e in chain_entries(request.reference) if e.kind.endswith("rejected")]
    assert len(rejected) == 5  # garbage, not a document, wrong record, no reason, not theirs

    # After all that, the right answer is still taken.
    assert answer(client, room, token, permit_file(world, forwarded)).status_code == 201


def test_a_partner_that_times_out_is_retried_then_shown_and_the_archivist_acts(
    access_world, room, partner_server, client, settings
):
    world = access_world
    settings.WEBHOOKS_TIMEOUT_SECONDS = 0.3
    settings.WEBHOOKS_MAX_ATTEMPTS = 2
    partner_server.delay = 1.0
    request = approved_tenant_request(world)

    forwarding = Forwarding.objects.get(request=request)
    delivery = forwarding.delivery
    assert delivery.status == WebhookDelivery.Status.FAILED and delivery.attempts == 2
    assert all("timed out" in line["error"] for line in delivery.log)
    request.refresh_from_db()
    assert request.status == AccessRequest.Status.FORWARDED, "nothing is lost: still waiting"

    client.force_login(world.archivist)
    queue = client.get("/access/review/").content.decode()
    assert ROOM_NAME in queue and request.reference in queue
    page = client.get(f"/access/review/{request.reference}/").content.decode()
    assert "等待合作单位答复" in page and "未送达，已停止重试" in page

    partner_server.delay = 0
    client.post(f"/access/review/{request.reference}/partners/{forwarding.token}/resend/")
    forwarding.refresh_from_db()
    assert forwarding.delivery.status == WebhookDelivery.Status.DELIVERED

    empty = client.post(
        f"/access/review/{request.reference}/partners/{forwarding.token}/withdraw/",
        {"reason": " "},
        follow=True,
    )
    assert "终止转交时必须写明理由" in empty.content.decode()
    client.post(
        f"/access/review/{request.reference}/partners/{forwarding.token}/withdraw/",
        {"reason": "档案室逾期未答复，请到该档案室窗口查询"},
    )
    request.refresh_from_db()
    # The record held here is still given; the partner's one is out, with the reason.
    assert request.status == AccessRequest.Status.DELIVERED
    assert request.decision == AccessRequest.Decision.PART
    assert "逾期未答复" in request.decision_reason
    assert list(request.approved_records.all()) == [world.records["E1-12"]]
    late = answer(client, room, str(forwarding.token), {"outcome": "refused", "reason": "迟到"})
    assert late.status_code == 409


def test_a_partner_on_a_private_address_is_reached_only_when_staff_said_so(
    access_world, partner_server
):
    """Private addresses stay closed to webhook receivers: a partner registered without
    ``private_network`` is not sent to on loopback, and the request waits, nothing lost."""
    world = access_world
    partner = partner_register(
        code="room-outside", name="未标注内网的档案室", kind=Partner.Kind.ROOM,
        endpoint=partner_server.url,
    )  # fmt: skip
    PartnerHolding.objects.create(partner=partner, catalog_code="A5-1")
    request = approved_tenant_request(world, codes=("A5-1",))

    delivery = Forwarding.objects.get(request=request).delivery
    assert delivery.status == WebhookDelivery.Status.FAILED
    assert "not a public address" in delivery.log[0]["error"]
    assert partner_server.received == []
    request.refresh_from_db()
    assert request.status == AccessRequest.Status.FORWARDED

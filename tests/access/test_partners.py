"""Linked archives (馆室联动): a request for records a partner holds goes to a real HTTP server
playing the partner, which checks our signature with its key; its answer comes back through
the API, signed, and the request ends as if served here."""

from __future__ import annotations

import base64
import io
import json
import random

from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.client import encode_multipart
from PIL import Image as PILImage
from pypdf import PdfReader, PdfWriter
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from access.models import (
    AccessRequest,
    Forwarding,
    Partner,
    PartnerFile,
    PartnerHolding,
)
from access.partners import PARTNER_HEADER, partner_register
from access.services import review_decide
from webhooks.models import WebhookDelivery
from webhooks.signing import SIGNATURE_HEADER, signature
from workflows.journal import chain_entries, verify_chain

from .conftest import ROOM_NAME, pyhanko_verdict, sample_pdf, tenant_request_submit


def approved_tenant_request(world, codes=("A5-1", "E1-12")) -> AccessRequest:
    request = tenant_request_submit(world, codes)
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


def rejections_changing_nothing(request: AccessRequest) -> list:
    """The refused answers journaled on the request, which still waits on the partner."""
    forwarding = Forwarding.objects.get(request=request)
    assert forwarding.status == Forwarding.Status.WAITING and not forwarding.files.exists()
    request.refresh_from_db()
    assert request.status == AccessRequest.Status.FORWARDED
    return [e for e in chain_entries(request.reference) if e.kind.endswith("rejected")]


def signed_extract(request: AccessRequest, signing_files) -> tuple[list, str]:
    """The request's extract, pyHanko-valid: its pages and their text."""
    data = request.extract.pdf.read()
    verdict = pyhanko_verdict(data, signing_files.ca_certificate)
    assert verdict.intact and verdict.valid and verdict.trusted
    pages = PdfReader(io.BytesIO(data)).pages
    text = "".join(page.extract_text() for page in pages).replace("\n", "").replace(" ", "")
    return pages, text


def files_answer(client, partner, token, answer_fields: dict, files: dict, key=None, boundary="b"):
    """A multipart answer: ``answer`` as JSON and each file as a file part named by its record id,
    signed over the exact bytes of the whole body like a JSON answer."""
    data = {"answer": json.dumps(answer_fields)}
    for record, documents in files.items():
        data[str(record)] = [
            SimpleUploadedFile(name, content, "application/pdf") for name, content in documents
        ]
    boundary = f"partner-{boundary}"
    raw = encode_multipart(boundary, data)
    return client.post(
        f"/api/access/forwardings/{token}/answer/",
        data=raw,
        content_type=f"multipart/form-data; boundary={boundary}",
        headers={
            PARTNER_HEADER: partner.code,
            SIGNATURE_HEADER: signature(key or partner.subscription.secret, raw),
        },
    )


def scanned_volume(world, title="规划许可证卷（档案室提供）", over=3_000_000) -> bytes:
    """A real PDF larger than a JSON answer may carry: the titled page, then pages of scan grain
    (noise does not compress, as a scanned volume's pages barely do)."""
    first = sample_pdf(world.folder, "room-volume", title).read_bytes()
    grain = random.Random(7)
    pages = io.BytesIO()
    sheet = canvas.Canvas(pages)
    for _page in range(3):
        image = PILImage.frombytes("L", (1200, 1000), grain.randbytes(1200 * 1000))
        sheet.drawImage(ImageReader(image), 30, 100, width=535, height=446)
        sheet.showPage()
    sheet.save()
    writer = PdfWriter()
    writer.append(io.BytesIO(first))
    writer.append(io.BytesIO(pages.getvalue()))
    volume = io.BytesIO()
    writer.write(volume)
    assert volume.tell() > over
    return volume.getvalue()


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
    _pages, text = signed_extract(request, signing_files)
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

    rejected = rejections_changing_nothing(request)
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


def test_a_partner_answers_a_scanned_volume_as_multipart_and_it_ends_in_the_extract(
    access_world, room, partner_server, client, signing_files
):
    world = access_world
    request = approved_tenant_request(world)
    forwarded = partner_server.received[0]["body"]["data"]
    token, record = forwarded["forwarding"], forwarded["records"][0]["id"]
    volume = scanned_volume(world)
    assert len(volume) > django_settings.DATA_UPLOAD_MAX_MEMORY_SIZE

    as_json = {
        "outcome": "provided",
        "files": [
            {
                "record": record,
                "name": "卷.pdf",
                "content_base64": base64.b64encode(volume).decode(),
            }
        ],
    }
    too_large = answer(client, room, token, as_json)
    assert too_large.status_code == 413, "as JSON the volume is over the body limit"

    files = {record: [("规划许可证卷.pdf", volume)]}
    response = files_answer(client, room, token, {"outcome": "provided"}, files)
    assert response.status_code == 201, response.content
    [stored] = PartnerFile.objects.filter(forwarding__token=token)
    assert stored.size == len(volume) and stored.original_name == "规划许可证卷.pdf"
    assert stored.file.read() == volume
    request.refresh_from_db()
    assert request.status == AccessRequest.Status.DELIVERED
    pages, text = signed_extract(request, signing_files)
    assert "规划许可证卷（档案室提供）" in text, "the partner's title page is in the extract"
    volume_pages = len(PdfReader(io.BytesIO(volume)).pages)
    assert len(pages) >= 1 + volume_pages, "the cover, then every page of the volume"
    assert verify_chain(request.reference).intact

    # Sent again (another boundary, so other bytes): the same answer, taken once.
    again = files_answer(client, room, token, {"outcome": "provided"}, files, boundary="again")
    assert again.status_code == 200
    assert PartnerFile.objects.filter(forwarding__token=token).count() == 1


def test_bad_multipart_answers_are_refused_clearly_and_change_nothing(
    access_world, room, partner_server, client, settings
):
    world = access_world
    PartnerHolding.objects.create(partner=room, catalog_code="E1-12")
    request = approved_tenant_request(world)
    forwarded = partner_server.received[0]["body"]["data"]
    token = forwarded["forwarding"]
    permit, form = world.records["A5-1"].pk, world.records["E1-12"].pk
    assert sorted(r["id"] for r in forwarded["records"]) == sorted([permit, form])
    pdf = sample_pdf(world.folder, "room-permit", "规划许可证（档案室提供）").read_bytes()
    complete = {permit: [("规划许可证.pdf", pdf)], form: [("备案表.pdf", pdf)]}
    provided = {"outcome": "provided"}

    forged = files_answer(client, room, token, provided, complete, key="not-the-key")
    assert forged.status_code == 401
    assert forged.json()["message_zh"].startswith("签名校验失败")

    not_forwarded = world.records["D-1"].pk
    stray = files_answer(
        client, room, token, provided, {**complete, not_forwarded: [("x.pdf", pdf)]}
    )
    assert stray.status_code == 400
    assert "文件“x.pdf”的 record 不是本次转交的档案" in stray.json()["message_zh"]
    assert "is not one forwarded" in stray.json()["message_en"]

    missing = files_answer(client, room, token, provided, {permit: [("规划许可证.pdf", pdf)]})
    assert missing.status_code == 400
    assert f"以下转交的档案没有文件：[{form}]" in missing.json()["message_zh"]

    settings.ACCEPTANCE_MAX_UPLOAD_BYTES = 2 * 1024**2
    volume = scanned_volume(world)
    over = files_answer(client, room, token, provided, {**complete, permit: [("卷.pdf", volume)]})
    assert over.status_code == 413
    body = over.json()
    assert body["code"] == "partner_file_too_large"
    assert "文件“卷.pdf”超过本系统允许的最大文件大小（2 MB），未保存任何文件" in body["message_zh"]
    assert "larger than this system accepts (2 MB)" in body["message_en"]

    no_outcome = files_answer(client, room, token, {"reason": "x"}, complete)
    assert no_outcome.status_code == 400
    assert "outcome 须为 provided" in no_outcome.json()["message_zh"]

    padded = {"outcome": "provided", "note": "x" * django_settings.DATA_UPLOAD_MAX_MEMORY_SIZE}
    oversized_field = files_answer(client, room, token, padded, complete)
    assert oversized_field.status_code == 400
    assert "answer 字段过大" in oversized_field.json()["message_zh"]

    rejected = rejections_changing_nothing(request)
    codes = [e.payload["code"] for e in rejected]
    # not forwarded, missing, too large, no outcome; the forged one and the oversized field
    # are not known to be the partner's (its signature was not checked)
    assert codes == ["partner_answer_invalid"] * 2 + ["partner_file_too_large"] + [
        "partner_answer_invalid"
    ]
    assert "卷.pdf" in rejected[2].payload["reason"]

    # After all that, the right answer is still taken, with both files.
    assert files_answer(client, room, token, provided, complete).status_code == 201
    forwarding = Forwarding.objects.get(request=request)
    assert sorted(f.record_id for f in forwarding.files.all()) == sorted([permit, form])

"""The records access part of ``manage.py demo``: the report's two reform cases on the demo's
archived project, each to a downloaded extract verified like a relying party would (signature
and registered fingerprint), and one request left waiting for the archivist."""

from __future__ import annotations

import base64
import json
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone

from acceptance.demo import DEMO_PASSWORD
from acceptance.models import Project
from acceptance.samples import make_sample_record
from certificates.verify import certificate_file_verify_path
from webhooks.signing import SIGNATURE_HEADER, signature, signature_valid

from .models import (
    AccessRequest,
    Partner,
    PartnerHolding,
    ProofKind,
    Purpose,
    RequesterKind,
    RequesterRole,
)
from .partners import PARTNER_HEADER, partner_register, partner_update
from .register import access_statistics
from .selectors import ARCHIVISTS
from .services import (
    extract_download,
    proofs_supply,
    records_in_scope,
    request_instance,
    request_submit,
    review_decide,
    rule_for,
)

DEMO_USERS = {
    "archivist_demo": ARCHIVISTS,
    "committee_demo": "",  # 锦绣苑业主委员会, for the lift
    "tenant_demo": "",  # 张晓明, a tenant registering a business
    "landlord_demo": "",  # 王建华, a property owner: left waiting for the archivist
}


DEMO_PARTNER_CODE = "pudong-construction-room"
DEMO_PARTNER_NAME = "浦东新区建设和交通委员会档案室"


class DemoPartner:
    """The archive room's side for the demo: a loopback HTTP server that takes the forwarded
    request, checks its signature with the shared key, and answers through our API."""

    def __init__(self):
        self.key = ""
        self.forwarded: list[dict] = []
        self.arrived = threading.Event()
        partner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if not signature_valid(partner.key, body, self.headers.get(SIGNATURE_HEADER)):
                    self.send_response(401)
                    self.end_headers()
                    return
                partner.forwarded.append(json.loads(body)["data"])
                partner.arrived.set()
                self.send_response(202)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/forwarded/"

    def __enter__(self):
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()

    def wait_for_forwarding(self, seconds: float) -> dict:
        if not self.arrived.wait(seconds):
            raise TimeoutError("the demo partner got no forwarded request")
        return self.forwarded[-1]

    def answer(self, forwarded: dict, pdf: bytes):
        """The partner's signed answer, posted to our API as a partner's server would."""
        body = json.dumps(
            {
                "outcome": "provided",
                "files": [
                    {
                        "record": record["id"],
                        "name": f"{record['code']}.pdf",
                        "content_base64": base64.b64encode(pdf).decode(),
                    }
                    for record in forwarded["records"]
                ],
            }
        ).encode()
        return Client().post(
            forwarded["answer_path"],
            data=body,
            content_type="application/json",
            headers={
                PARTNER_HEADER: forwarded["partner"],
                SIGNATURE_HEADER: signature(self.key, body),
            },
        )


class AccessDemo:
    def __init__(self, say: Callable[[str], None], project: Project, folder: Path, wait: float):
        self.say, self.project, self.folder, self.wait_seconds = say, project, folder, wait
        self.users = {}
        for username, group in DEMO_USERS.items():
            user, created = get_user_model().objects.get_or_create(username=username)
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save()
            if group:
                user.groups.add(Group.objects.get_or_create(name=group)[0])
            self.users[username] = user

    def proof(self, code: str, holder: str) -> tuple[ProofKind, bytes, str]:
        kind = ProofKind.objects.get(code=code)
        path = make_sample_record(
            self.folder / f"{code}-{holder}",
            kind="document",
            code=kind.code,
            title=f"{kind.name_zh}（{holder}）",
            subtitle=kind.name_en,
            project_name=self.project.name,
        )
        return kind, path.read_bytes(), f"{kind.name_zh}.pdf"

    def submit(self, username, name, kind, role, purpose, proofs, codes=None):
        purpose = Purpose.objects.get(code=purpose)
        records = records_in_scope(rule_for(purpose, role), self.project)
        if codes:
            records = [m for m in records if m.catalog_item.code in codes]
        request, _ = request_submit(
            user=self.users[username],
            requester_name=name,
            requester_kind=kind,
            role=role,
            purpose=purpose,
            project=self.project,
            records=records,
            proofs=[self.proof(code, name) for code in proofs],
        )
        request.refresh_from_db()
        return request

    def wait_for(self, request: AccessRequest, status: str) -> AccessRequest:
        deadline = time.monotonic() + self.wait_seconds
        while request.status != status:
            instance = request_instance(request)
            if instance is not None and instance.status == instance.Status.INCIDENT:
                incident = instance.incidents.filter(resolved_at__isnull=True).first()
                raise RuntimeError(f"access incident at {incident.task_name}: {incident.message}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"{request.reference} did not reach {status}")
            time.sleep(0.2)
            request.refresh_from_db()
        return request

    def deliver_and_verify(self, request: AccessRequest, username: str) -> Path:
        request = self.wait_for(request, AccessRequest.Status.DELIVERED)
        extract = extract_download(user=self.users[username], reference=request.reference)
        path = Path(extract.pdf.path)
        report = certificate_file_verify_path(path)
        if not report.in_force:
            raise RuntimeError(f"extract {extract.number} did not verify: {report.verdict[1]}")
        self.say(
            f"     档案证明 {extract.number}（{extract.pages} 页，有效期至 {extract.valid_until}）"
            f"下载并核验通过：签名有效、指纹已登记 — downloaded and verified: {path}"
        )
        return path

    def lift(self) -> Path:
        self.say("[查档1] 加装电梯：业主委员会凭街道情况说明查阅楼栋竣工图 — the lift case")
        request = self.submit(
            "committee_demo", "锦绣苑业主委员会", RequesterKind.FIRM,
            RequesterRole.OWNERS_COMMITTEE, "lift_installation", ["committee_record"],
        )  # fmt: skip
        missing = "、".join(m["name_zh"] for m in request.missing_proofs)
        self.say(
            f"     {request.reference} 一次性告知缺少：{missing} — one notice of what is missing"
        )
        proofs_supply(
            request=request,
            user=self.users["committee_demo"],
            proofs=[self.proof("subdistrict_statement", "锦绣苑业主委员会")],
        )
        request.refresh_from_db()
        review_decide(
            request=request,
            user=self.users["archivist_demo"],
            decision="all",
            approved=[],
            reasons="",
        )
        return self.deliver_and_verify(request, "committee_demo")

    def tenant(self) -> Path:
        self.say("[查档2] 工商注册：承租人凭租赁合同查询房屋用途性质 — the tenant case")
        request = self.submit(
            "tenant_demo", "张晓明", RequesterKind.PERSON, RequesterRole.LESSEE,
            "business_registration", ["id_card", "lease_contract"],
        )  # fmt: skip
        permit = [m.pk for m in request.records.all() if m.catalog_item.code == "A5-1"]
        review_decide(
            request=request,
            user=self.users["archivist_demo"],
            decision="part" if request.records.count() > 1 else "all",
            approved=permit,
            reasons="房屋用途性质见规划许可证及附件；竣工验收备案表与工商登记无关，不予提供",
        )
        return self.deliver_and_verify(request, "tenant_demo")

    def linked(self) -> Path:
        """馆室联动: the filing form is held by the district construction commission's archive
        room; the request is forwarded to it (a loopback server for the demo's duration), which
        checks our signature with its key and answers through the API with the file."""
        self.say(
            "[查档3] 馆室联动：竣工验收备案表由区建设和交通委档案室保管 — a linked archive room"
        )
        with DemoPartner() as server:
            partner = Partner.objects.filter(code=DEMO_PARTNER_CODE).first()
            if partner is None:
                partner = partner_register(
                    code=DEMO_PARTNER_CODE, name=DEMO_PARTNER_NAME, kind=Partner.Kind.ROOM,
                    endpoint=server.url, private_network=True, answer_working_days=3,
                )  # fmt: skip
                PartnerHolding.objects.create(partner=partner, catalog_code="E1-12")
            else:
                partner_update(
                    partner=partner, endpoint=server.url, private_network=True, active=True
                )
            server.key = partner.subscription.secret
            request = self.submit(
                "landlord_demo", "王建华", RequesterKind.PERSON, RequesterRole.PROPERTY_OWNER,
                "property_matters", ["id_card", "property_certificate"], codes=("E1-12",),
            )  # fmt: skip
            review_decide(
                request=request,
                user=self.users["archivist_demo"],
                decision="all",
                approved=[],
                reasons="",
            )
            request = self.wait_for(request, AccessRequest.Status.FORWARDED)
            forwarded = server.wait_for_forwarding(self.wait_seconds)
            self.say(
                f"     {request.reference} 已转交 {partner.name}，其用共享密钥核验签名通过 — "
                "forwarded; the partner verified our signature"
            )
            answer = server.answer(forwarded, self.proof_pdf("E1-12", "竣工验收备案表（档案室）"))
            if answer.status_code != 201:
                raise RuntimeError(f"the partner's answer was refused: {answer.content!r}")
            self.say(f"     {partner.name} 经 API 答复并提供文件 — answered through the API")
        # The loopback server is gone: the partner stays registered but unlinked.
        partner_update(partner=partner, endpoint=server.url, private_network=True, active=False)
        return self.deliver_and_verify(request, "landlord_demo")

    def proof_pdf(self, code: str, title: str) -> bytes:
        return make_sample_record(
            self.folder / f"partner-{code}", kind="document", code=code, title=title,
            subtitle="held by a linked archive room", project_name=self.project.name,
        ).read_bytes()  # fmt: skip

    def waiting(self) -> AccessRequest:
        request = self.submit(
            "landlord_demo", "王建华", RequesterKind.PERSON, RequesterRole.PROPERTY_OWNER,
            "property_matters", ["id_card", "property_certificate"], codes=("A5-1", "D-1"),
        )  # fmt: skip
        request = self.wait_for(request, AccessRequest.Status.UNDER_REVIEW)
        self.say(
            f"     待审核查档申请 {request.reference}：以 archivist_demo 登录 sign in as "
            f"archivist_demo → /access/review/{request.reference}/ (password {DEMO_PASSWORD})"
        )
        self.say(
            "     申请人 requesters: committee_demo, tenant_demo, landlord_demo → /access/ "
            f"(password {DEMO_PASSWORD})"
        )
        return request


def run_access_demo(
    project: Project, say: Callable[[str], None] = print, wait_seconds: float = 120
) -> tuple[list[Path], AccessRequest]:
    """Both reform cases and a request a linked archive room answers, to verified extracts,
    and one request waiting for the archivist."""
    with tempfile.TemporaryDirectory(prefix="access-demo-") as folder:
        demo = AccessDemo(say, project, Path(folder), wait_seconds)
        extracts = [demo.lift(), demo.tenant(), demo.linked()]
        waiting = demo.waiting()
    today = timezone.localdate()
    stats = access_statistics(start=date(today.year, 1, 1), end=today)
    say(
        f"     利用统计 statistics: {stats.total.received} received / {stats.total.served_online} "
        f"served online (visits saved) / {stats.total.files_used} files used "
        "(page: /access/statistics/, register: /access/register/)"
    )
    return extracts, waiting

"""A world for records access: an archived project holding real records, requesters, an archivist.

The project's records are uploaded through the acceptance service and checked at intake like any
other (the tests run in committed transactions, so the intake and the process's jobs run as
they do in production); the case is then put in the archive directly (acceptance's own tests take a case there
through the whole flow, which costs a minute this package does not need to spend).
"""

from __future__ import annotations

import io
import json
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.core.files import File
from django.core.management import call_command
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from acceptance.demo import DEMO_PROJECT_FACTS
from acceptance.models import Case, CatalogItem, Material, Organisation, Project
from acceptance.samples import make_sample_record
from acceptance.services.cases import case_open
from acceptance.services.catalog import catalog_seed
from acceptance.services.materials import material_upload
from acceptance.services.projects import project_register
from acceptance.services.volumes import volumes_arrange
from access.models import (
    AccessRequest,
    Partner,
    PartnerHolding,
    ProofKind,
    Purpose,
    RequesterKind,
    RequesterRole,
)
from access.partners import partner_register
from access.seeds import rules_seed
from access.services import request_submit, review_decide
from webhooks.signing import SIGNATURE_HEADER, signature_valid
from workflows.labels import SHANGHAI
from workflows.workdays import calendar_seed_from_package

PROJECT_NAME = "浦东新区锦绣苑住宅小区 3 号楼"
# The records the seeded rules cover (house use; the building's drawings) and one they do not.
RECORD_CODES = ("A5-1", "E1-12", "D-1", "D-2", "B1-1")


def pyhanko_verdict(pdf: bytes, ca_path):
    """pyHanko's own validator on the PDF's signature, the test CA the only trust root."""
    signature = PdfFileReader(io.BytesIO(pdf)).embedded_signatures[0]
    context = ValidationContext(trust_roots=[load_cert_from_pemder(str(ca_path))])
    return validate_pdf_signature(signature, context)


def make_user(username: str, group: str = ""):
    user = get_user_model().objects.create_user(username=username, password="test-password")
    if group:
        user.groups.add(Group.objects.get_or_create(name=group)[0])
    return user


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def fresh_rate_limit():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(scope="session")
def sample_folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("access-samples")


def sample_pdf(folder: Path, name: str, title: str) -> Path:
    """A real PDF document (a proof's scan stands in as a generated one)."""
    return make_sample_record(
        folder / name,
        kind="document",
        code="PROOF",
        title=title,
        subtitle="proof",
        project_name=PROJECT_NAME,
    )


@dataclass
class AccessWorld:
    project: Project
    records: dict[str, Material]
    tenant: object
    committee: object
    archivist: object
    folder: Path

    def purpose(self, code: str) -> Purpose:
        return Purpose.objects.get(code=code)

    def proof(self, code: str, variant: str = "") -> tuple[ProofKind, bytes, str]:
        kind = ProofKind.objects.get(code=code)
        path = sample_pdf(self.folder, f"{code}{variant}", kind.name_zh)
        return kind, path.read_bytes(), f"{kind.name_zh}.pdf"


@pytest.fixture
def access_world(transactional_db, settings, sample_folder) -> AccessWorld:
    settings.CERTIFICATES_VERIFY_BASE_URL = "https://archive.example.cn/verify/"
    catalog_seed()
    rules_seed()
    call_command("deploy_processes", verbosity=0, stdout=io.StringIO())
    owner = make_user("developer_owner", "owners")
    organisation = Organisation.objects.create(name="上海锦绣置业有限公司")
    organisation.members.add(owner)
    project = project_register(
        user=owner, owner=organisation, name=PROJECT_NAME, **DEMO_PROJECT_FACTS
    )
    case = case_open(project=project, user=owner)
    records = {}
    for code in RECORD_CODES:
        item = CatalogItem.objects.current().get(code=code)
        path = make_sample_record(
            sample_folder / f"record-{code}",
            kind=item.format_kind,
            code=code,
            title=item.name_zh,
            subtitle=item.name_en,
            project_name=PROJECT_NAME,
        )
        with path.open("rb") as handle:
            records[code] = material_upload(
                case=case,
                user=owner,
                catalog_item=item,
                file=File(handle),
                name=path.name,
                title=f"{PROJECT_NAME}{item.name_zh}",
            )
    Case.objects.filter(pk=case.pk).update(status=Case.Status.ARCHIVED)
    records = {code: Material.objects.get(pk=m.pk) for code, m in records.items()}
    return AccessWorld(
        project=project,
        records=records,
        tenant=make_user("tenant_zhang"),
        committee=make_user("jinxiu_committee"),
        archivist=make_user("archivist_li", "archivists"),
        folder=sample_folder,
    )


def tenant_request_submit(world: AccessWorld, codes=("A5-1", "E1-12"), proofs=None):
    """The tenant (张晓明, a lessee) asks for the house's use to register a business, with an ID
    card and a lease contract unless other ``proofs`` are given."""
    request, _created = request_submit(
        user=world.tenant,
        requester_name="张晓明",
        requester_kind=RequesterKind.PERSON,
        role=RequesterRole.LESSEE,
        purpose=world.purpose("business_registration"),
        project=world.project,
        records=[world.records[code] for code in codes],
        proofs=[world.proof("id_card"), world.proof("lease_contract")]
        if proofs is None
        else proofs,
    )
    return request


def extract_delivered(world: AccessWorld):
    """A tenant's request for a house's use, approved in full: its extract, as issued."""
    request = tenant_request_submit(world, codes=("A5-1",))
    request = review_decide(
        request=request, user=world.archivist, decision="all", approved=[], reasons=""
    )
    assert request.status == AccessRequest.Status.DELIVERED
    extract = request.extract
    extract.refresh_from_db()  # with its OFD, made by the job that ran after the commit
    return extract


@pytest.fixture
def extract(access_world):
    return extract_delivered(access_world)


# -- March 2026, for the register and the figures ----------------------------------------------
# The tenant's request (house use) is served online on the day; the owners' committee's (lift)
# two weeks later, past the review's five working days; a second tenant request is refused; a
# court's is served at the window (its rule requires a visit). An April request, still under
# review, is outside March.

MONDAY = datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)
# Two weeks on: ten working days after the Monday, past the review's limit (9 March, 17:30).
TWO_WEEKS_ON = datetime(2026, 3, 16, 10, 0, tzinfo=SHANGHAI)
APRIL = datetime(2026, 4, 1, 10, 0, tzinfo=SHANGHAI)
MARCH = {"start": "2026-03-01", "end": "2026-03-31"}


def submit(world, user, name, kind, role, purpose, codes, proofs) -> AccessRequest:
    request, _created = request_submit(
        user=user,
        requester_name=name,
        requester_kind=kind,
        role=role,
        purpose=world.purpose(purpose),
        project=world.project,
        records=[world.records[code] for code in codes],
        proofs=[world.proof(code) for code in proofs],
    )
    request.refresh_from_db()  # the process has moved it on to the review
    return request


def decide(world, request, decision="all", reasons="") -> AccessRequest:
    return review_decide(
        request=request, user=world.archivist, decision=decision, approved=[], reasons=reasons
    )


@pytest.fixture
def march(access_world, time_machine) -> dict[str, AccessRequest]:
    world = access_world
    calendar_seed_from_package()
    # The records bound in volumes, as the archive holds them: house use in the A and E
    # volumes, the drawings in the D volume.
    volumes_arrange(case=world.records["D-1"].case)
    time_machine.move_to(MONDAY, tick=True)
    tenant = submit(
        world, world.tenant, "张晓明", RequesterKind.PERSON, RequesterRole.LESSEE,
        "business_registration", ["A5-1", "E1-12"], ["id_card", "lease_contract"],
    )  # fmt: skip
    lift = submit(
        world, world.committee, "锦绣苑业主委员会", RequesterKind.FIRM,
        RequesterRole.OWNERS_COMMITTEE, "lift_installation", ["D-1", "D-2"],
        ["committee_record", "subdistrict_statement"],
    )  # fmt: skip
    refused = submit(
        world, world.tenant, "张晓明", RequesterKind.PERSON, RequesterRole.LESSEE,
        "business_registration", ["A5-1"], ["id_card", "lease_contract"],
    )  # fmt: skip
    court = submit(
        world, make_user("court_officer"), "浦东新区人民法院", RequesterKind.FIRM,
        RequesterRole.COURT, "litigation", ["D-1"], ["court_letter", "officer_id"],
    )  # fmt: skip
    tenant = decide(world, tenant)
    refused = decide(world, refused, "refuse", "租赁合同已过期，请提供有效期内的合同")
    court = decide(world, court)
    time_machine.move_to(TWO_WEEKS_ON, tick=True)
    lift = decide(world, lift)
    time_machine.move_to(APRIL, tick=True)
    april = submit(
        world, world.tenant, "张晓明", RequesterKind.PERSON, RequesterRole.LESSEE,
        "business_registration", ["E1-12"], ["id_card", "lease_contract"],
    )  # fmt: skip
    return {"tenant": tenant, "lift": lift, "refused": refused, "court": court, "april": april}


# -- a partner archive room (馆室联动), played by a real HTTP server --------------------------

ROOM_NAME = "浦东新区规划资源局档案室"


class PartnerServer:
    """The partner's own server: it takes our forwarded requests and checks their signatures."""

    def __init__(self):
        self.received: list[dict] = []
        self.key = ""
        self.delay = 0.0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if server.delay:
                    time.sleep(server.delay)
                valid = signature_valid(server.key, body, self.headers.get(SIGNATURE_HEADER))
                server.received.append({"valid": valid, "body": json.loads(body)})
                self.send_response(202 if valid else 401)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/linked/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def partner_server(settings):
    settings.WEBHOOKS_BACKOFF_SECONDS = 0
    with PartnerServer() as server:
        yield server


@pytest.fixture
def room(partner_server) -> Partner:
    """The planning bureau's archive room holds the planning permits (A5-1)."""
    partner = partner_register(
        code="pudong-planning-room", name=ROOM_NAME, kind=Partner.Kind.ROOM,
        endpoint=partner_server.url, private_network=True, answer_working_days=3,
    )  # fmt: skip
    PartnerHolding.objects.create(partner=partner, catalog_code="A5-1")
    partner_server.key = partner.subscription.secret
    return partner

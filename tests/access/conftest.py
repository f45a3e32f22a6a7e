"""A world for records access: an archived project holding real records, requesters, an archivist.

The project's records are uploaded through the acceptance service and checked at intake like any
other (the tests run in committed transactions, so the intake and the process's jobs run as
they do in production); the case is then put in the archive directly (acceptance's own tests take a case there
through the whole flow, which costs a minute this package does not need to spend).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
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
from access.models import AccessRequest, ProofKind, Purpose, RequesterKind, RequesterRole
from access.seeds import rules_seed
from access.services import request_submit, review_decide

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


def extract_delivered(world: AccessWorld):
    """A tenant's request for a house's use, approved in full: its extract, as issued."""
    request, _ = request_submit(
        user=world.tenant,
        requester_name="张晓明",
        requester_kind=RequesterKind.PERSON,
        role=RequesterRole.LESSEE,
        purpose=world.purpose("business_registration"),
        project=world.project,
        records=[world.records["A5-1"]],
        proofs=[world.proof("id_card"), world.proof("lease_contract")],
    )
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

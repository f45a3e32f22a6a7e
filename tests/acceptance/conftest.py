"""A cheap world for driving acceptance cases through the main flow.

Each test gets a freshly seeded catalog, the deployed process, one owner and one reviewer, an
owner organisation with a registered project, and a helper (``CaseFlow``) that uploads generated
sample files and works the case's user tasks the way the owner and the reviewer would.

Sample files are generated once per session and reused: a case refuses the same bytes twice,
but different cases may share them. A project keeps only one construction node unless a test asks
for more, and every required catalog item is uploaded to that node.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files import File
from django.core.management import call_command

from acceptance.models import Case, CatalogItem, FormatKind, Material, Node, Organisation
from acceptance.samples import make_sample_record
from acceptance.selectors.cases import case_instance, case_open_task
from acceptance.selectors.completeness import required_items
from acceptance.selectors.history import case_as_of
from acceptance.services.cases import case_open, case_task_complete, decision_submit
from acceptance.services.catalog import catalog_seed
from acceptance.services.commitments import commitment_deliver
from acceptance.services.materials import material_upload
from acceptance.services.projects import project_register
from certificates.models import Certificate
from workflows.journal import chain_entries
from workflows.models import HumanTask, JournalEntry, ProcessInstance

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Every case starts on a fixed morning so deadlines are plain dates.
START = datetime(2026, 1, 15, 9, 30, tzinfo=SHANGHAI)
PROJECT_NAME = "浦东新区测试中学新建工程"
# A required, tolerable document (容缺): left out of conditional cases and delivered afterwards.
TOLERATED = "C6-P3"
# Required core items (主审要件) that may never be tolerated.
CORE_DRAWING = "D-1"
CORE_DOCUMENT = "E1-5"


class SampleFiles:
    """Generated sample files, one per (item, variant, stamped), made on first use."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._made: dict[tuple[str, int, bool], Path] = {}

    def path(self, item: CatalogItem, variant: int = 1, *, stamped: bool = True) -> Path:
        key = (item.code, variant, stamped)
        if key not in self._made:
            self._made[key] = self._make(item, variant, stamped)
        return self._made[key]

    def _make(self, item: CatalogItem, variant: int, stamped: bool) -> Path:
        if item.format_kind == FormatKind.VIDEO and variant != 1:
            raise ValueError("there is only one sample video")
        return make_sample_record(
            self.folder / f"{item.code}-{variant}{'' if stamped else '-unstamped'}",
            kind=item.format_kind,
            code=item.code,
            title=item.name_zh,
            subtitle=item.name_en,
            project_name=PROJECT_NAME,
            variant=variant,
            stamped=stamped,
            taken_at=datetime(2025, 6, 1, 9, 0) + timedelta(days=variant),
            # DA/T 50 asks for at least 3 megapixels: 2048×1536 is the smallest common size.
            photo_size=(2048, 1536),
        )


@pytest.fixture(scope="session")
def samples(tmp_path_factory) -> SampleFiles:
    return SampleFiles(tmp_path_factory.mktemp("samples"))


@pytest.fixture(autouse=True)
def no_drawing_previews(settings) -> None:
    """Flow tests do not wait for previews; tests of the previews turn them back on."""
    settings.ACCEPTANCE_DRAWING_PREVIEWS = False


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path) -> Path:
    """Stored materials and certificates go to the test's own folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def clock(time_machine):
    """The clock of the case, starting at ``START`` and ticking; ``clock.move_to`` travels."""
    # A UTC destination: a ZoneInfo one would also change the process's local time zone.
    time_machine.move_to(START.astimezone(UTC), tick=True)
    return time_machine


def make_user(username: str, group: str):
    user = get_user_model().objects.create_user(username=username, password="test-password")
    user.groups.add(Group.objects.get_or_create(name=group)[0])
    return user


@dataclass
class World:
    owner: object
    reviewer: object
    organisation: Organisation


@pytest.fixture
def world(clock) -> World:
    """Catalog seeded, process deployed, an owner (in its organisation) and a reviewer."""
    catalog_seed()
    call_command("deploy_processes", verbosity=0, stdout=io.StringIO())
    owner = make_user("owner_test", "owners")
    reviewer = make_user("reviewer_test", "reviewers")
    organisation = Organisation.objects.create(
        name="上海浦东测试建设发展有限公司", credit_code="91310115MA1K000001"
    )
    organisation.members.add(owner)
    return World(owner=owner, reviewer=reviewer, organisation=organisation)


@dataclass
class CaseFlow:
    """One acceptance case and the moves its owner and reviewer make."""

    case: Case
    owner: object
    reviewer: object
    samples: SampleFiles

    # -- what a user sees -------------------------------------------------------------------------

    def refresh(self) -> Case:
        self.case.refresh_from_db()
        return self.case

    @property
    def status(self) -> str:
        return self.refresh().status

    @property
    def instance(self) -> ProcessInstance:
        return case_instance(self.case)

    def task(self, name: str) -> HumanTask | None:
        return case_open_task(self.case, name)

    def open_tasks(self) -> list[str]:
        return sorted(
            HumanTask.objects.open()
            .filter(instance=self.instance)
            .values_list("task_name", flat=True)
        )

    def journal(self, kind: str | None = None) -> list[JournalEntry]:
        entries = JournalEntry.objects.filter(chain=self.case.reference).order_by("sequence")
        return list(entries.filter(kind=kind) if kind else entries)

    def journal_kinds(self) -> list[str]:
        return [entry.kind for entry in self.journal()]

    def certificates(self) -> list[tuple[str, str]]:
        """(kind, status) of the case's certificates, oldest first."""
        return [
            (certificate.kind, certificate.status)
            for certificate in self.case.certificates.order_by("issued_at", "pk")
        ]

    def certificate(self, kind: str, status: str = Certificate.Status.ISSUED) -> Certificate:
        return self.case.certificates.get(kind=kind, status=status)

    @property
    def commitment(self):
        return self.case.commitments.order_by("-pk").first()

    # -- the owner's uploads ----------------------------------------------------------------------

    @property
    def filing_node(self) -> Node:
        return self.case.project.nodes.order_by("position").last()

    def node_for(self, item: CatalogItem) -> Node:
        """The first node expecting ``item``; the last (completion) node for the rest."""
        nodes = self.case.project.nodes.order_by("position")
        return nodes.filter(expected_items=item).first() or self.filing_node

    def upload(
        self,
        code: str,
        *,
        variant: int = 1,
        stamped: bool = True,
        supersedes: Material | None = None,
        node: Node | None = None,
        user=None,
    ) -> Material:
        item = CatalogItem.objects.get(code=code)
        path = self.samples.path(item, variant, stamped=stamped)
        return self.upload_file(code, path, supersedes=supersedes, node=node, user=user)

    def upload_file(
        self,
        code: str,
        path: Path,
        *,
        supersedes: Material | None = None,
        node: Node | None = None,
        user=None,
    ) -> Material:
        """Upload the file at ``path`` as item ``code``, to the node expecting it."""
        item = CatalogItem.objects.get(code=code)
        with path.open("rb") as handle:
            return material_upload(
                case=self.case,
                user=user or self.owner,
                catalog_item=item,
                node=node or self.node_for(item),
                file=File(handle),
                name=path.name,
                supersedes=supersedes,
            )

    def upload_required(self, *, leave_out: Iterable[str] = (), unstamped: Iterable[str] = ()):
        leave_out, unstamped = set(leave_out), set(unstamped)
        for item in required_items():
            if item.code not in leave_out:
                self.upload(item.code, stamped=item.code not in unstamped)

    def current(self, code: str) -> Material:
        return self.case.materials.current().get(catalog_item__code=code)

    # -- working tasks ----------------------------------------------------------------------------

    def complete(self, name: str, user=None, **data) -> HumanTask:
        """Complete the open task ``name`` as ``user`` (the owner by default) with ``data``."""
        return case_task_complete(
            case=self.case, task_name=name, user=user or self.owner, data=data or None
        )

    def review(self, name: str, **data) -> HumanTask:
        return self.complete(name, self.reviewer, **data)

    def prefile(self) -> None:
        """Every node: the owner submits, the reviewer's guidance approves."""
        for _node in self.case.project.nodes.all():
            self.complete("node_submit")
            self.review("node_guidance", guidance="approve")

    def apply(self) -> None:
        self.complete("apply_acceptance")

    def approve_reviews(self) -> None:
        self.review("drawing_review", drawing_verdict="approve")
        self.review("media_review", media_verdict="approve")

    def reach_decision(self) -> None:
        """From pre-filing to the reviewer's open acceptance decision."""
        self.prefile()
        self.apply()
        self.approve_reviews()

    def decide(self, outcome: str, tolerated: Iterable[str] = (), comment: str = "") -> HumanTask:
        return decision_submit(
            case=self.case,
            user=self.reviewer,
            outcome=outcome,
            tolerated_codes=list(tolerated),
            comment=comment,
        )

    def accept_conditionally(self) -> None:
        """Decide conditionally on ``TOLERATED`` and sign the commitment."""
        self.decide("conditional", [TOLERATED], comment="主审要件齐全，同意容缺受理")
        self.complete("sign_commitment", confirm=True)

    def deliver(self, *, variant: int = 1, supersedes: Material | None = None) -> list[Material]:
        self.upload(TOLERATED, variant=variant, supersedes=supersedes)
        return commitment_deliver(case=self.case, user=self.owner)


@pytest.fixture
def open_case(world, samples) -> Callable[..., CaseFlow]:
    """Register a project with ``nodes`` construction nodes, open its case, upload its files.

    ``leave_out`` and ``unstamped`` name required items not uploaded, or uploaded as drawings
    without the as-built stamp. With ``upload=False`` nothing is uploaded.
    """

    def build(
        *,
        nodes: int = 1,
        leave_out: Iterable[str] = (),
        unstamped: Iterable[str] = (),
        upload: bool = True,
    ) -> CaseFlow:
        project = project_register(
            user=world.owner,
            owner=world.organisation,
            name=PROJECT_NAME,
            location="上海市浦东新区测试路 1 号",
            works_type="building",
            contractor="上海测试建工集团有限公司",
            supervisor="上海测试工程监理有限公司",
            designer="上海测试建筑设计研究院有限公司",
            planning_permit_no="建字第310115202600001号",
            construction_permit_no="310115202601010101",
            floor_area_m2=Decimal("12000.00"),
            structure_type="框架结构 frame",
            start_date=START.date() - timedelta(days=600),
            completion_date=START.date() - timedelta(days=30),
        )
        # The case takes its node list from the project at opening. One node: the last
        # (completion) one; more: the first ones and the last.
        kept = list(project.nodes.order_by("position"))
        kept = kept[-nodes:] if nodes == 1 else [*kept[: nodes - 1], kept[-1]]
        project.nodes.exclude(pk__in=[node.pk for node in kept]).delete()
        case = case_open(project=project, user=world.owner)
        flow = CaseFlow(case=case, owner=world.owner, reviewer=world.reviewer, samples=samples)
        if upload:
            flow.upload_required(leave_out=leave_out, unstamped=unstamped)
        return flow

    return build


@pytest.fixture
def flow(open_case) -> CaseFlow:
    """A one-node case with every required item uploaded, waiting for the owner's node_submit."""
    return open_case()


def statuses_as_journaled(flow: CaseFlow) -> dict[int, str]:
    """Each material's status at the journal's latest point, as an auditor's time travel sees it."""
    latest = case_as_of(chain_entries(flow.case.reference), flow.journal()[-1].sequence)
    return {material.id: material.status for material in latest.materials}


def statuses_stored(flow: CaseFlow) -> dict[int, str]:
    return dict(Material.objects.filter(case=flow.case).values_list("pk", "status"))


@pytest.fixture
def archived(flow) -> CaseFlow:
    """A case accepted in full: its archival package made, checked at archiving and transfer."""
    flow.reach_decision()
    flow.decide("accept")
    return flow

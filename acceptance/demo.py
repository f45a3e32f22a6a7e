"""The demo: one whole acceptance case, from registration to the upgraded certificate.

It drives the product the way its users would (owner uploads and submits, reviewer decides, the
system checks and issues), through the same services the web pages and the API call. In the
embedded default Celery runs eagerly; against a broker the demo waits for the worker's results.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files import File
from django.core.management import call_command
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from certificates.models import Certificate
from signing.validation import detached_signature_problem
from workflows.digests import LABELS, configured_algorithm
from workflows.journal import ChainVerdict, verify_chain
from workflows.models import HumanTask, JournalEntry
from workflows.replay import ReplayVerdict, replay_instance

from .archive.bundle import SIGNATURE_FILE
from .archive.package import archival_package_path
from .archive.verify import BundleVerdict, verify_bundle
from .exports.completeness import completeness_pdf
from .exports.volumes import volume_catalog_pdf, volume_catalog_xlsx
from .media.selectors import gallery_items
from .media.services import media_review, media_review_finish
from .models import Case, CatalogItem, Commitment, FormatKind, Material, Node, Organisation
from .samples import make_sample_record
from .selectors.cases import case_instance, case_open_task
from .selectors.catalog import case_catalog_item
from .selectors.commitments import commitment_statistics
from .selectors.completeness import completeness_report
from .selectors.volumes import case_volumes
from .services.cases import case_open, case_task_complete, decision_submit
from .services.catalog import catalog_seed
from .services.commitments import (
    commitment_deliver,
    commitment_document,
    commitment_sign,
    commitments_sweep,
)
from .services.materials import material_upload
from .services.projects import project_register

DEMO_PASSWORD = "demo-password"
ROLE_USERS = {
    "owner_demo": "owners",
    "reviewer_demo": "reviewers",
    "auditor_demo": "auditors",
    "supervisor_demo": "supervisors",
}
# Tolerated at acceptance, delivered under the commitment afterwards.
TOLERATED = ("C6-P3", "E3-2")
# A core item missing at application: the completeness check asks the owner to supplement.
SUPPLEMENT_MISSING = "E1-5"
# Held back at the first node so the reviewer's guidance asks for it.
HELD_BACK = "C6-P1"
PROJECT_NAME = "浦东新区示范中学新建工程"
# The project a person registers to walk a fresh case by hand with the demo's sample records.
HAND_WALK_PROJECT = f"{PROJECT_NAME}（试办）"
# The demo project's registration facts besides its name (tests reuse them).
DEMO_PROJECT_FACTS = {
    "location": "上海市浦东新区示范路 100 号",
    "works_type": "building",
    "contractor": "上海示范建工集团有限公司",
    "supervisor": "上海示范工程监理有限公司",
    "designer": "上海示范建筑设计研究院有限公司",
    "planning_permit_no": "建字第310115202500001号",
    "construction_permit_no": "310115202503010101",
    "floor_area_m2": Decimal("28650.00"),
    "structure_type": "框架结构 frame",
    "start_date": date(2025, 3, 1),
    "completion_date": date(2026, 10, 30),
}


@dataclass(frozen=True)
class DemoResult:
    case: Case
    certificates: list[Certificate]
    journal: ChainVerdict
    replay: ReplayVerdict
    # The archival information package, verified offline as an auditor would (verify_bundle).
    package: BundleVerdict
    # The second case: overdue, suspended, delivered late, reinstated and upgraded.
    late_case: Case | None = None
    # Cases left waiting at each human step: (step, username to sign in as, case).
    parked: tuple = ()


class Demo:
    def __init__(self, say: Callable[[str], None], workdir: Path, wait_seconds: float) -> None:
        self.say = say
        self.workdir = workdir
        self.wait_seconds = wait_seconds
        self.step = 0

    def announce(self, zh: str, en: str) -> None:
        self.step += 1
        self.say(f"[{self.step:02d}] {zh} — {en}")

    # -- setup ------------------------------------------------------------------------------------

    def prepare(self) -> None:
        call_command("migrate", verbosity=0)
        call_command("deploy_processes", verbosity=0, stdout=_Discard())
        call_command("create_dev_signing_ca")  # NOT FOR PRODUCTION: the embedded default's key
        created = catalog_seed()
        self.announce(
            f"数据库就绪，流程已部署，归档范围 {CatalogItem.objects.count()} 项（新增 {created}）",
            "database migrated, process deployed, filing catalog seeded",
        )
        self.users = {}
        for username, group_name in ROLE_USERS.items():
            user, created = get_user_model().objects.get_or_create(username=username)
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save()
            user.groups.add(Group.objects.get_or_create(name=group_name)[0])
            self.users[group_name] = user
        self.owner, self.reviewer = self.users["owners"], self.users["reviewers"]
        self.announce(
            "用户：" + "、".join(ROLE_USERS) + f"（密码 {DEMO_PASSWORD}）",
            "one user per role created",
        )

    # -- helpers ----------------------------------------------------------------------------------

    def wait_for(self, case: Case, task_name: str) -> HumanTask:
        deadline = time.monotonic() + self.wait_seconds
        while True:
            task = case_open_task(case, task_name)
            if task is not None:
                return task
            instance = case_instance(case)
            if instance.status == instance.Status.INCIDENT:
                incident = instance.incidents.filter(resolved_at__isnull=True).first()
                raise RuntimeError(f"process incident at {incident.task_name}: {incident.message}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"task {task_name} did not appear within {self.wait_seconds}s")
            time.sleep(0.2)

    def complete(self, case: Case, task_name: str, user, data: dict | None = None) -> None:
        self.wait_for(case, task_name)
        case_task_complete(case=case, task_name=task_name, user=user, data=data)

    def sample_file(
        self,
        item: CatalogItem,
        index: int,
        *,
        stamped: bool = True,
        project_name=PROJECT_NAME,
        base: Path | None = None,
    ) -> Path:
        """A sample record of ``item`` at ``base`` (without suffix; in the work folder if None)."""
        if base is None:
            folder = self.workdir / hashlib.sha256(project_name.encode()).hexdigest()[:8]
            folder.mkdir(exist_ok=True)
            base = folder / f"{item.code}-{index}{'' if stamped else '-unstamped'}"
        return make_sample_record(
            base,
            kind=item.format_kind,
            code=item.code,
            title=item.name_zh,
            subtitle=item.name_en,
            project_name=project_name,
            variant=index,
            stamped=stamped,
            stamp_date=f"{timezone.localdate():%Y-%m-%d}",
            taken_at=datetime(2025, 3, 1, 9, 0) + timedelta(days=30 * index),
        )

    def upload(self, case: Case, node: Node, item: CatalogItem, index: int = 1, **kwargs):
        path = self.sample_file(
            item, index, stamped=kwargs.pop("stamped", True), project_name=case.project.name
        )
        with path.open("rb") as handle:
            return material_upload(
                case=case,
                user=self.owner,
                catalog_item=item,
                node=node,
                file=File(handle),
                name=path.name,
                title=f"{case.project.name}{item.name_zh}",
                document_number=f"{item.code}-{index:02d}",
                **kwargs,
            )

    # -- the story --------------------------------------------------------------------------------

    def register(self) -> Case:
        owner_org, _ = Organisation.objects.get_or_create(
            name="上海浦东示范建设发展有限公司", defaults={"credit_code": "91310115MA1K000000"}
        )
        owner_org.members.add(self.owner)
        self.owner_org = owner_org
        project = project_register(
            user=self.owner, owner=owner_org, name=PROJECT_NAME, **DEMO_PROJECT_FACTS
        )
        self.announce(
            f"建设单位登记项目 {project.reference}，{project.nodes.count()} 个施工节点",
            "the owner registers the project with its construction nodes",
        )
        case = case_open(project=project, user=self.owner)
        self.announce(f"发起验收申请 {case.reference}，BPMN 流程已启动", "the owner opens the case")
        return case

    def prefile(self, case: Case) -> None:
        for node in case.project.nodes.order_by("position"):
            items = [i for i in node.expected_items.all() if i.code not in TOLERATED]
            first_round = [i for i in items if i.code != HELD_BACK]
            for item in first_round:
                count = 3 if item.format_kind == FormatKind.PHOTO else 1
                for index in range(1, count + 1):
                    stamped = not (item.code == "D-1" and index == 1)
                    self.upload(case, node, item, index, stamped=stamped)
            self.complete(case, "node_submit", self.owner)
            if len(first_round) < len(items):
                self.complete(
                    case,
                    "node_guidance",
                    self.reviewer,
                    {
                        "guidance": "more",
                        "requested_items": [HELD_BACK],
                        "guidance_comment": f"请补充 {HELD_BACK} 桩基检测报告",
                    },
                )
                self.announce(
                    f"节点「{node.name_zh}」：审核员要求补充 {HELD_BACK}",
                    f"node {node.code}: the reviewer asks for {HELD_BACK}",
                )
                self.upload(case, node, case_catalog_item(case, HELD_BACK))
                self.complete(case, "node_submit", self.owner)
            self.complete(case, "node_guidance", self.reviewer, {"guidance": "approve"})
            self.announce(
                f"节点「{node.name_zh}」预立卷 {node.materials.count()} 份材料，审核员指导通过",
                f"node {node.code} pre-filed and approved",
            )

    def export(self, case: Case) -> list[Path]:
        """Write the completeness report and the volume catalogs, then read them back."""
        folder = Path(settings.MEDIA_ROOT) / "exports" / case.reference
        folder.mkdir(parents=True, exist_ok=True)
        report = completeness_report(case)
        volumes = case_volumes(case)
        files = {
            "completeness.pdf": completeness_pdf(report),
            "completeness.json": json.dumps(
                report.as_report_dict(), ensure_ascii=False, indent=2
            ).encode(),
            "volume-catalog.pdf": volume_catalog_pdf(case, volumes),
            "volume-catalog.xlsx": volume_catalog_xlsx(case, volumes),
        }
        for name, content in files.items():
            (folder / name).write_bytes(content)
        # Read back what was written, as a user's viewer would.
        catalog_pages = len(PdfReader(folder / "volume-catalog.pdf").pages)
        report_pages = len(PdfReader(folder / "completeness.pdf").pages)
        book = load_workbook(folder / "volume-catalog.xlsx", read_only=True)
        sheets, listed = len(book.sheetnames), book["案卷目录"].max_row - 2
        book.close()
        read_back = json.loads((folder / "completeness.json").read_text(encoding="utf-8"))
        if (
            listed != len(volumes)
            or sheets != len(volumes) + 1
            or read_back["case"] != case.reference
        ):
            raise RuntimeError("the volume catalog or the completeness report did not read back")
        self.announce(
            f"预立卷 {len(volumes)} 卷 {sum(v.page_count for v in volumes)} 页；归档范围核对："
            f"已交 {len(report.present)}，缺失可容缺 {list(report.missing_tolerable)}，"
            f"缺失不可容缺 {list(report.missing_blocking)}，一次性告知 {len(report.notice)} 项",
            "volumes arranged; completeness checked",
        )
        self.say(
            f"     卷内目录 volume catalog: {folder / 'volume-catalog.pdf'} ({catalog_pages} 页), "
            f"{folder / 'volume-catalog.xlsx'} ({sheets} 张表)"
        )
        self.say(
            f"     归档范围核对报告 completeness: {folder / 'completeness.pdf'} ({report_pages} 页), "
            f"{folder / 'completeness.json'}"
        )
        return [folder / name for name in files]

    def review(self, case: Case) -> None:
        self.complete(case, "apply_acceptance", self.owner)
        self.announce(
            "建设单位申请竣工档案验收，系统完成归档范围核对", "applied; completeness checked"
        )
        drawing_task = self.wait_for(case, "drawing_review")
        failed = drawing_task.context["drawing_check"]["failed"]
        self.announce(
            f"竣工图自动审查：{drawing_task.context['drawing_check']['checked']} 张，未通过 {failed}",
            "drawing checks ran; the unstamped sheet failed",
        )
        self.complete(
            case,
            "drawing_review",
            self.reviewer,
            {"drawing_verdict": "return", "drawing_comment": "D-1 缺竣工图章，请加盖后重新提交"},
        )
        unstamped = case.materials.current().get(original_name=failed[0])
        self.upload(
            case, unstamped.node, unstamped.catalog_item, 9, supersedes=unstamped, stamped=True
        )
        self.complete(case, "drawing_resubmit", self.owner)
        self.announce(
            "审核员退回缺章图纸，建设单位上传新版本（旧版本保留）",
            "the reviewer returned the sheet; the owner uploaded a new version",
        )
        rechecked = self.wait_for(case, "drawing_review").context["drawing_check"]
        self.complete(case, "drawing_review", self.reviewer, {"drawing_verdict": "approve"})
        self.announce(f"竣工图复审通过（未通过 {rechecked['failed']}）", "drawings approved")
        media = self.wait_for(case, "media_review").context["media_check"]
        # As in the gallery: every photo and recording approved, then the review finished.
        items = [item.material.pk for item in gallery_items(case)]
        media_review(case=case, user=self.reviewer, materials=items, verdict="approve")
        media_review_finish(case=case, user=self.reviewer)
        self.announce(
            f"声像档案 {media['checked']} 件检测，在审核画廊逐项审核通过"
            f"（/cases/{case.reference}/media/）",
            "AV records checked and approved item by item in the review gallery",
        )

    def accept_conditionally(self, case: Case) -> dict:
        """The reviewer accepts on the tolerated items; returns the completeness shown."""
        completeness = self.wait_for(case, "acceptance_decision").context["completeness"]
        decision_submit(
            case=case,
            user=self.reviewer,
            outcome="conditional",
            tolerated_codes=list(TOLERATED),
            comment="主审要件齐全，同意容缺受理",
        )
        return completeness

    def decide(self, case: Case) -> None:
        completeness = self.accept_conditionally(case)
        self.announce(
            f"审核员作出容缺受理决定，容缺 {completeness['missing_tolerable']}",
            "the reviewer accepts conditionally",
        )
        self.complete(case, "sign_commitment", self.owner, {"confirm": True})
        commitment = case.commitments.get()
        self.announce(
            f"建设单位签署限时承诺书，期限至 {timezone.localtime(commitment.deadline):%Y-%m-%d}",
            "the owner signs the commitment",
        )
        conditional = self.wait_certificate(case, Certificate.Kind.CONDITIONAL)
        self.announce(
            f"系统签发容缺受理意见书 {conditional.number}：{conditional.pdf.path}",
            "the conditional certificate is issued",
        )

    def switch_digests(self, switch: Callable[[], str]) -> None:
        before = LABELS[configured_algorithm()]
        after = LABELS[switch()]
        self.announce(
            f"本馆摘要算法由 {before} 切换为 {after}（WORKFLOWS_DIGEST_ALGORITHM）：此后写入的日志链、"
            f"文件摘要与归档清单用 {after}，此前的记录仍按各自标明的 {before} 校验",
            f"the archive switches its digests from {before} to {after}; records made before "
            "keep verifying under the algorithm they name",
        )

    def fulfil(self, case: Case) -> None:
        nodes = {node.code: node for node in case.project.nodes.all()}
        for code in TOLERATED:
            item = case_catalog_item(case, code)
            node = next((n for n in nodes.values() if item in n.expected_items.all()), None)
            self.upload(case, node, item, 1)
        commitment_deliver(case=case, user=self.owner)
        self.announce("建设单位补交容缺材料", "the owner delivers the tolerated items")
        self.complete(case, "check_delivery", self.reviewer, {"delivery_verdict": "approve"})
        full = self.wait_certificate(case, Certificate.Kind.FULL)
        commitment = case.commitments.get()
        self.announce(
            f"承诺{commitment.get_status_display()}，换发正式验收意见书 {full.number}：{full.pdf.path}",
            "commitment fulfilled; the full certificate supersedes the conditional one",
        )

    # -- the second case: a commitment kept late --------------------------------------------------

    def late_case(self) -> Case:
        """A second case accepted conditionally whose deadline passes before the delivery.

        The deadline is reached the honest way: the commitment sweep is run with the time just
        after the deadline (``commitments_sweep(now=..., cases=[case])``), as beat would run it
        then, over this case alone.
        """
        project = project_register(
            user=self.owner,
            owner=self.owner_org,
            name=f"{PROJECT_NAME}（二期）",
            **DEMO_PROJECT_FACTS,
        )
        case = case_open(project=project, user=self.owner)
        for node in case.project.nodes.order_by("position"):
            for item in node.expected_items.exclude(code__in=TOLERATED):
                count = 3 if item.format_kind == FormatKind.PHOTO else 1
                for index in range(1, count + 1):
                    self.upload(case, node, item, index)
            self.complete(case, "node_submit", self.owner)
            self.complete(case, "node_guidance", self.reviewer, {"guidance": "approve"})
        self.complete(case, "apply_acceptance", self.owner)
        self.complete(case, "drawing_review", self.reviewer, {"drawing_verdict": "approve"})
        self.complete(case, "media_review", self.reviewer, {"media_verdict": "approve"})
        self.accept_conditionally(case)
        self.wait_for(case, "sign_commitment")
        commitment = case.commitments.get()
        shown, _deadline = commitment_document(commitment, self.owner, timezone.now())
        commitment = commitment_sign(
            commitment=commitment,
            user=self.owner,
            viewed_sha256=hashlib.sha256(shown).hexdigest(),
        )
        conditional = self.wait_certificate(case, Certificate.Kind.CONDITIONAL)
        self.announce(
            f"第二个案件 {case.reference} 容缺受理，承诺书 SHA-256 {commitment.document_sha256[:16]}…"
            f" 已签署，期限至 {timezone.localtime(commitment.deadline):%Y-%m-%d}，"
            f"签发容缺受理意见书 {conditional.number}",
            "a second case is accepted conditionally; its owner signs the commitment PDF",
        )
        # Only this case's commitments: the demo may share a database with real cases.
        swept = commitments_sweep(now=commitment.deadline + timedelta(minutes=1), cases=[case])
        commitment.refresh_from_db()
        conditional.refresh_from_db()
        self.announce(
            f"期限届满后的巡检：{swept.overdue} 份承诺逾期；承诺{commitment.get_status_display()}，"
            f"意见书 {conditional.number} {conditional.get_status_display()}，"
            f"已通知建设单位与督办人员 {case.notifications.count()} 条",
            "the sweep after the deadline: overdue, certificate suspended, owner and supervisor "
            "notified",
        )
        for item in (case_catalog_item(case, code) for code in TOLERATED):
            node = case.project.nodes.filter(expected_items=item).first()
            self.upload(case, node or case.project.nodes.last(), item, 1)
        commitment_deliver(case=case, user=self.owner)
        self.complete(case, "check_delivery", self.reviewer, {"delivery_verdict": "approve"})
        full = self.wait_certificate(case, Certificate.Kind.FULL)
        commitment.refresh_from_db()
        conditional.refresh_from_db()
        reinstated = JournalEntry.objects.filter(
            chain=case.reference, kind="certificate.reinstated"
        ).exists()
        self.announce(
            f"逾期补交并核验合格：承诺{commitment.get_status_display()}，"
            f"意见书{'已恢复效力并' if reinstated else ''}由正式意见书 {full.number} 换发"
            f"（原证 {conditional.get_status_display()}）",
            "delivered late and accepted: the certificate is reinstated and upgraded",
        )
        return case

    # -- cases left waiting, for people to try each step by hand ---------------------------------

    def new_case(self, title: str) -> Case:
        project = project_register(
            user=self.owner,
            owner=self.owner_org,
            name=f"{PROJECT_NAME}（{title}）",
            **DEMO_PROJECT_FACTS,
        )
        return case_open(project=project, user=self.owner)

    def file_nodes(self, case: Case, *, leave_out=(), unstamped=()) -> None:
        """Every node's records (one file an item) submitted and approved, ``leave_out`` kept
        back and ``unstamped`` drawings without their as-built stamp."""
        for node in case.project.nodes.order_by("position"):
            for item in node.expected_items.exclude(code__in=leave_out):
                self.upload(case, node, item, 1, stamped=item.code not in unstamped)
            self.complete(case, "node_submit", self.owner)
            self.complete(case, "node_guidance", self.reviewer, {"guidance": "approve"})

    def reach_decision(self, case: Case) -> None:
        self.file_nodes(case, leave_out=TOLERATED)
        self.complete(case, "apply_acceptance", self.owner)
        self.complete(case, "drawing_review", self.reviewer, {"drawing_verdict": "approve"})
        self.complete(case, "media_review", self.reviewer, {"media_verdict": "approve"})
        self.wait_for(case, "acceptance_decision")

    def parked(self) -> list[tuple[str, str, Case]]:
        """Cases left waiting at each human step: (step, who signs in, case)."""
        owner, reviewer = self.owner.get_username(), self.reviewer.get_username()
        parked = []

        guidance = self.new_case("节点指导待办")
        first = guidance.project.nodes.order_by("position").first()
        for item in first.expected_items.all():
            self.upload(guidance, first, item, 1)
        self.complete(guidance, "node_submit", self.owner)
        self.wait_for(guidance, "node_guidance")
        parked.append(("节点指导 node guidance", reviewer, guidance))

        reviews = self.new_case("审图与声像审核待办")
        self.file_nodes(reviews, unstamped=("D-1",))
        self.complete(reviews, "apply_acceptance", self.owner)
        self.wait_for(reviews, "drawing_review")
        self.wait_for(reviews, "media_review")
        parked.append(("数字化审图（含缺章图纸）drawing review, with findings", reviewer, reviews))
        parked.append(("声像档案审核 AV review", reviewer, reviews))

        deciding = self.new_case("验收决定待办")
        self.reach_decision(deciding)
        parked.append(
            (
                f"验收决定（缺可容缺条目 {'、'.join(TOLERATED)}）acceptance decision",
                reviewer,
                deciding,
            )
        )

        signing = self.new_case("承诺书待签署")
        self.reach_decision(signing)
        decision_submit(
            case=signing,
            user=self.reviewer,
            outcome="conditional",
            tolerated_codes=list(TOLERATED),
            comment="主审要件齐全，同意容缺受理",
        )
        self.wait_for(signing, "sign_commitment")
        parked.append(("签署限时承诺书 commitment signing", owner, signing))

        supplement = self.new_case("补正待办")
        self.file_nodes(supplement, leave_out=(*TOLERATED, SUPPLEMENT_MISSING))
        self.complete(supplement, "apply_acceptance", self.owner)
        self.wait_for(supplement, "supplement")
        parked.append((f"补正材料（缺 {SUPPLEMENT_MISSING}）supplement request", owner, supplement))

        self.say(f"     待办案件 cases waiting for you (password {DEMO_PASSWORD}):")
        for step, username, case in parked:
            self.say(
                f"     - {step}: 以 {username} 登录 sign in as {username} → /cases/{case.reference}/"
            )
        return parked

    def hand_walk_records(self, project) -> Path:
        """The owner's records for walking a fresh case by hand, written where they stay.

        One folder a construction node of ``project``, each file named by its catalog code and
        name as the bulk intake page (批量上传) matches them; the tolerated items are left out so
        the case ends in a conditional acceptance, as the demo's does.
        """
        root = Path(settings.MEDIA_ROOT) / "demo-records"
        shutil.rmtree(root, ignore_errors=True)
        for node in project.nodes.order_by("position"):
            folder = root / f"{node.position:02d} {node.name_zh}"
            folder.mkdir(parents=True)
            for item in node.expected_items.exclude(code__in=TOLERATED):
                self.sample_file(
                    item,
                    1,
                    project_name=HAND_WALK_PROJECT,
                    base=folder / f"{item.code} {item.name_zh}",
                )
        self.say(
            f"     自行试办 walk a case by hand: 以 owner_demo 登记项目“{HAND_WALK_PROJECT}”，"
            f"在各施工节点的“批量上传”中选择 {root} 下对应的文件夹"
            f" (register {HAND_WALK_PROJECT!r}, then bulk-upload each node's folder)"
        )
        return root

    def statistics(self) -> None:
        today = timezone.localdate()
        stats = commitment_statistics(start=date(today.year, 1, 1), end=today)
        rate = f"{stats.fulfilment_rate:.0%}" if stats.fulfilment_rate is not None else "—"
        self.announce(
            f"容缺受理统计（{today.year} 年）：验收通过 {stats.accepted}，限时承诺 "
            f"{stats.under_commitment}，按期履约 {stats.fulfilled_on_time}，逾期履约 "
            f"{stats.fulfilled_late}，履约率 {rate}",
            f"statistics: {stats.accepted} accepted / {stats.under_commitment} under commitment / "
            f"{stats.fulfilled} fulfilled, {rate} (page: /statistics/commitments/)",
        )

    def wait_certificate(self, case: Case, kind: str) -> Certificate:
        deadline = time.monotonic() + self.wait_seconds
        while (certificate := case.certificates.filter(kind=kind).first()) is None:
            if time.monotonic() > deadline:
                raise TimeoutError(f"no {kind} certificate within {self.wait_seconds}s")
            time.sleep(0.2)
        return certificate

    def finish(self, case: Case) -> DemoResult:
        deadline = time.monotonic() + self.wait_seconds
        instance = case_instance(case)
        while instance.status != instance.Status.COMPLETED and time.monotonic() < deadline:
            time.sleep(0.2)
            instance.refresh_from_db()
        case.refresh_from_db()
        verdict = verify_chain(case.reference)
        self.announce(
            f"流程{instance.get_status_display()}，案件状态：{case.get_status_display()}；"
            f"材料 {case.materials.count()} 个版本（{case.materials.filter(status=Material.Status.SUPERSEDED).count()} 个被替代）",
            "process completed and case archived",
        )
        self.announce(f"日志校验：{verdict.describe()}", "journal verified")
        replay = replay_instance(instance)
        self.announce(f"流程回放：{replay.describe()}", "the process replayed from its journal")
        path, package = self.archival_package(case, deadline)
        self.announce(
            f"归档信息包 {path} 离线校验"
            + ("通过" if package.ok else f"未通过：\n{package.describe()}"),
            "the archival package verified offline (manage.py verify_bundle)",
        )
        certificates = list(case.certificates.order_by("issued_at"))
        for certificate in certificates:
            self.say(
                f"     证书 {certificate.number} [{certificate.get_kind_display()} / "
                f"{certificate.get_status_display()}] {certificate.pdf.path}"
            )
        return DemoResult(case, certificates, verdict, replay, package)

    def archival_package(self, case: Case, deadline: float) -> tuple[Path, BundleVerdict]:
        """The package the archive step writes (by a worker when distributed), once signed."""
        path = archival_package_path(case)
        while True:
            signed = (path / SIGNATURE_FILE).is_file()
            package = (
                verify_bundle(path, check_signature=detached_signature_problem)
                if signed
                else BundleVerdict()
            )
            if package.ok or time.monotonic() > deadline:
                return path, package
            time.sleep(0.2)


@contextmanager
def digests_switch(algorithm: str) -> Iterator[Callable[[], str]]:
    """A switch that, once called, makes every digest written from then on ``algorithm``'s.

    It does what an archive adopting SM3 does: set ``WORKFLOWS_DIGEST_ALGORITHM`` and restart
    its processes (the setting is read at each use, ``workflows.digests.configured_algorithm``).
    Against a broker the workers keep their own environment's setting until they are restarted
    with it. The setting is restored on leaving, for a demo run inside a longer process (tests).
    """
    previous = settings.WORKFLOWS_DIGEST_ALGORITHM

    def switch() -> str:
        settings.WORKFLOWS_DIGEST_ALGORITHM = algorithm
        return configured_algorithm()

    try:
        yield switch
    finally:
        settings.WORKFLOWS_DIGEST_ALGORITHM = previous


class _Discard:
    def write(self, *_args) -> None:
        pass

    def flush(self) -> None:
        pass


def run_demo(
    say: Callable[[str], None] = print,
    wait_seconds: float = 120,
    switch_digests: Callable[[], str] | None = None,
) -> DemoResult:
    """Run the whole demo case and return it with its certificates and journal verdict.

    ``switch_digests`` (``digests_switch``) is called once the first case is accepted, as an
    archive adopts SM3 while cases are under way: their chains, files and packages hold digests of
    both algorithms from then on.
    """
    with tempfile.TemporaryDirectory(prefix="acceptance-demo-") as tmp:
        demo = Demo(say, Path(tmp), wait_seconds)
        demo.prepare()
        case = demo.register()
        demo.prefile(case)
        demo.export(case)
        demo.review(case)
        demo.decide(case)
        if switch_digests is not None:
            demo.switch_digests(switch_digests)
        demo.fulfil(case)
        result = demo.finish(case)
        late = demo.late_case()
        demo.statistics()
        parked = demo.parked()
        demo.hand_walk_records(case.project)
    if not result.journal.intact or case_instance(result.case).status != "completed":
        raise RuntimeError("the demo case did not complete with an intact journal")
    if not result.replay.verified:
        raise RuntimeError(f"the demo case's replay failed: {result.replay.describe()}")
    if not result.package.ok:
        raise RuntimeError(
            f"the demo case's archival package failed verification: {result.package.describe()}"
        )
    if Commitment.objects.filter(case=result.case).open().exists():
        raise RuntimeError("the demo case still has an open commitment")
    if late.commitments.get().status != Commitment.Status.FULFILLED_LATE:
        raise RuntimeError("the second demo case's commitment was not fulfilled late")
    if not verify_chain(late.reference).intact:
        raise RuntimeError("the second demo case's journal is not intact")
    return replace(result, late_case=late, parked=tuple(parked))

"""A world for the fault tests: one case whose drawings are each checked by a job of its own,
and the tally of those jobs after a fault (lost, duplicated, stuck, recovery time)."""

from __future__ import annotations

import errno
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.management import call_command

from acceptance.drawings.preview import read_manifest
from acceptance.models import Case, CatalogItem, Material, Organisation
from acceptance.selectors.drawings import drawing_preview_dir
from acceptance.services.cases import case_open
from acceptance.services.catalog import catalog_seed
from acceptance.services.materials import material_upload
from acceptance.services.projects import project_register
from workflows.engine import instance_start
from workflows.journal import verify_chain
from workflows.models import Incident, JournalEntry, OutboxJob, ProcessInstance, ServiceJob
from workflows.replay import replay_instance

HERE = Path(__file__).resolve().parent
DXF = HERE.parents[2] / "shared" / "fixtures" / "dxf"
PROCESS = "drawing_check_each"


def drawing_copies(source: str, count: int) -> list[bytes]:
    """``count`` distinct files of one drawing (a leading DXF comment tells them apart)."""
    drawing = (DXF / source).read_bytes()
    return [f"999\ncopy {n}\n".encode() + drawing for n in range(count)]


def fill(disk: Path) -> Path:
    """Fill ``disk`` to the last byte with one file, which is returned (delete it to free)."""
    filler = disk / "filler"
    with filler.open("wb") as out:
        try:
            while True:
                out.write(b"\0" * 65536)
                out.flush()
        except OSError as exc:
            if exc.errno != errno.ENOSPC:
                raise
    return filler


def fault_case(tag: str, drawings: list[bytes]) -> tuple[Case, list[Material]]:
    """A case of its own (owner, project) with ``drawings`` uploaded, none checked yet."""
    call_command("deploy_processes", verbosity=0)
    call_command("deploy_processes", str(HERE / "bpmn"), verbosity=0)
    catalog_seed()
    owner = get_user_model().objects.create_user(f"fault_owner_{tag}")
    owner.groups.add(Group.objects.get_or_create(name="owners")[0])
    organisation = Organisation.objects.create(name=f"故障测试建设单位 {tag}")
    organisation.members.add(owner)
    project = project_register(
        user=owner, owner=organisation, name=f"故障测试工程 {tag}", location="上海",
        works_type="building",
    )  # fmt: skip
    case = case_open(project=project, user=owner)
    item = CatalogItem.objects.get(code="D-1")
    materials = [
        material_upload(
            case=case,
            user=owner,
            catalog_item=item,
            file=ContentFile(content, name=f"{tag}-{n}.dxf"),
            name=f"{tag}-{n}.dxf",
        )
        for n, content in enumerate(drawings)
    ]
    return case, materials


def checks_start(case: Case, materials: list[Material]) -> list[ProcessInstance]:
    """One instance, so one service job, per drawing."""
    return [
        instance_start(
            process_id=PROCESS,
            business_object=case,
            business_key=f"{case.reference}-check-{material.pk}",
            data={"drawing_id": material.pk},
        )
        for material in materials
    ]


def check_instances(case: Case) -> list[ProcessInstance]:
    return list(
        ProcessInstance.objects.filter(
            business_key__startswith=f"{case.reference}-check-", definition__process_id=PROCESS
        ).order_by("pk")
    )


def wait_until_settled(
    case: Case, *, timeout: float, sweep: Callable[[], object] | None = None, every: float = 1.0
) -> float:
    """Seconds until every check instance is completed (or has an incident) and every outbox row
    is finished; ``sweep`` runs every ``every`` seconds meanwhile, as beat would."""
    started = time.monotonic()
    next_sweep = started
    while time.monotonic() - started < timeout:
        instances = check_instances(case)
        settled = all(
            i.status in (ProcessInstance.Status.COMPLETED, ProcessInstance.Status.INCIDENT)
            for i in instances
        )
        if settled and not OutboxJob.objects.filter(status=OutboxJob.Status.PENDING).exists():
            break
        if sweep is not None and time.monotonic() >= next_sweep:
            sweep()
            next_sweep = time.monotonic() + every
        time.sleep(0.25)
    return time.monotonic() - started


@dataclass
class Tally:
    """What a fault did to the jobs of one case."""

    jobs: int  # service jobs of the check instances
    rows: int  # outbox rows of every kind (checks, intake checks, previews)
    lost: int  # a service job that never succeeded, or an outbox row not done
    duplicated: int  # a result or a check journaled more than once
    stuck: int  # an instance not completed
    incidents: int
    retaken: int  # outbox rows a second worker (or a second try) took
    seconds: float

    def line(self, fault: str) -> str:
        return (
            f"[fault] {fault}: {self.jobs} service jobs ({self.rows} jobs in all), lost {self.lost}, duplicated {self.duplicated}, "
            f"stuck {self.stuck}, incidents {self.incidents}, taken again {self.retaken}, "
            f"recovered in {self.seconds:.1f} s"
        )


def tally(case: Case, materials: list[Material], seconds: float) -> Tally:
    instances = check_instances(case)
    jobs = ServiceJob.objects.filter(instance__in=instances)
    rows = OutboxJob.objects.all()
    results = [
        JournalEntry.objects.filter(chain=i.business_key, kind="service.completed").count()
        for i in instances
    ]
    checks = [
        JournalEntry.objects.filter(
            chain=case.reference, kind="material.checked", payload__material=m.pk
        ).count()
        for m in materials
    ]
    return Tally(
        jobs=jobs.count(),
        rows=rows.count(),
        lost=jobs.exclude(status=ServiceJob.Status.SUCCEEDED).count()
        + rows.exclude(status=OutboxJob.Status.DONE).count(),
        duplicated=sum(n - 1 for n in results + checks if n > 1),
        stuck=sum(i.status != ProcessInstance.Status.COMPLETED for i in instances),
        incidents=Incident.objects.filter(instance__in=instances).count(),
        retaken=rows.filter(tries__gt=1).count(),
        seconds=seconds,
    )


def assert_every_job_done_once(case: Case, materials: list[Material], result: Tally) -> None:
    """Every job done exactly once, no case stuck, every journal verified and replayed."""
    assert (result.lost, result.duplicated, result.stuck, result.incidents) == (0, 0, 0, 0), result
    assert result.jobs == len(materials)
    instances = check_instances(case)
    for instance in instances:
        assert verify_chain(instance.business_key).intact
        verdict = replay_instance(instance)
        assert verdict.verified, verdict.describe()
    assert verify_chain(case.reference).intact
    for material in Material.objects.filter(pk__in=[m.pk for m in materials]):
        assert material.status in (Material.Status.CHECKED, Material.Status.CHECK_FAILED)
        previews = read_manifest(drawing_preview_dir(material))
        assert previews, f"no previews for {material.original_name}"

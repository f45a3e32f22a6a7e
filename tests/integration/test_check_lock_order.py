"""The intake job and the process's node check meet on the same files without a deadlock.

The job checks a file as soon as it is stored; the process checks the node's files when the owner
submits it. On PostgreSQL both lock material rows and the case's journal head; taken in one
order (``services.materials.materials_lock``) the two wait for each other instead of deadlocking,
and the file is checked once, by whichever came first.
"""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import connection, transaction

from acceptance.handlers import node_check
from acceptance.models import CatalogItem, Material, Organisation
from acceptance.samples import make_pdf_document
from acceptance.selectors.cases import case_instance
from acceptance.services import materials as material_services
from acceptance.services.cases import case_open
from acceptance.services.catalog import catalog_seed
from acceptance.services.intake import material_intake_check
from acceptance.services.materials import material_upload
from acceptance.services.projects import project_register
from workflows.jobs import outbox
from workflows.models import JournalEntry, OutboxJob
from workflows.services import ServiceCall

pytestmark = pytest.mark.django_db(transaction=True)

# Long enough that, in the old order, the process reaches the journal while the job holds its
# row; in the one order the process locks every row before journaling, so it waits for the job's
# row without the journal and this wait simply runs out.
JOB_WAITS_FOR_PROCESS_SECONDS = 3


def _case_with_two_received_files(tmp_path, settings, monkeypatch):
    """Two files stored and not yet checked: their intake jobs written but held back.

    The suite's live worker (started by an earlier test) would otherwise take those jobs and
    check the files itself, a third party the interleaving below does not expect; the test
    plays the second file's intake job itself.
    """
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("deploy_processes", verbosity=0)
    catalog_seed()
    owner = get_user_model().objects.create_user("lock_order_owner")
    organisation = Organisation.objects.create(name="锁顺序测试建设单位")
    organisation.members.add(owner)
    project = project_register(
        user=owner,
        owner=organisation,
        name="锁顺序测试工程",
        location="上海",
        works_type="building",
    )
    case = case_open(project=project, user=owner)
    node = project.nodes.order_by("position").first()
    stored, held = [], []
    monkeypatch.setattr(outbox, "job_send", lambda job_id, *args, **options: held.append(job_id))
    for number, name in enumerate(("survey-1.pdf", "survey-2.pdf"), start=1):
        path = make_pdf_document(tmp_path / name, title=f"测量报告 {number}", lines=["复测成果"])
        stored.append(
            material_upload(
                case=case,
                user=owner,
                catalog_item=CatalogItem.objects.get(code="C5-4", version=case.catalog_version),
                node=node,
                file=ContentFile(path.read_bytes(), name=name),
                name=name,
            )
        )
    monkeypatch.undo()
    return case, node, sorted(stored, key=lambda material: material.pk), held


def _held_jobs_done(held: list[int]) -> None:
    """The held intake jobs were played by the test: nothing is left for the worker."""
    OutboxJob.objects.filter(pk__in=held).update(status=OutboxJob.Status.DONE)


def test_the_intake_job_and_the_node_check_interleaved_neither_deadlocks_nor_checks_twice(
    real_stack, tmp_path, settings, monkeypatch
):
    case, node, (first, second), held = _case_with_two_received_files(
        tmp_path, settings, monkeypatch
    )
    job_holds_its_row, process_holds_the_journal = threading.Event(), threading.Event()
    checked, errors, results = Counter(), {}, {}
    real_journal_append, real_check_file = (
        material_services.journal_append,
        material_services.check_file,
    )

    def journal_append(**entry):
        if threading.current_thread().name == "intake job":
            # The job has saved its material row and is about to journal it.
            job_holds_its_row.set()
            process_holds_the_journal.wait(timeout=JOB_WAITS_FOR_PROCESS_SECONDS)
            return real_journal_append(**entry)
        written = real_journal_append(**entry)
        process_holds_the_journal.set()
        return written

    def check_file(path, **options):
        checked[options["name"]] += 1
        return real_check_file(path, **options)

    monkeypatch.setattr(material_services, "journal_append", journal_append)
    monkeypatch.setattr(material_services, "check_file", check_file)

    def intake_job():
        material_intake_check(material_id=second.pk)

    def process_check():
        job_holds_its_row.wait(timeout=30)
        call = ServiceCall(case_instance(case), None, "node_check", "acceptance.node_check")
        with transaction.atomic():
            results["process"] = node_check(call, node=node.code)

    def run(name, work):
        try:
            work()
        except BaseException as exc:
            errors[name] = exc
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(name, work), name=name)
        for name, work in (("intake job", intake_job), ("process check", process_check))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    _held_jobs_done(held)
    assert not any(thread.is_alive() for thread in threads), "a side hung"
    assert errors == {}, errors
    assert checked == {"survey-1.pdf": 1, "survey-2.pdf": 1}
    assert results["process"]["failed"] == []
    statuses = Material.objects.filter(pk__in=(first.pk, second.pk)).values_list(
        "status", flat=True
    )
    assert set(statuses) == {Material.Status.CHECKED}
    journaled = JournalEntry.objects.filter(chain=case.reference, kind="material.checked")
    assert sorted(entry.payload["name"] for entry in journaled) == ["survey-1.pdf", "survey-2.pdf"]

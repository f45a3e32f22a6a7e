"""A runaway script in one case on PostgreSQL: other cases' task completions and uploads, an
upload to the same case (its journal chain, whose head a service journaling just before the
script locked in the same step) and the same case's page all answer promptly, and the runaway
case stops with an incident naming the limit.

The case's process here is ``tests/workflows/bpmn/runaway.bpmn``, bound to a real acceptance
case under the case's reference, so it journals on the same chain as the case's uploads. The
runaway runs in a process of its own, as a web worker does: only the database's locks can make
the others wait, not this interpreter's lock shared with a spinning thread.
"""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.test import Client

from acceptance.models import CatalogItem, Organisation
from acceptance.samples import make_pdf_document
from acceptance.services.cases import case_open
from acceptance.services.catalog import catalog_seed
from acceptance.services.materials import material_upload
from acceptance.services.projects import project_register
from tests.workflows.helpers import (
    NOTE_OPERATION,
    PROMPT_SECONDS,
    SCRIPT_LIMIT_SECONDS,
    bpmn_bytes,
    note_in_journal,
    open_task,
    reload,
    timed,
)
from workflows import engine
from workflows.definitions import deploy_bpmn
from workflows.journal import verify_chain
from workflows.models import Incident
from workflows.services import registry

from .stack import REPO, stack_env

pytestmark = pytest.mark.django_db(transaction=True)

# Completes the task with ``spin`` and says when the script runs (its budget reads the clocks).
RUNAWAY = """
from django.contrib.auth import get_user_model
from tests.workflows.helpers import NOTE_OPERATION, note_in_journal
from workflows import engine, sandbox
from workflows.services import registry

real_start = sandbox.Budget.start


def start(budget):
    print("spinning", flush=True)
    real_start(budget)


sandbox.Budget.start = start
registry.register(NOTE_OPERATION, note_in_journal)
user = get_user_model().objects.get(pk={user})
engine.task_complete(task_id="{task}", user=user, data={{"spin": True}})
"""


class RunawayProcess:
    def __init__(self, task, user, signing_files) -> None:
        limit = str(SCRIPT_LIMIT_SECONDS)
        env = stack_env(
            signing_files, WORKFLOWS_SCRIPT_CPU_SECONDS=limit, WORKFLOWS_SCRIPT_WALL_SECONDS=limit
        )
        code = RUNAWAY.format(user=user.pk, task=task.task_id)
        self.began = time.monotonic()
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "shell", "-c", code],
            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        self.output = ""
        self.seconds = 0.0

    def __enter__(self):
        said = ""
        while not said.endswith("spinning\n"):
            line = self.process.stdout.readline()
            assert line, f"the runaway script never started: {said}"
            said += line
        self.began = time.monotonic()
        return self

    def __exit__(self, *exc_info) -> None:
        self.output = self.process.stdout.read()
        self.process.wait(timeout=60)
        self.seconds = time.monotonic() - self.began


def test_a_runaway_script_in_one_case_keeps_nobody_waiting(
    real_stack, celery_worker, signing_files, tmp_path, request
):
    call_command("deploy_processes", verbosity=0)
    registry.register(NOTE_OPERATION, note_in_journal)
    request.addfinalizer(lambda: registry.unregister(NOTE_OPERATION))
    deploy_bpmn(bpmn_bytes("runaway.bpmn"), "runaway.bpmn")
    catalog_seed()
    owner = get_user_model().objects.create_user("runaway_owner", password="runaway-password")
    owner.groups.add(Group.objects.get_or_create(name="clerks")[0])
    organisation = Organisation.objects.create(name="失控脚本测试建设单位")
    organisation.members.add(owner)
    project = project_register(
        user=owner,
        owner=organisation,
        name="失控脚本测试工程",
        location="上海",
        works_type="building",
    )
    node = project.nodes.order_by("position").first()
    cases = [case_open(project=project, user=owner) for _ in range(2)]
    spinning, other = (
        engine.instance_start(
            process_id="wf_runaway", business_object=case, business_key=case.reference
        )
        for case in cases
    )
    other_task = open_task(other, "decide")

    def upload(case, name: str, content: bytes):
        return material_upload(
            case=case,
            user=owner,
            catalog_item=CatalogItem.objects.get(code="C5-4", version=case.catalog_version),
            node=node,
            file=ContentFile(content, name=name),
            name=name,
        )

    pdfs = {
        name: make_pdf_document(
            tmp_path / name, title=name, lines=["失控脚本期间上传"]
        ).read_bytes()
        for name in ("warm-up.pdf", "other-case.pdf", "same-case.pdf")
    }
    # The first upload imports the file checks: that is not waiting.
    upload(cases[1], "warm-up.pdf", pdfs["warm-up.pdf"])
    browser = Client()
    browser.force_login(owner)
    page = f"/cases/{cases[0].reference}/"
    assert browser.get(page).status_code == 200  # its templates compiled before it is timed
    with RunawayProcess(open_task(spinning, "decide"), owner, signing_files) as runaway:
        waited = {
            "another case's task": timed(
                lambda: engine.task_complete(
                    task_id=other_task.task_id, user=owner, data={"count": 10}
                )
            ),
            "an upload to another case": timed(
                lambda: upload(cases[1], "other-case.pdf", pdfs["other-case.pdf"])
            ),
            "an upload to the same case": timed(
                lambda: upload(cases[0], "same-case.pdf", pdfs["same-case.pdf"])
            ),
            "the same case's page": timed(lambda: browser.get(page)),
        }
        still_spinning = runaway.process.poll() is None

    print(f"waited while the script ran: {waited}; the runaway ran {runaway.seconds:.2f} s more")
    assert {what: seconds for what, seconds in waited.items() if seconds >= PROMPT_SECONDS} == {}
    assert still_spinning, "the other actions were not measured while the script ran"
    assert reload(other).status == "completed"
    assert runaway.process.returncode == 0, runaway.output
    assert reload(spinning).status == "incident"
    incident = Incident.objects.get(instance=spinning)
    assert (incident.error_type, incident.task_name) == ("ScriptLimitExceeded", "spin")
    assert f"limit of {SCRIPT_LIMIT_SECONDS:g} s" in incident.message
    assert verify_chain(cases[0].reference).intact

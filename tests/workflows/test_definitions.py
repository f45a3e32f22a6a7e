"""Deploying BPMN files: versions, idempotence, and the files that are refused."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from workflows.definitions import deploy_bpmn, deploy_paths, latest_definition
from workflows.engine import task_complete
from workflows.exceptions import DefinitionNotFound, DefinitionRejected, TaskPermissionDenied
from workflows.inbox import can_claim, can_complete
from workflows.models import ProcessDefinition

from .helpers import BPMN_DIR, REJECTED_DIR, bpmn_bytes, open_task, open_task_names, reload

SHARED_FIXTURES = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures" / "bpmn"
SHARED_FILES = sorted(SHARED_FIXTURES.glob("*.bpmn"))

pytestmark = pytest.mark.django_db


def test_deploying_a_file_creates_version_1_of_its_process():
    (result,) = deploy_bpmn(bpmn_bytes("versioned_v1.bpmn"), "versioned_v1.bpmn")

    assert result.created is True
    assert result.definition.process_id == "wf_versioned"
    assert result.definition.version == 1
    assert result.definition.source_name == "versioned_v1.bpmn"
    assert result.describe() == "wf_versioned v1: deployed 已部署"


def test_deploying_the_same_file_twice_changes_nothing():
    (first,) = deploy_bpmn(bpmn_bytes("versioned_v1.bpmn"), "versioned_v1.bpmn")
    (second,) = deploy_bpmn(bpmn_bytes("versioned_v1.bpmn"), "versioned_v1.bpmn")

    assert second.created is False
    assert second.definition.pk == first.definition.pk
    assert second.definition.version == 1
    assert second.describe() == "wf_versioned v1: unchanged 未变化"
    assert ProcessDefinition.objects.filter(process_id="wf_versioned").count() == 1


def test_a_changed_file_becomes_version_2_and_the_latest():
    deploy_bpmn(bpmn_bytes("versioned_v1.bpmn"), "versioned.bpmn")
    (result,) = deploy_bpmn(bpmn_bytes("versioned_v2.bpmn"), "versioned.bpmn")

    assert result.created is True
    assert result.definition.version == 2
    assert latest_definition("wf_versioned").pk == result.definition.pk
    assert list(
        ProcessDefinition.objects.filter(process_id="wf_versioned")
        .order_by("version")
        .values_list("version", flat=True)
    ) == [1, 2]


def test_an_instance_started_on_v1_keeps_running_v1_after_v2_is_deployed(deploy, start, make_user):
    v1 = deploy("versioned_v1.bpmn")
    old = start("wf_versioned", key="OLD")
    v2 = deploy("versioned_v2.bpmn")
    new = start("wf_versioned", key="NEW")
    clerk = make_user("clerk", "clerks")

    assert old.definition_id == v1.pk
    assert new.definition_id == v2.pk

    task_complete(task_id=open_task(old, "first").task_id, user=clerk)
    task_complete(task_id=open_task(new, "first").task_id, user=clerk)

    # v1 ends after its only task; v2 goes on to the task it added.
    old = reload(old)
    assert old.definition_id == v1.pk
    assert old.status == "completed"
    assert open_task_names(old) == []
    assert reload(new).status == "waiting"
    assert open_task_names(new) == ["second"]


def test_starting_a_process_that_was_never_deployed_says_how_to_deploy_it(start):
    with pytest.raises(DefinitionNotFound) as excinfo:
        start("wf_never_deployed")

    assert excinfo.value.code == "definition_not_found"
    assert "manage.py deploy_processes" in excinfo.value.message_en


@pytest.mark.parametrize(
    "name", ["dtd.bpmn", "billion_laughs.bpmn", "external_entity.bpmn"], ids=lambda n: n[:-5]
)
def test_a_file_with_a_dtd_or_entities_is_refused(name):
    with pytest.raises(DefinitionRejected) as excinfo:
        deploy_bpmn((REJECTED_DIR / name).read_bytes(), name)

    error = excinfo.value
    assert error.code == "definition_rejected"
    assert "DTD or entity declaration" in error.message_en
    assert "DTD 或实体声明" in error.message_zh
    assert error.data == {"source": name}
    assert "root:" not in str(error)  # nothing of /etc/passwd was read
    assert not ProcessDefinition.objects.exists()


def test_a_file_that_is_not_well_formed_xml_is_refused():
    with pytest.raises(DefinitionRejected) as excinfo:
        deploy_bpmn((REJECTED_DIR / "not_well_formed.bpmn").read_bytes(), "not_well_formed.bpmn")

    assert "not_well_formed.bpmn is not well-formed XML: mismatched tag" in excinfo.value.message_en


def test_a_file_that_breaks_the_bpmn_schema_is_refused():
    with pytest.raises(DefinitionRejected) as excinfo:
        deploy_bpmn((REJECTED_DIR / "xsd_invalid.bpmn").read_bytes(), "xsd_invalid.bpmn")

    assert "xsd_invalid.bpmn failed validation" in excinfo.value.message_en
    assert "approvalChain" in excinfo.value.message_en


def test_a_file_calling_an_unregistered_service_operation_is_refused_naming_it():
    with pytest.raises(DefinitionRejected) as excinfo:
        deploy_bpmn(
            (REJECTED_DIR / "unregistered_service.bpmn").read_bytes(), "unregistered_service.bpmn"
        )

    error = excinfo.value
    assert "wftest.nobody_handles_this" in error.message_en
    assert "no registered handler" in error.message_en
    assert error.data == {"missing": ["wftest.nobody_handles_this"]}
    assert not ProcessDefinition.objects.exists()


def test_the_same_file_deploys_once_its_service_operation_is_registered(services):
    services.register("wftest.nobody_handles_this", lambda call, **params: {})

    (result,) = deploy_bpmn(
        (REJECTED_DIR / "unregistered_service.bpmn").read_bytes(), "unregistered_service.bpmn"
    )

    assert result.definition.process_id == "wf_unregistered"


def test_a_file_that_is_not_utf8_is_refused():
    latin1 = (
        bpmn_bytes("versioned_v1.bpmn")
        .replace(b"UTF-8", b"ISO-8859-1")
        .replace(b"First step", "Première étape".encode("iso-8859-1"))
    )

    with pytest.raises(DefinitionRejected) as excinfo:
        deploy_bpmn(latin1, "latin1.bpmn")

    assert "UTF-8" in excinfo.value.message_en
    assert not ProcessDefinition.objects.exists()


def test_deploy_paths_deploys_the_bpmn_files_of_a_folder_in_name_order(services):
    services.register("wftest.compute", lambda call, **params: {})
    services.register("wftest.record", lambda call, **params: {})
    services.register("wftest.background", lambda call, **params: {}, asynchronous=True)
    services.register("wftest.note", lambda call, **params: {})
    services.register("wftest.job", lambda call, **params: {}, asynchronous=True)

    results = deploy_paths([BPMN_DIR])

    names = [r.definition.source_name for r in results]
    assert names == sorted(names)
    assert {r.definition.process_id for r in results} >= {"wf_tasks", "wf_timers", "wf_message"}
    # versioned_v1 and versioned_v2 share a process id: the folder holds two versions of it.
    assert latest_definition("wf_versioned").version == 2


def test_deploy_processes_command_reports_each_process():
    out = StringIO()

    call_command("deploy_processes", str(BPMN_DIR / "versioned_v1.bpmn"), stdout=out)
    call_command("deploy_processes", str(BPMN_DIR / "versioned_v1.bpmn"), stdout=out)

    assert out.getvalue().splitlines() == [
        "wf_versioned v1: deployed 已部署",
        "wf_versioned v1: unchanged 未变化",
    ]


def test_deploy_processes_command_fails_on_a_bad_file():
    with pytest.raises(CommandError) as excinfo:
        call_command("deploy_processes", str(REJECTED_DIR / "dtd.bpmn"), stdout=StringIO())

    assert "dtd.bpmn contains a DTD or entity declaration" in str(excinfo.value)


def test_deploy_processes_command_fails_on_a_missing_file(tmp_path):
    with pytest.raises(CommandError) as excinfo:
        call_command("deploy_processes", str(tmp_path / "missing.bpmn"), stdout=StringIO())

    assert "cannot read BPMN file" in str(excinfo.value)


@pytest.mark.parametrize("path", SHARED_FILES, ids=[p.name for p in SHARED_FILES])
def test_a_third_party_bpmn_file_either_deploys_and_starts_or_is_refused_cleanly(path, start):
    try:
        results = deploy_bpmn(path.read_bytes(), path.name)
    except DefinitionRejected as exc:
        assert exc.code == "definition_rejected"
        assert exc.message_en and exc.message_zh
        assert not ProcessDefinition.objects.exists()
        return

    assert results
    for result in results:
        assert result.definition.version == 1
        # Whatever its content, an instance of it waits, ends, or shows an incident.
        instance = start(result.definition.process_id, key=f"THIRD-{result.definition.pk}")
        assert instance.status in {"waiting", "completed", "incident"}


# -- hostile process files ------------------------------------------------------------------------


def _refusal(name: str) -> DefinitionRejected:
    with pytest.raises(DefinitionRejected) as excinfo:
        deploy_bpmn((REJECTED_DIR / name).read_bytes(), name)
    assert not ProcessDefinition.objects.exists()
    return excinfo.value


def test_a_call_activity_calling_its_own_process_is_refused():
    error = _refusal("self_call.bpmn")

    assert error.data == {"calls": "wf_self_call → wf_self_call"}
    assert "calls itself through call activities" in error.message_en
    assert "递归" in error.message_zh


def test_processes_calling_each_other_are_refused():
    error = _refusal("mutual_call.bpmn")

    assert error.data == {"calls": "wf_ping → wf_pong → wf_ping"}


def test_a_sequence_flow_looping_back_to_its_own_task_is_refused():
    error = _refusal("self_loop.bpmn")

    assert error.data == {"loop": ["count"]}
    assert "a loop with no waiting task: Count (count) → Count (count)" in error.message_en


def test_a_loop_of_only_automatic_tasks_is_refused_naming_them():
    error = _refusal("automatic_cycle.bpmn")

    assert sorted(error.data["loop"]) == ["count", "merge", "more"]
    assert "Put a user task, a timer or a message event on the loop" in error.message_en
    assert "没有等待环节的循环" in error.message_zh


def test_a_loop_through_a_user_task_deploys():
    (result,) = deploy_bpmn(bpmn_bytes("loop.bpmn"), "loop.bpmn")

    assert result.definition.process_id == "wf_loop"


def test_a_user_task_nobody_could_complete_is_refused():
    error = _refusal("unassigned_task.bpmn")

    assert error.data == {"tasks": ["Approve (approve)"]}
    assert "no lane, no assignee" in error.message_en
    assert "WORKFLOWS_DEFAULT_TASK_ROLE" in error.message_en


def test_with_a_default_role_a_lane_less_task_goes_to_that_role(settings, start, make_user):
    settings.WORKFLOWS_DEFAULT_TASK_ROLE = "wf-fallback"
    deploy_bpmn((REJECTED_DIR / "unassigned_task.bpmn").read_bytes(), "unassigned_task.bpmn")
    member = make_user("fallback-member", "wf-fallback")
    outsider = make_user("outsider", "clerks")

    instance = start("wf_unassigned", key="UNASSIGNED-1")

    task = open_task(instance, "approve")
    assert task.role.name == "wf-fallback"
    with pytest.raises(TaskPermissionDenied):
        task_complete(task_id=task.task_id, user=outsider)
    task_complete(task_id=task.task_id, user=member)
    assert reload(instance).status == "completed"


def test_a_task_left_with_no_role_and_no_assignee_falls_back_to_no_role_at_all(
    settings, start, make_user
):
    # A row like those of definitions deployed before the check: nobody may claim or complete it.
    settings.WORKFLOWS_DEFAULT_TASK_ROLE = "wf-fallback"
    deploy_bpmn((REJECTED_DIR / "unassigned_task.bpmn").read_bytes(), "unassigned_task.bpmn")
    instance = start("wf_unassigned", key="UNASSIGNED-2")
    task = open_task(instance, "approve")
    task.role = None
    task.save(update_fields=["role"])
    superuser = make_user("root", "wf-fallback")
    superuser.is_superuser = True

    assert not can_complete(superuser, task)
    assert not can_claim(superuser, task)


def test_deeply_nested_xml_is_a_clear_refusal():
    deep = (
        b'<?xml version="1.0" encoding="UTF-8"?>'
        b'<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">'
        + b"<bpmn:documentation>" * 5000
        + b"</bpmn:documentation>" * 5000
        + b"</bpmn:definitions>"
    )

    with pytest.raises(DefinitionRejected) as excinfo:
        deploy_bpmn(deep, "deep.bpmn")

    assert "deep.bpmn cannot be read (nested too deeply or malformed)" in excinfo.value.message_en
    assert "Excessive depth" in excinfo.value.message_en


def test_a_chain_too_long_for_the_parser_is_a_clear_refusal():
    steps = 1500
    nodes = "".join(
        f'<bpmn:task id="t{i}"><bpmn:incoming>f{i}</bpmn:incoming>'
        f"<bpmn:outgoing>f{i + 1}</bpmn:outgoing></bpmn:task>"
        for i in range(steps)
    )
    flows = "".join(
        f'<bpmn:sequenceFlow id="f{i + 1}" sourceRef="t{i}" targetRef="t{i + 1}" />'
        for i in range(steps - 1)
    )
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
        'id="chain_definitions" targetNamespace="https://example.test/bpmn">'
        '<bpmn:process id="wf_chain" isExecutable="true">'
        '<bpmn:startEvent id="start"><bpmn:outgoing>f0</bpmn:outgoing></bpmn:startEvent>'
        '<bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="t0" />'
        f"{nodes}{flows}</bpmn:process></bpmn:definitions>"
    ).replace(f"<bpmn:outgoing>f{steps}</bpmn:outgoing>", "")

    with pytest.raises(DefinitionRejected) as excinfo:
        deploy_bpmn(xml.encode(), "chain.bpmn")

    assert "too long or too deeply nested for the BPMN parser" in excinfo.value.message_en


def test_a_script_that_does_not_compile_is_refused_at_deploy_naming_its_element():
    xml = bpmn_bytes("hostile_scripts.bpmn").replace(
        b"total = sum([n * n for n in range(10)])", b"import os"
    )

    with pytest.raises(DefinitionRejected) as excinfo:
        deploy_bpmn(xml, "hostile_import.bpmn")

    error = excinfo.value
    assert error.data == {"element": "fine", "source": "import os"}
    assert "the script of Compute a total (fine) is refused by the script sandbox" in (
        error.message_en
    )


@pytest.mark.parametrize(
    ("name", "answer"),
    [
        ("react-example.bpmn", "is refused by the script sandbox: "),
        ("testProcess.bpmn", "the script of Extract Price (ScriptTask_1) is refused"),
        ("waitingState.bpmn", "user tasks nobody could complete (no lane, no assignee)"),
        ("invoicePayment.bpmn", "Pay Invoice (Task_16y91ka)"),
    ],
)
def test_real_world_files_with_foreign_expressions_or_ownerless_tasks_get_a_clear_refusal(
    name, answer
):
    with pytest.raises(DefinitionRejected) as excinfo:
        deploy_bpmn((SHARED_FIXTURES / name).read_bytes(), name)

    assert answer in excinfo.value.message_en
    assert not ProcessDefinition.objects.exists()

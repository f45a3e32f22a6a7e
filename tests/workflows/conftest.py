"""Fixtures of the plugin's own tests: small BPMN files, test-only service handlers, people.

The plugin knows nothing about construction: every service operation used here is registered by
the test that needs it (``wftest.*``) and removed again afterwards.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.models import Group, User

from workflows import engine
from workflows.definitions import deploy_bpmn
from workflows.labels import register
from workflows.models import ProcessDefinition, ProcessInstance
from workflows.services import registry

from .helpers import bpmn_bytes, open_task

# Lanes of the test processes: "reviewer" is mapped to a role group, "clerks" is not (the lane
# name is then the group name).
LANE_ROLES = {"reviewer": "wf-reviewers"}


@pytest.fixture(autouse=True)
def lane_roles(settings):
    settings.WORKFLOWS_LANE_ROLES = LANE_ROLES


class Services:
    """Registers test-only handlers and forgets them when the test ends."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def register(
        self, name: str, handler: Callable, *, asynchronous: bool = False, read_only: bool = False
    ) -> Callable:
        registry.register(name, handler, asynchronous=asynchronous, read_only=read_only)
        self.names.append(name)
        return handler

    def close(self) -> None:
        for name in self.names:
            registry.unregister(name)


@pytest.fixture
def services():
    helper = Services()
    yield helper
    helper.close()


@pytest.fixture
def deploy(db) -> Callable[[str], ProcessDefinition]:
    """Deploy one file of tests/workflows/bpmn/ and return its (only) definition."""

    def _deploy(name: str) -> ProcessDefinition:
        (result,) = deploy_bpmn(bpmn_bytes(name), name)
        return result.definition

    return _deploy


@pytest.fixture
def business_object(db) -> Group:
    """Any model instance can be the business object an instance runs for."""
    return Group.objects.create(name="business object under test")


@pytest.fixture
def start(business_object) -> Callable[..., ProcessInstance]:
    def _start(process_id: str, key: str = "CASE-1", actor=None, **data) -> ProcessInstance:
        instance = engine.instance_start(
            process_id=process_id,
            business_object=business_object,
            business_key=key,
            data=data,
            actor=actor,
        )
        instance.refresh_from_db()
        return instance

    return _start


@pytest.fixture
def make_user(db) -> Callable[..., User]:
    def _make_user(username: str, *groups: str) -> User:
        user = User.objects.create_user(username=username)
        for name in groups:
            user.groups.add(Group.objects.get_or_create(name=name)[0])
        return user

    return _make_user


@pytest.fixture(autouse=True)
def no_test_service_left_registered():
    """Test-only handlers never leak into the plugin registry of later tests."""
    yield
    assert [name for name in registry.names() if name.startswith("wftest.")] == []


# -- running cases of wf_migration (migration_v1.bpmn), for the migration tests -----------------
# Version 1: intake (size) → review (10-day deadline) → archive_old. Version 2 (migration_v2.bpmn)
# asks for a budget at intake, gives the review 20 days, approves a budget over 100 after the
# review and calls the archiving task ``archive``.


@pytest.fixture
def migration_people(make_user) -> dict[str, User]:
    register("variable", {"budget": ("预算金额", "budget")})
    return {
        "clerk": make_user("mig-clerk", "clerks"),
        "reviewer": make_user("mig-rita", "wf-reviewers"),
    }


@pytest.fixture
def case_at(deploy, start, migration_people) -> Callable[[str, str], ProcessInstance]:
    """Start a case on version 1 and drive it to ``intake``, ``review`` or ``archive_old``."""
    deploy("migration_v1.bpmn")

    def _case_at(step: str, key: str) -> ProcessInstance:
        instance = start("wf_migration", key=key)
        if step in ("review", "archive_old"):
            row = open_task(instance, "intake")
            engine.task_complete(
                task_id=row.task_id, user=migration_people["clerk"], data={"size": 3}
            )
        if step == "archive_old":
            row = open_task(instance, "review")
            engine.task_complete(task_id=row.task_id, user=migration_people["reviewer"], data={})
        instance.refresh_from_db()
        return instance

    return _case_at

"""The registry of service handlers, and the system check that every operation has one."""

from __future__ import annotations

import shutil

import pytest

from workflows.checks import check_bpmn_service_handlers
from workflows.exceptions import ServiceAlreadyRegistered, ServiceNotRegistered
from workflows.services import ServiceRegistry, registry, service

from .helpers import BPMN_DIR, REJECTED_DIR


def handler(call, **params):
    return {}


def other_handler(call, **params):
    return {}


def test_a_registered_operation_is_found_with_its_mode():
    services = ServiceRegistry()
    services.register("wftest.one", handler)
    services.register("wftest.two", other_handler, asynchronous=True)

    assert "wftest.one" in services
    assert services.get("wftest.one").handler is handler
    assert services.get("wftest.one").asynchronous is False
    assert services.get("wftest.two").asynchronous is True
    assert services.names() == ["wftest.one", "wftest.two"]


def test_an_operation_registered_read_only_says_so_and_others_write_by_default():
    services = ServiceRegistry()
    services.register("wftest.one", handler)
    services.register("wftest.two", other_handler, read_only=True)

    assert services.get("wftest.one").read_only is False
    assert services.get("wftest.two").read_only is True


def test_registering_the_same_handler_twice_is_harmless():
    services = ServiceRegistry()
    services.register("wftest.one", handler)

    services.register("wftest.one", handler)

    assert services.names() == ["wftest.one"]


def test_a_second_handler_for_the_same_operation_is_refused_naming_the_first():
    services = ServiceRegistry()
    services.register("wftest.one", handler)

    with pytest.raises(ServiceAlreadyRegistered) as excinfo:
        services.register("wftest.one", other_handler)

    assert excinfo.value.code == "service_already_registered"
    assert f"already registered by {__name__}" in excinfo.value.message_en
    assert services.get("wftest.one").handler is handler


def test_an_unknown_operation_is_not_registered():
    with pytest.raises(ServiceNotRegistered) as excinfo:
        ServiceRegistry().get("wftest.unknown")

    assert excinfo.value.code == "service_not_registered"
    assert excinfo.value.data == {"operation": "wftest.unknown"}


def test_unregistering_forgets_the_operation():
    services = ServiceRegistry()
    services.register("wftest.one", handler)

    services.unregister("wftest.one")
    services.unregister("wftest.one")  # twice is fine

    assert "wftest.one" not in services


def test_the_handler_modules_are_found_on_the_first_lookup_and_only_once():
    found = []

    def discover():
        found.append("handlers")
        services.register("wftest.found", handler)

    services = ServiceRegistry(discover=discover)
    assert found == []  # nothing imported until an operation is looked up

    assert services.get("wftest.found").handler is handler
    assert "wftest.found" in services
    assert services.names() == ["wftest.found"]
    assert found == ["handlers"]


def test_a_failed_discovery_is_tried_again_on_the_next_lookup():
    attempts = []

    def discover():
        attempts.append(1)
        if len(attempts) == 1:
            raise ImportError("a handlers module failed to import")
        services.register("wftest.found", handler)

    services = ServiceRegistry(discover=discover)
    with pytest.raises(ImportError):
        services.get("wftest.found")

    assert services.get("wftest.found").handler is handler
    assert len(attempts) == 2


def test_the_service_decorator_registers_in_the_plugin_registry():
    try:

        @service("wftest.decorated", asynchronous=True)
        def decorated(call, **params):
            return {"ok": True}

        assert registry.get("wftest.decorated").handler is decorated
        assert registry.get("wftest.decorated").asynchronous is True
    finally:
        registry.unregister("wftest.decorated")


def test_the_system_check_names_operations_without_handler_and_refused_files(settings, tmp_path):
    shutil.copy(BPMN_DIR / "service.bpmn", tmp_path)
    shutil.copy(REJECTED_DIR / "dtd.bpmn", tmp_path)
    shutil.copy(BPMN_DIR / "versioned_v1.bpmn", tmp_path)
    settings.WORKFLOWS_BPMN_DIRS = [tmp_path]

    errors = check_bpmn_service_handlers()

    assert [(e.id, e.obj) for e in errors] == [
        ("workflows.E002", "dtd.bpmn"),
        ("workflows.E001", "wf_service"),
    ]
    assert errors[1].msg == "service.bpmn: service operation 'wftest.compute' has no handler"


def test_the_system_check_passes_once_the_handler_is_registered(settings, tmp_path, services):
    shutil.copy(BPMN_DIR / "service.bpmn", tmp_path)
    settings.WORKFLOWS_BPMN_DIRS = [tmp_path]
    services.register("wftest.compute", handler)

    assert check_bpmn_service_handlers() == []

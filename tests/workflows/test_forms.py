"""The fields a user task expects: what a submission may contain and what enters the process."""

from __future__ import annotations

import pytest
from django.utils import translation

from workflows.definitions import deploy_bpmn
from workflows.engine import task_complete
from workflows.exceptions import DefinitionRejected, TaskDataInvalid
from workflows.forms import (
    MAX_TEXT_LENGTH,
    clean_task_data,
    form_task_data,
    parse_form,
    task_form_class,
)
from workflows.models import ProcessDefinition

from .helpers import (
    REJECTED_DIR,
    journal_kinds,
    last_entry,
    open_task,
    open_task_names,
    workflow_of,
)

FIELDS = [
    {"name": "priority", "type": "choice", "choices": ["low", "high"], "required": True,
     "label_zh": "优先级", "label_en": "Priority"},
    {"name": "note", "type": "text"},
    {"name": "tags", "type": "multichoice", "choices": ["a", "b"]},
    {"name": "urgent", "type": "boolean"},
    {"name": "pages", "type": "integer"},
    {"name": "outcome", "type": "choice", "choices": ["x", "y"]},
]  # fmt: skip


def test_only_declared_fields_are_accepted():
    with pytest.raises(TaskDataInvalid) as excinfo:
        clean_task_data(FIELDS, {"priority": "low", "approved_by": "me", "amount": 1})

    error = excinfo.value
    assert error.code == "task_data_invalid"
    assert error.message_en == "this task does not accept the fields: amount, approved_by"
    assert error.data == {"field": "amount"}


def test_a_choice_outside_its_choices_is_refused_with_the_field_label():
    with pytest.raises(TaskDataInvalid) as excinfo:
        clean_task_data(FIELDS, {"priority": "urgent"})

    assert excinfo.value.message_en == "Priority: must be one of low, high"
    assert excinfo.value.message_zh == "优先级：只能是 low, high 之一"
    assert excinfo.value.data == {"field": "priority"}


@pytest.mark.parametrize("missing", [{}, {"priority": None}, {"priority": ""}])
def test_a_required_field_must_be_given(missing):
    with pytest.raises(TaskDataInvalid) as excinfo:
        clean_task_data(FIELDS, missing)

    assert excinfo.value.message_en == "Priority: is required"
    assert excinfo.value.data == {"field": "priority"}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("note", 42, "note: must be text"),
        ("note", "x" * (MAX_TEXT_LENGTH + 1), f"note: must be at most {MAX_TEXT_LENGTH} chars"),
        ("tags", "a", "tags: must be a list of text values"),
        ("tags", ["a", "c"], "tags: c not among the options; choose from the options listed"),
        ("urgent", "yes", "urgent: must be true or false"),
        ("pages", "3", "pages: must be a whole number"),
        ("pages", True, "pages: must be a whole number"),
        ("pages", 2.5, "pages: must be a whole number"),
    ],
)
def test_a_value_of_the_wrong_type_is_refused(field, value, message):
    with pytest.raises(TaskDataInvalid) as excinfo:
        clean_task_data(FIELDS, {"priority": "low", field: value})

    assert excinfo.value.message_en == message
    assert excinfo.value.data == {"field": field}


def test_optional_fields_left_out_enter_the_process_with_empty_values():
    assert clean_task_data(FIELDS, {"priority": "high"}) == {
        "priority": "high",
        "note": "",
        "tags": [],
        "urgent": False,
        "pages": None,
        "outcome": None,
    }


def test_valid_values_pass_unchanged():
    data = {"priority": "low", "note": "ok", "tags": ["b"], "urgent": True, "pages": 0}

    assert clean_task_data(FIELDS, data) == {**data, "outcome": None}


def test_a_task_without_a_form_accepts_an_empty_submission_only():
    assert clean_task_data([], {}) == {}
    with pytest.raises(TaskDataInvalid):
        clean_task_data([], {"decision": "accept"})


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("[{name: decision}]", "the form property of task fill is not valid JSON"),
        ('[{"name": "x", "type": "date"}]', "task fill declares an invalid field"),
        ('[{"type": "text"}]', "task fill declares an invalid field"),
    ],
)
def test_a_malformed_form_declaration_is_refused(raw, message):
    with pytest.raises(DefinitionRejected) as excinfo:
        parse_form(raw, "fill")

    assert message in excinfo.value.message_en


@pytest.mark.django_db
def test_a_process_whose_form_declaration_is_malformed_is_refused_at_deploy():
    with pytest.raises(DefinitionRejected) as excinfo:
        deploy_bpmn((REJECTED_DIR / "bad_form.bpmn").read_bytes(), "bad_form.bpmn")

    assert "the form property of task fill is not valid JSON" in excinfo.value.message_en
    assert not ProcessDefinition.objects.exists()


# -- through the engine -------------------------------------------------------------------------


@pytest.fixture
def carol(make_user):
    return make_user("carol", "clerks")


@pytest.fixture
def instance(services, deploy, start):
    services.register("wftest.record", lambda call, **params: {})
    deploy("tasks.bpmn")
    return start(
        "wf_tasks", key="FORM-1", subject="s", amount=1, reviewer_name="nobody", review_period="P1D"
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"priority": "high", "bogus": 1}, "bogus"),
        ({"priority": "medium"}, "priority"),
        ({"note": "no priority"}, "priority"),
    ],
    ids=["unknown-field", "wrong-choice", "missing-required"],
)
def test_completing_with_invalid_data_names_the_field_and_changes_nothing(
    instance, carol, data, field
):
    with pytest.raises(TaskDataInvalid) as excinfo:
        task_complete(
            task_id=open_task(instance, "triage").task_id,
            user=carol,
            data=data,
        )

    assert excinfo.value.data["field"] == field
    assert open_task_names(instance) == ["triage"]
    assert journal_kinds("FORM-1") == ["instance.started"]


@pytest.mark.django_db
def test_completed_data_lands_in_the_process_with_empty_optional_fields(instance, carol):
    task_complete(
        task_id=open_task(instance, "triage").task_id,
        user=carol,
        data={"priority": "low", "tags": ["a"]},
    )

    expected = {
        "priority": "low",
        "note": "",
        "tags": ["a"],
        "urgent": False,
        "pages": None,
        "outcome": None,
        "triaged_by": "carol",
    }
    assert last_entry("FORM-1", "task.completed").payload == {"data": expected}
    (review,) = [t for t in workflow_of(instance).get_tasks() if t.task_spec.name == "review"]
    assert {name: review.data[name] for name in expected} == expected


def test_text_with_a_nul_character_is_refused():
    with pytest.raises(TaskDataInvalid) as excinfo:
        clean_task_data([{"name": "comment", "type": "text"}], {"comment": "a\x00b"})

    assert excinfo.value.data["field"] == "comment"
    assert "NUL" in excinfo.value.message_en


def test_the_task_form_built_from_the_declared_fields_feeds_clean_task_data():
    form_class = task_form_class(FIELDS, lambda field: [])
    form = form_class(
        {"priority": "high", "note": "见附件", "tags": ["a"], "urgent": "on", "pages": "12"}
    )
    assert form.is_valid(), form.errors
    assert form.fields["priority"].label == "优先级"  # Chinese first
    data = form_task_data(FIELDS, form.cleaned_data)
    assert clean_task_data(FIELDS, data) == {
        "priority": "high",
        "note": "见附件",
        "tags": ["a"],
        "urgent": True,
        "pages": 12,
        "outcome": None,
    }


def test_the_task_form_refuses_an_undeclared_choice_and_a_missing_required_field():
    form = task_form_class(FIELDS, lambda field: [])({"priority": "medium", "tags": ["c"]})
    assert not form.is_valid()
    assert set(form.errors) == {"priority", "tags"}
    assert not task_form_class(FIELDS, lambda field: [])({}).is_valid()


def test_open_multichoice_fields_take_the_sites_choices_or_one_value_per_line():
    fields = [{"name": "items", "type": "multichoice", "label_en": "Items"}]
    offered = task_form_class(fields, lambda field: [("A-1", "A-1 图纸")])({"items": ["A-1"]})
    assert offered.is_valid() and offered.cleaned_data["items"] == ["A-1"]
    typed = task_form_class(fields, lambda field: [])({"items": "A-1\n\nB-2 \n"})
    assert typed.is_valid()
    assert form_task_data(fields, typed.cleaned_data) == {"items": ["A-1", "B-2"]}
    with translation.override("en"):
        assert task_form_class(fields, lambda field: [])().fields["items"].label == "Items"


def test_open_multichoice_values_must_be_among_the_sites_choices():
    fields = [{"name": "items", "type": "multichoice", "label_zh": "条目", "label_en": "Items"}]
    offered = [("A1-1", "A1-1 立项文件"), ("B2-3", "B2-3 施工日志")]

    assert clean_task_data(fields, {"items": ["B2-3"]}, lambda field: offered) == {
        "items": ["B2-3"]
    }
    with pytest.raises(TaskDataInvalid) as refused:
        clean_task_data(fields, {"items": ["A1-1", "Z9-99", "Q0"]}, lambda field: offered)
    assert refused.value.data["field"] == "items"
    assert refused.value.message_zh == "条目：Q0, Z9-99 不在可选项中，请从列出的选项中选择"
    assert refused.value.message_en == (
        "Items: Q0, Z9-99 not among the options; choose from the options listed"
    )
    # With no choices from the site and none declared, the field is an open list of text.
    assert clean_task_data(fields, {"items": ["Z9-99"]}, lambda field: []) == {"items": ["Z9-99"]}


def test_declared_choices_bound_a_multichoice_when_the_site_offers_none():
    with pytest.raises(TaskDataInvalid) as refused:
        clean_task_data(FIELDS, {"priority": "low", "tags": ["a", "c"]}, lambda field: [])
    assert "c not among the options" in refused.value.message_en


def test_grouped_site_choices_bound_a_multichoice_by_their_values():
    fields = [{"name": "items", "type": "multichoice"}]
    grouped = [("A 文书", [("A1-1", "立项文件")]), ("B 施工", [("B2-3", "施工日志")])]
    assert clean_task_data(fields, {"items": ["B2-3"]}, lambda field: grouped) == {
        "items": ["B2-3"]
    }
    with pytest.raises(TaskDataInvalid):
        clean_task_data(fields, {"items": ["A 文书"]}, lambda field: grouped)


def test_grouped_checkboxes_show_each_option_ticked_as_given_and_escaped():
    fields = [{"name": "items", "type": "multichoice"}]
    grouped = [("A 文书", [("A1-1", "立项 <文件>"), ('A"2', "批复 & 意见")])]
    form = task_form_class(fields, lambda field: grouped)(initial={"items": ["A1-1"]})
    html = str(form["items"])
    assert (
        '<li><label><input type="checkbox" name="items" value="A1-1" id="id_items_0_0" checked>'
        " 立项 &lt;文件&gt;</label></li>"
        '<li><label><input type="checkbox" name="items" value="A&quot;2" id="id_items_0_1">'
        " 批复 &amp; 意见</label></li>"
    ) in html
    assert '<details class="choice-group" open>' in html

"""One error shape for every failure: code, Chinese and English messages, the field at fault."""

import pytest

from api.exceptions import STATUS_BY_CODE
from workflows.exceptions import WorkflowError

from .conftest import assert_error


@pytest.mark.django_db
def test_a_missing_field_is_named_with_messages_in_both_languages(as_owner):
    body = assert_error(as_owner.post("/api/cases/", {}, format="json"), 400, "required", "project")
    assert body["message_en"] == "This field is required."
    assert "必填" in body["message_zh"]
    assert body["errors"] == [
        {
            "field": "project",
            "code": "required",
            "message_zh": body["message_zh"],
            "message_en": "This field is required.",
        }
    ]


@pytest.mark.django_db
def test_every_invalid_field_is_listed_the_first_one_on_top(as_owner, world):
    response = as_owner.post(
        "/api/projects/",
        {"owner": world.organisation.pk, "works_type": "castle", "floor_area_m2": "abc"},
        format="json",
    )
    body = assert_error(response, 400, "required", "name")
    fields = {error["field"]: error["code"] for error in body["errors"]}
    assert fields == {
        "name": "required",
        "location": "required",
        "works_type": "invalid_choice",
        "floor_area_m2": "invalid",
    }
    # Messages DRF has no Chinese for are explained by their code in Chinese, the English kept.
    invalid_choice = next(e for e in body["errors"] if e["field"] == "works_type")
    assert invalid_choice["message_en"] == '"castle" is not a valid choice.'
    assert invalid_choice["message_zh"] == "不是有效的选项"


@pytest.mark.django_db
def test_the_english_message_stays_english_whatever_language_the_client_asks_for(as_owner):
    response = as_owner.post("/api/cases/", {}, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.json()["message_en"] == "This field is required."


@pytest.mark.django_db
def test_an_unknown_address_under_the_api_is_a_json_404(as_owner):
    assert_error(as_owner.get("/api/no-such-thing/"), 404, "not_found")


@pytest.mark.django_db
def test_a_method_the_resource_does_not_have_is_a_json_405(as_owner):
    assert_error(as_owner.delete("/api/projects/"), 405, "method_not_allowed")


@pytest.mark.django_db
def test_an_unexpected_failure_is_a_logged_json_500(as_owner, monkeypatch, caplog):
    def broken(user):
        raise RuntimeError("the database caught fire")

    monkeypatch.setattr("api.views.projects.projects_visible_to", broken)
    assert_error(as_owner.get("/api/projects/"), 500, "server_error")
    assert "the database caught fire" in caplog.text


def test_domain_errors_keep_their_code_and_take_their_status_from_the_code():
    assert STATUS_BY_CODE["task_permission_denied"] == 403
    assert STATUS_BY_CODE["not_permitted"] == 403
    assert STATUS_BY_CODE["task_not_available"] == 409
    assert WorkflowError.code not in STATUS_BY_CODE  # the rest are 400


@pytest.mark.django_db
def test_a_post_to_an_unknown_address_is_a_json_404_not_a_csrf_page(as_owner):
    assert_error(as_owner.post("/api/tasks/not-a-task-id/claim/"), 404, "not_found")


@pytest.mark.django_db
def test_an_address_with_a_newline_in_it_is_a_json_404_too(as_owner):
    assert_error(as_owner.get("/api/tasks/a%0Ab/"), 404, "not_found")


@pytest.mark.django_db
def test_a_download_that_fails_answers_a_json_error_whatever_was_accepted(as_owner):
    response = as_owner.get("/api/certificates/JGYS2026-99999/pdf/", HTTP_ACCEPT="application/pdf")
    assert response["Content-Type"] == "application/json"
    assert_error(response, 404, "not_found")


def test_django_validation_and_state_machine_errors_are_answered_too():
    from django.core.exceptions import ValidationError
    from django_fsm import TransitionNotAllowed

    from api.exceptions import exception_handler

    invalid = exception_handler(ValidationError({"name": ["too odd"]}), {})
    assert (invalid.status_code, invalid.data["code"], invalid.data["field"]) == (
        400,
        "invalid",
        "name",
    )
    assert invalid.data["message_en"] == "too odd"
    conflict = exception_handler(TransitionNotAllowed("no"), {})
    assert (conflict.status_code, conflict.data["code"]) == (409, "state_conflict")


@pytest.mark.django_db
def test_a_nul_character_is_refused_before_it_reaches_the_database(as_owner):
    assert_error(
        as_owner.get("/api/cases/", {"status": "a\x00b"}),
        400,
        "null_characters_not_allowed",
        "status",
    )
    assert_error(as_owner.get("/api/cases/a%00b/"), 400, "null_characters_not_allowed", "reference")


@pytest.mark.django_db
@pytest.mark.parametrize("page_size", ["0", "501", "abc", "", "null", "-3"])
def test_a_page_size_outside_1_to_500_is_refused_not_replaced(as_owner, page_size):
    response = as_owner.get("/api/projects/", {"page_size": page_size})
    body = assert_error(response, 400, "invalid", "page_size")
    assert body["message_en"] == "must be a whole number from 1 to 500"


@pytest.mark.django_db
def test_a_page_past_the_last_is_a_documented_404(as_owner):
    assert_error(as_owner.get("/api/projects/", {"page": 0}), 404, "not_found")
    schema = as_owner.get("/api/schema/").json()
    listing = schema["paths"]["/api/projects/"]["get"]
    assert {"400", "404"} <= set(listing["responses"])
    page = next(p for p in listing["parameters"] if p["name"] == "page")
    assert page["schema"]["minimum"] == 1

"""Who gets in: tokens for machines, sessions for browsers, nothing for anonymous users."""

import pytest
from rest_framework.test import APIClient

from .conftest import assert_error


@pytest.mark.django_db
def test_an_anonymous_request_is_refused_with_401_and_a_token_challenge(anonymous):
    response = anonymous.get("/api/projects/")
    assert_error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"] == "Token"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    ["/api/cases/", "/api/tasks/", "/api/journal/", "/api/certificates/"],
)
def test_anonymous_users_get_nothing(anonymous, path):
    assert_error(anonymous.get(path), 401, "not_authenticated")


@pytest.mark.django_db
def test_an_unknown_token_is_refused_with_401(anonymous):
    anonymous.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef0123456789abcdef01234567")
    assert_error(anonymous.get("/api/projects/"), 401, "authentication_failed")


@pytest.mark.django_db
def test_a_password_is_exchanged_for_the_accounts_token(world, anonymous):
    response = anonymous.post(
        "/api/auth/token/",
        {"username": "owner_test", "password": "test-password"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    token = response.json()["token"]
    anonymous.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert anonymous.get("/api/projects/").status_code == 200


@pytest.mark.django_db
def test_a_wrong_password_gets_no_token(world, anonymous):
    response = anonymous.post(
        "/api/auth/token/", {"username": "owner_test", "password": "wrong"}, format="json"
    )
    assert_error(response, 400, "authorization")


@pytest.mark.django_db
def test_a_browser_session_reads_the_api(world, flow):
    browser = APIClient()
    browser.login(username="owner_test", password="test-password")
    response = browser.get(f"/api/cases/{flow.case.reference}/")
    assert response.status_code == 200
    assert response.json()["reference"] == flow.case.reference


@pytest.mark.django_db
def test_a_browser_write_without_its_csrf_token_is_a_403_not_a_500(world, flow):
    browser = APIClient(enforce_csrf_checks=True)
    browser.login(username="owner_test", password="test-password")
    response = browser.post("/api/cases/", {"project": flow.case.project.reference}, format="json")
    body = assert_error(response, 403, "permission_denied")
    assert "CSRF" in body["data"]["detail"]


@pytest.mark.django_db
def test_the_docs_are_served_from_local_assets(as_owner):
    page = as_owner.get("/api/docs/")
    assert page.status_code == 200
    assert b"/static/drf_spectacular_sidecar/swagger-ui-dist/" in page.content
    assert as_owner.get("/api/redoc/").status_code == 200

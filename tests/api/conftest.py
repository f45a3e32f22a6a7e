"""The acceptance world (catalog, process, owner, reviewer, a case to drive) seen through the API.

Each user talks to the API with their own token, as an external platform would; ``session``
logs a browser in instead. Besides the owner and the reviewer of ``world`` there are an auditor
and a ``stranger``: an owner of another organisation.
"""

from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

import tests.acceptance.conftest as domain
import tests.webhooks.conftest as receivers
from acceptance.models import Organisation
from tests.acceptance.conftest import CORE_DOCUMENT, CORE_DRAWING, TOLERATED, make_user

__all__ = [
    "CORE_DOCUMENT",
    "CORE_DRAWING",
    "TOLERATED",
    "assert_error",
    "make_user",
    "token_client",
]

# The domain tests' world and the webhook receiver, shared (fixtures found by these names).
clock = domain.clock
media_root = domain.media_root
samples = domain.samples
world = domain.world
open_case = domain.open_case
flow = domain.flow
receiver = receivers.receiver


def token_client(user) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def anonymous() -> APIClient:
    return APIClient()


@pytest.fixture
def auditor(db):
    return make_user("auditor_test", "auditors")


@pytest.fixture
def stranger(db):
    """An owner of another organisation."""
    user = make_user("stranger_test", "owners")
    organisation = Organisation.objects.create(
        name="另一家建设单位有限公司", credit_code="91310115MA1K000002"
    )
    organisation.members.add(user)
    return user


@pytest.fixture
def as_owner(world) -> APIClient:
    return token_client(world.owner)


@pytest.fixture
def as_reviewer(world) -> APIClient:
    return token_client(world.reviewer)


@pytest.fixture
def as_auditor(auditor) -> APIClient:
    return token_client(auditor)


@pytest.fixture
def as_stranger(stranger) -> APIClient:
    return token_client(stranger)


def assert_error(response, status: int, code: str, field: str | None = None) -> dict:
    """The response is the API's error shape with this status, code and field at fault."""
    body = response.json()
    assert response.status_code == status, body
    assert body["code"] == code, body
    assert body["field"] == field, body
    assert body["message_zh"] and body["message_en"], body
    return body

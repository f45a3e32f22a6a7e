"""A small world for certificate tests: cases opened through the product's own services."""

from __future__ import annotations

import io
import itertools
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.management import call_command
from django.utils import timezone

from acceptance.demo import DEMO_PROJECT_FACTS, PROJECT_NAME
from acceptance.models import Case, CatalogItem, Commitment, Decision, Organisation
from acceptance.services.cases import case_open
from acceptance.services.catalog import catalog_seed
from acceptance.services.certificates import case_certificate_issue
from acceptance.services.projects import project_register
from certificates.models import Certificate


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def fresh_rate_limit():
    """The verification rate limit counts per client address in the cache: start each at zero."""
    cache.clear()
    yield
    cache.clear()


@dataclass
class World:
    owner: object
    reviewer: object
    organisation: Organisation
    serial: itertools.count

    def case(self, name: str = PROJECT_NAME) -> Case:
        project = project_register(
            user=self.owner, owner=self.organisation, name=name, **DEMO_PROJECT_FACTS
        )
        return case_open(project=project, user=self.owner)

    def commitment(self, case: Case, codes=("C6-P3", "E3-2")) -> Commitment:
        """A conditional decision and its signed commitment, due in three months."""
        decision = Decision.objects.create(
            case=case, outcome=Decision.Outcome.CONDITIONAL, decided_by=self.reviewer
        )
        commitment = Commitment.objects.create(case=case, decision=decision, period="P3M")
        commitment.items.set(CatalogItem.objects.current().filter(code__in=codes))
        commitment.sign(user=self.owner, deadline=timezone.now() + timedelta(days=92))
        commitment.save()
        return commitment

    def issue(self, case: Case, kind: str = Certificate.Kind.FULL, key: str = "") -> Certificate:
        key = key or f"{case.reference}:{kind}:test-{next(self.serial)}"
        return case_certificate_issue(case=case, kind=kind, issue_key=key)


@pytest.fixture
def world(db, settings) -> World:
    settings.CERTIFICATES_VERIFY_BASE_URL = "https://archive.example.cn/verify/"
    catalog_seed()
    call_command("deploy_processes", verbosity=0, stdout=io.StringIO())
    users = get_user_model().objects
    owner = users.create_user("owner_cert", password="test-password")
    reviewer = users.create_user("reviewer_cert", password="test-password")
    organisation = Organisation.objects.create(name="上海浦东示范建设发展有限公司")
    organisation.members.add(owner)
    return World(owner, reviewer, organisation, itertools.count(1))


@pytest.fixture
def certificate(world) -> Certificate:
    """A full certificate, issued and signed."""
    return world.issue(world.case())

"""Fixity: stored files' SHA-256 re-verified on demand, by the beat job and by the command."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from acceptance.models import FixityAudit, Material
from acceptance.services.fixity import fixity_audit, material_verify
from acceptance.services.material_checks import materials_check
from acceptance.tasks import run_fixity_audit
from workflows.journal import verify_chain

from .conftest import CaseFlow

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def stored(open_case) -> CaseFlow:
    flow = open_case(upload=False)
    for code in ("A1-1", "A1-2", "D-1", "E3-1"):
        flow.upload(code)
    return flow


def tamper(material: Material) -> None:
    path = Path(material.file.path)
    path.write_bytes(path.read_bytes() + b"\n% appended later")


def test_an_intact_store_passes_the_audit_and_the_run_is_kept(stored):
    report = fixity_audit()

    assert (report.checked, report.intact) == (4, True)
    audit = FixityAudit.objects.get()
    assert (audit.checked, audit.mismatches, audit.missing, audit.intact) == (4, [], [], True)
    assert set(Material.objects.values_list("fixity_ok", flat=True)) == {True}
    assert stored.journal("material.fixity_failed") == []


def test_a_changed_and_a_missing_file_are_reported_and_journaled_on_their_case(stored):
    changed, gone = stored.current("A1-1"), stored.current("D-1")
    tamper(changed)
    Path(gone.file.path).unlink()

    report = fixity_audit()

    assert (report.checked, report.intact) == (4, False)
    result = report.as_dict()
    assert [(p["name"], p["verdict"]) for p in result["mismatches"]] == [("A1-1-1.pdf", "mismatch")]
    assert result["mismatches"][0]["expected_sha256"] == changed.sha256
    assert result["mismatches"][0]["actual_sha256"] != changed.sha256
    assert [(p["name"], p["verdict"]) for p in result["missing"]] == [("D-1-1.dxf", "missing")]
    entries = stored.journal("material.fixity_failed")
    assert [e.payload["material"] for e in entries] == [changed.pk, gone.pk]
    assert verify_chain(stored.case.reference).intact
    assert Material.objects.get(pk=changed.pk).fixity_ok is False
    # A second audit reports them again but journals each problem only once.
    assert len(fixity_audit().problems) == 2
    assert len(stored.journal("material.fixity_failed")) == 2


def test_on_demand_verification_and_the_authenticity_check_agree(stored):
    material = stored.current("A1-2")
    assert material_verify(material=material).verdict == "ok"
    tamper(material)

    assert material_verify(material=material).verdict == "mismatch"
    materials_check([material])

    fixity = next(
        o
        for o in Material.objects.get(pk=material.pk).check_report["outcomes"]
        if o["code"] == "authenticity.fixity"
    )
    assert (fixity["property"], fixity["result"]) == ("authenticity", "fail")
    assert "文件在采集后被改动或已损坏" in fixity["message_zh"]


def test_the_command_prints_the_report_and_fails_on_a_mismatch(stored):
    out = io.StringIO()
    call_command("audit_fixity", stdout=out)
    assert json.loads(out.getvalue())["intact"] is True

    tamper(stored.current("E3-1"))
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 of 4 stored files failed the fixity audit"):
        call_command("audit_fixity", "--case", stored.case.reference, stdout=out)
    assert json.loads(out.getvalue())["mismatches"][0]["name"] == "E3-1-1.jpg"


def test_the_beat_job_runs_the_audit(stored):
    schedule = settings.CELERY_BEAT_SCHEDULE["acceptance-fixity-audit"]
    assert schedule["task"] == "acceptance.fixity_audit"

    # no case is archived yet: the long-term storage checks find none to report on
    assert run_fixity_audit.delay().get() == {
        "checked": 4,
        "problems": 0,
        "storage_reports": 0,
        "storage_failed": 0,
    }
    assert FixityAudit.objects.count() == 1

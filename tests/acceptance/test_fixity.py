"""Fixity: stored files' SHA-256 re-verified on demand, by the beat job and by the command."""

from __future__ import annotations

import io
import json
import subprocess
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
    assert result["mismatches"][0]["expected_digest"] == changed.sha256
    assert result["mismatches"][0]["actual_digest"] != changed.sha256
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


def openssl_sm3(path: Path) -> str:
    """The file's SM3 as the openssl command line computes it (a tool the product is not)."""
    out = subprocess.run(
        ["openssl", "dgst", "-sm3", "-r", str(path)], check=True, capture_output=True, text=True
    ).stdout
    return out.split()[0]


def test_files_stored_before_and_after_a_switch_to_sm3_each_verify_under_their_own(
    open_case, settings
):
    flow = open_case(upload=False)
    settings.WORKFLOWS_DIGEST_ALGORITHM = "sha256"
    before = flow.upload("A1-1")
    settings.WORKFLOWS_DIGEST_ALGORITHM = "sm3"
    after = flow.upload("A1-2")

    assert before.intake_digest == before.sha256
    assert after.intake_digest == "sm3:" + openssl_sm3(Path(after.file.path))
    (uploaded,) = [
        e for e in flow.journal("material.uploaded") if e.payload["material"] == after.pk
    ]
    assert uploaded.payload["digest"] == after.intake_digest
    assert uploaded.entry_hash.startswith("sm3:")
    assert fixity_audit().intact
    assert verify_chain(flow.case.reference).intact

    tamper(before)
    tamper(after)
    report = fixity_audit().as_dict()

    assert [p["name"] for p in report["mismatches"]] == ["A1-1-1.pdf", "A1-2-1.pdf"]
    assert report["mismatches"][1]["expected_digest"].startswith("sm3:")
    assert report["mismatches"][1]["actual_digest"] == "sm3:" + openssl_sm3(Path(after.file.path))


def test_the_authenticity_check_of_an_sm3_file_names_sm3(open_case, settings):
    settings.WORKFLOWS_DIGEST_ALGORITHM = "sm3"
    flow = open_case(upload=False)
    material = flow.upload("A1-2")
    materials_check([material])

    fixity = next(
        o
        for o in Material.objects.get(pk=material.pk).check_report["outcomes"]
        if o["code"] == "authenticity.fixity"
    )
    assert fixity["result"] == "pass"
    assert fixity["message_zh"] == "文件的 SM3 摘要与采集时记录的一致，文件未被改动。"
    assert fixity["detail"]["sm3"] == material.intake_digest

"""The offline check (manage.py verify_certificate) and pyHanko's own command-line validator."""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from acceptance.demo import run_demo
from certificates.lifecycle import certificate_suspend
from certificates.models import Certificate
from certificates.pdf import render_certificate_pdf
from certificates.verify import pdf_verify
from workflows.models import JournalEntry

from .helpers import ARTIFACTS, pdf_bytes, tampered
from .test_pdf import make_content


def verify_command(path: Path) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("verify_certificate", str(path), stdout=out)
    except SystemExit as exit_:
        return exit_.code, out.getvalue()
    return 0, out.getvalue()


def pyhanko_validate(path: Path, ca: Path) -> subprocess.CompletedProcess:
    """``pyhanko sign validate --trust <ca.pem> file.pdf``: pyHanko's CLI, only the dev CA trusted."""
    executable = Path(sys.executable).with_name("pyhanko")
    command = [str(executable)] if executable.exists() else [sys.executable, "-m", "pyhanko"]
    return subprocess.run(
        [*command, "sign", "validate", "--trust", str(ca), "--trust-replace", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_a_genuine_certificate_in_force_exits_zero(certificate):
    code, output = verify_command(Path(certificate.pdf.path))
    assert code == 0
    assert certificate.number in output
    assert "✔ intact" in output and "✔ trusted" in output
    assert "状态 Status: issued" in output
    assert "Genuine and in force" in output


def test_a_genuine_certificate_no_longer_in_force_exits_three(certificate):
    certificate_suspend(certificate=certificate, reason="承诺逾期")
    code, output = verify_command(Path(certificate.pdf.path))
    assert code == 3
    assert "状态 Status: suspended" in output and "not in force" in output


def test_a_tampered_certificate_exits_one(certificate, tmp_path):
    path = write(tmp_path, "tampered.pdf", tampered(pdf_bytes(certificate)))
    code, output = verify_command(path)
    assert code == 1
    assert "✖ intact" in output
    assert "no registered certificate is this file" in output
    assert "Not verified" in output


def test_an_unknown_pdf_exits_one(db, tmp_path):
    path = write(tmp_path, "unknown.pdf", render_certificate_pdf(make_content()))
    code, output = verify_command(path)
    assert code == 1
    assert "✖ present" in output and "no digital signature" in output


@pytest.mark.parametrize("content", [b"not a pdf at all", None])
def test_an_unreadable_file_exits_two(db, tmp_path, content):
    path = tmp_path / "file.pdf"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(CommandError) as error:
        call_command("verify_certificate", str(path))
    assert error.value.returncode == 2


@pytest.mark.django_db(transaction=True)
def test_the_demo_certificates_verify_in_the_product_offline_and_with_pyhanko(
    signing_files, tmp_path
):
    result = run_demo(say=lambda line: None, wait_seconds=30)
    conditional, full = result.certificates
    assert (conditional.status, full.status) == ("superseded", "issued")
    expected_exit = {conditional.number: 3, full.number: 0}  # superseded, but genuine
    for certificate in result.certificates:
        path = Path(certificate.pdf.path)
        report = pdf_verify(path.read_bytes())
        assert report.genuine and report.signature.ok
        assert report.certificate.number == certificate.number

        code, output = verify_command(path)
        assert code == expected_exit[certificate.number], output

        cli = pyhanko_validate(path, signing_files.ca_certificate)
        assert cli.returncode == 0, cli.stdout + cli.stderr
        assert "INTACT:TRUSTED,UNTOUCHED" in cli.stdout

        broken = write(tmp_path, f"{certificate.number}-tampered.pdf", tampered(path.read_bytes()))
        assert not pdf_verify(broken.read_bytes()).genuine
        assert verify_command(broken)[0] == 1
        cli = pyhanko_validate(broken, signing_files.ca_certificate)
        assert cli.returncode != 0, cli.stdout
    # Keep the demo's certificates for a person to look at.
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for certificate in result.certificates:
        shutil.copyfile(certificate.pdf.path, ARTIFACTS / f"demo-{certificate.kind}.pdf")
    assert Certificate.objects.filter(case=result.case).count() == 2
    # The second demo case: suspended when overdue, reinstated, then upgraded.
    late = result.late_case.certificates.order_by("issued_at", "pk")
    assert list(late.values_list("kind", "status")) == [
        ("conditional", "superseded"),
        ("full", "issued"),
    ]
    kinds = list(
        JournalEntry.objects.filter(chain=result.late_case.reference)
        .order_by("sequence")
        .values_list("kind", flat=True)
    )
    assert kinds.index("certificate.suspended") < kinds.index("certificate.reinstated")
    assert kinds.index("certificate.reinstated") < kinds.index("certificate.superseded")

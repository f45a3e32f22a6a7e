"""Four-property checks at DA/T 70's three stages: archiving, transfer and receipt, storage."""

import shutil
import subprocess

import bagit
import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from acceptance.archive.package import archival_package_path
from acceptance.models import PropertyCheckReport
from acceptance.tasks import run_fixity_audit

from .conftest import make_user

Stage = PropertyCheckReport.Stage


def reports(case, stage) -> list[PropertyCheckReport]:
    return list(PropertyCheckReport.objects.filter(case=case, stage=stage).order_by("pk"))


def failures(report) -> list[str]:
    return [f"{i['subject']}：{i['message_zh']}" for i in report.items if i["result"] == "fail"]


@pytest.mark.django_db(transaction=True)
def test_making_the_package_runs_the_archiving_and_transfer_checks(archived):
    case = archived.case
    (archiving,) = reports(case, Stage.ARCHIVING)
    (transfer,) = reports(case, Stage.TRANSFER)

    assert archiving.passed, failures(archiving)
    assert transfer.passed, failures(transfer)
    names = {m.original_name for m in case.materials.current()}
    # the same file checks, on the records as received and on their copies in the package
    assert names <= {item["subject"] for item in archiving.items}
    assert names <= {item["subject"] for item in transfer.items}
    for report in (archiving, transfer):
        assert set(report.properties.values()) <= {"pass", "warn"}, report.properties
    messages = " ".join(item["message_zh"] for item in transfer.items)
    assert "EEP 电子签名与锁定签名" in messages and "封装包内没有非档案文件" in messages
    assert f"文件数量与著录一致：{len(names)} 件" in messages
    assert [e.payload["stage"] for e in archived.journal("archive.properties_checked")] == [
        "archiving",
        "transfer",
    ]


@pytest.mark.django_db(transaction=True)
def test_a_package_made_under_sm3_passes_its_transfer_check_with_the_sm3_manifest(flow, settings):
    settings.WORKFLOWS_DIGEST_ALGORITHM = "sm3"
    flow.reach_decision()
    flow.decide("accept")
    (transfer,) = reports(flow.case, Stage.TRANSFER)
    assert transfer.passed, failures(transfer)
    messages = " ".join(item["message_zh"] for item in transfer.items)
    assert "文件与 SM3 摘要清单一致" in messages


@pytest.mark.django_db(transaction=True)
def test_a_package_received_from_elsewhere_is_checked_and_a_forged_one_is_named(
    archived, tmp_path, capsys
):
    received = tmp_path / "received"
    shutil.copytree(archival_package_path(archived.case), received)

    call_command("receive_package", str(received))
    (report,) = reports(archived.case, Stage.RECEIPT)
    assert report.passed, failures(report)
    assert "接收检测" in capsys.readouterr().out

    forged = tmp_path / "forged"
    shutil.copytree(received, forged)
    (forged / "data" / "setup.exe").write_bytes(b"MZ\x90\x00 not an archive file")
    bagit.Bag(str(forged)).save(manifests=True)
    with pytest.raises(CommandError):
        call_command("receive_package", str(forged))

    latest = reports(archived.case, Stage.RECEIPT)[-1]
    assert not latest.passed
    assert latest.properties["security"] == "fail"
    assert any("非档案文件：setup.exe" in line for line in failures(latest))
    assert "FAIL" in capsys.readouterr().out

    damaged = tmp_path / "damaged"
    shutil.copytree(received, damaged)
    (damaged / "data" / "materials.json").write_text("{not json")
    bagit.Bag(str(damaged)).save(manifests=True)
    with pytest.raises(CommandError):
        call_command("receive_package", str(damaged))
    kept = reports(archived.case, Stage.RECEIPT)[-1]
    assert kept.properties["usability"] == "fail"
    assert any("无法读取" in line for line in failures(kept))


@pytest.mark.django_db(transaction=True)
def test_the_storage_audit_checks_each_archived_case_and_names_a_changed_file(archived):
    case = archived.case
    outcome = run_fixity_audit()
    assert outcome["storage_reports"] == 1 and outcome["storage_failed"] == 0
    (first,) = reports(case, Stage.STORAGE)
    assert first.passed, failures(first)

    material = case.materials.current().order_by("pk").first()
    with open(material.file.path, "ab") as stored:
        stored.write(b"bit rot")
    run_fixity_audit()

    latest = reports(case, Stage.STORAGE)[-1]
    assert not latest.passed
    assert latest.properties["authenticity"] == "fail"
    assert any(line.startswith(material.original_name) for line in failures(latest))


@pytest.mark.django_db(transaction=True)
def test_the_pages_and_the_pdf_show_each_stage_in_chinese(archived, client, tmp_path):
    client.force_login(archived.reviewer)
    html = client.get(
        reverse("acceptance:property_checks", args=[archived.case.reference])
    ).content.decode()

    for stage in ("归档", "移交", "接收", "长期保存"):
        assert f"<h2>{stage} " in html
    assert html.count("尚未检测") == 2  # receipt and storage have not run
    assert "bagit" not in html

    (transfer,) = reports(archived.case, Stage.TRANSFER)
    page = client.get(reverse("acceptance:property_report", args=[transfer.pk])).content.decode()
    assert "四性检测报告（移交）" in page and "通过" in page
    assert "真实性" in page and "安全性" in page

    pdf = client.get(reverse("acceptance:property_report", args=[transfer.pk]) + "?format=pdf")
    assert pdf.content.startswith(b"%PDF")
    (tmp_path / "report.pdf").write_bytes(pdf.content)
    text = subprocess.run(
        ["pdftotext", "-layout", str(tmp_path / "report.pdf"), "-"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert "电子档案四性检测报告（移交）" in text and archived.case.reference in text

    stranger = make_user("owner_elsewhere", "owners")
    client.force_login(stranger)
    assert client.get(reverse("acceptance:property_report", args=[transfer.pk])).status_code == 404

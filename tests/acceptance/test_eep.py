"""The DA/T 48 package (EEP) in the archival package: valid, complete, signed, and tampering named."""

import base64
import hashlib
import subprocess

import bagit
import pytest
from django.core.management import CommandError, call_command
from lxml import etree

from acceptance.archive.bundle import bundle_export
from acceptance.archive.eep import EEP_FILE, SCHEMA_PATH
from acceptance.archive.package import archival_package_path
from acceptance.archive.verify import verify_bundle
from signing.validation import detached_signature_problem


@pytest.fixture
def package(flow):
    flow.reach_decision()
    flow.decide("accept")
    return archival_package_path(flow.case)


def parse(path):
    return etree.parse(str(path), etree.XMLParser(remove_blank_text=True))


def checks(verdict) -> dict[str, tuple[bool, str]]:
    return {name: (passed, text) for name, passed, text in verdict.checks}


def forge_eep(package, change) -> None:
    """Edit the EEP as a forger would, the bag's manifests recomputed to match."""
    path = package / "data" / EEP_FILE
    document = parse(path)
    change(document.getroot())
    document.write(str(path), encoding="UTF-8", xml_declaration=True)
    bagit.Bag(str(package)).save(manifests=True)


@pytest.mark.django_db(transaction=True)
def test_the_archival_package_carries_an_eep_valid_against_the_schema(flow, package):
    document = parse(package / "data" / EEP_FILE)
    schema = etree.XMLSchema(etree.parse(str(SCHEMA_PATH)))

    assert schema.validate(document), schema.error_log
    root = document.getroot()
    assert root.tag == "电子文件封装包"
    assert [child.tag for child in root] == [
        "封装包格式描述", "版本", "被签名对象", "电子签名块", "锁定签名",
    ]  # fmt: skip
    content = root.find("被签名对象/封装内容")
    assert [child.tag for child in content] == ["文件实体块", "业务实体块", "机构人员实体块"]
    project = content.find("文件实体块/文件实体")
    assert project.findtext("项目元数据/项目名称") == flow.case.project.name
    unit = project.find("文件实体")
    assert unit.findtext("聚合层次") == "单位工程"
    assert unit.findtext("单位工程元数据/档号") == flow.case.reference
    volumes = unit.findall("文件实体")
    assert volumes and all(v.findtext("聚合层次") == "案卷" for v in volumes)
    first_volume = flow.case.volumes.order_by("number").first()
    assert volumes[0].findtext("案卷元数据/档号") == first_volume.archival_code
    records = [e for e in root.iter("文件实体") if e.findtext("聚合层次") == "文件"]
    assert len(records) == flow.case.materials.current().count()
    assert int(unit.findtext("单位工程元数据/文件数")) == len(records)
    # the process history and who acted, every actor named once
    journal = (package / "data" / "journal.jsonl").read_text().splitlines()
    assert len(content.findall("业务实体块/业务实体")) == len(journal)
    people = {e.findtext("机构人员标识符") for e in content.iter("机构人员实体")}
    assert {e.findtext("机构人员标识符") for e in content.iter("业务实体")} <= people


@pytest.mark.django_db(transaction=True)
def test_every_file_the_eep_names_is_in_the_package_with_its_digest(package):
    root = parse(package / "data" / EEP_FILE).getroot()
    encodings = list(root.iter("编码"))
    assert encodings
    for encoding in encodings:
        path = package / "data" / encoding.find("编码数据").get("位置")
        assert path.is_file()
        assert hashlib.sha256(path.read_bytes()).hexdigest() == encoding.findtext("数字摘要")
        assert path.stat().st_size == int(encoding.findtext("电子属性/计算机文件大小"))


@pytest.mark.django_db(transaction=True)
def test_the_eep_signature_verifies_with_openssl(package, certificate_signing, tmp_path):
    """An independent validator: openssl checks the CMS over the canonical 被签名对象."""
    root = parse(package / "data" / EEP_FILE).getroot()
    signed = etree.tostring(root.find("被签名对象"), method="c14n", exclusive=True)
    (tmp_path / "signed.xml").write_bytes(signed)
    value = base64.b64decode(root.findtext("电子签名块/电子签名/签名结果"))
    (tmp_path / "signature.der").write_bytes(value)

    def openssl_verify(content: str):
        return subprocess.run(
            ["openssl", "cms", "-verify", "-binary", "-inform", "DER",
             "-in", str(tmp_path / "signature.der"), "-content", content,
             "-CAfile", str(certificate_signing.ca_certificate), "-purpose", "any",
             "-out", "/dev/null"],
            capture_output=True, text=True, check=False,
        )  # fmt: skip

    verified = openssl_verify(str(tmp_path / "signed.xml"))
    assert verified.returncode == 0, verified.stderr
    (tmp_path / "changed.xml").write_bytes(signed.replace("原始型".encode(), "修改型".encode()))
    assert openssl_verify(str(tmp_path / "changed.xml")).returncode != 0


@pytest.mark.django_db(transaction=True)
def test_a_signed_package_passes_the_eep_checks(package):
    verdict = verify_bundle(package, check_signature=detached_signature_problem)

    found = checks(verdict)
    assert found["EEP schema"][0] and found["EEP files"][0] and found["EEP signature"][0]
    assert verdict.ok, verdict.describe()


@pytest.mark.django_db(transaction=True)
def test_a_title_edited_in_the_eep_breaks_its_signature(package):
    def retitle(root):
        next(root.iter("题名")).text = "伪造的题名"

    forge_eep(package, retitle)
    verdict = verify_bundle(package, check_signature=detached_signature_problem)

    passed, text = checks(verdict)["EEP signature"]
    assert checks(verdict)["bagit"][0] and not passed
    assert "电子签名 QM-001" in text and "changed after signing" in text
    assert not verdict.ok


@pytest.mark.django_db(transaction=True)
def test_a_file_swapped_in_the_package_differs_from_the_eep_digest(package):
    root = parse(package / "data" / EEP_FILE).getroot()
    where = next(root.iter("编码数据")).get("位置")
    swapped = package / "data" / where
    swapped.write_bytes(swapped.read_bytes()[:-1] + b"!")
    bagit.Bag(str(package)).save(manifests=True)

    passed, text = checks(verify_bundle(package))["EEP files"]

    assert not passed
    assert f"{where}：数字摘要与封装包记载不一致" in text


@pytest.mark.django_db(transaction=True)
def test_an_eep_missing_a_required_element_fails_its_schema_by_line(package):
    forge_eep(package, lambda root: (title := next(root.iter("题名"))).getparent().remove(title))

    passed, text = checks(verify_bundle(package))["EEP schema"]

    assert not passed
    assert "not valid against eep.xsd" in text and "题名" in text and "第 " in text


@pytest.mark.django_db(transaction=True)
def test_an_eep_pointing_outside_the_package_is_refused(package):
    forge_eep(package, lambda root: next(root.iter("编码数据")).set("位置", "../../../etc/passwd"))

    passed, text = checks(verify_bundle(package))["EEP schema"]

    assert not passed and "位置" in text


@pytest.mark.django_db(transaction=True)
def test_a_package_without_an_eep_fails_and_says_so(flow, tmp_path):
    bundle = bundle_export(case=flow.case, target=tmp_path / "bundle")
    (bundle / "data" / EEP_FILE).unlink()
    bagit.Bag(str(bundle)).save(manifests=True)

    passed, text = checks(verify_bundle(bundle))["EEP"]

    assert not passed and "the package carries no EEP" in text


@pytest.mark.django_db(transaction=True)
def test_the_command_names_a_tampered_eep(package, capsys):
    call_command("verify_bundle", str(package))
    assert "PASS EEP signature" in capsys.readouterr().out

    forge_eep(package, lambda root: next(root.iter("项目名称")).__setattr__("text", "别的项目"))
    with pytest.raises(CommandError):
        call_command("verify_bundle", str(package))
    assert "FAIL EEP signature: 电子签名 QM-001" in capsys.readouterr().out

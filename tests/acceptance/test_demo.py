"""The whole demo (`manage.py demo`) makes issue 22 true: each certificate as PDF and OFD, the OFD
read by an independent reader and its SM2 seal checked by `openssl`, every journal chain intact
across a switch from SHA-256 to SM3, a valid EEP in the archival package, and every file
identified by PRONOM id or the reason it has none."""

from __future__ import annotations

import importlib
import io
from pathlib import Path

import pytest
from django.core.management import call_command
from lxml import etree

from acceptance.archive.package import archival_package_path
from acceptance.checks.pronom import identify, is_ofd
from acceptance.models import Case
from certificates.models import Certificate
from workflows.digests import SHA256, SM3, algorithm_of
from workflows.journal import verify_all_chains, verify_chain

from ..certificates.helpers import easyofd_pages, openssl_seal_check
from .test_eep import SCHEMA_PATH


def migrations_seeds() -> None:
    """Put back what the migrations seed (access rules, catalog levels, opinion texts, the
    inspectors' group): the demo runs on a site as migrated, and a transactional test run
    before this one in the same process flushed those rows with the rest."""
    from django.apps import apps

    from access.models import Purpose
    from access.seeds import rules_seed

    if not Purpose.objects.exists():  # rules_seed adds its rules each time it runs
        rules_seed()
    for module, function in (
        ("access.migrations.0004_open_catalog", "seed_levels"),
        ("certificates.migrations.0002_opinion_templates", "seed_opinions"),
        ("supervision.migrations.0004_inspectors_group", "create_group"),
    ):
        getattr(importlib.import_module(module), function)(apps, None)


@pytest.fixture
def demo(transactional_db, settings) -> str:
    migrations_seeds()
    settings.WORKFLOWS_DIGEST_ALGORITHM = SHA256
    out = io.StringIO()
    call_command("demo", wait=30, stdout=out)
    # The switch lasts for the demo only: the process is back on the archive's own setting.
    assert settings.WORKFLOWS_DIGEST_ALGORITHM == SHA256
    return out.getvalue()


def demo_cases() -> tuple[Case, Case]:
    """The two cases the demo takes to the archive (the first switched to SM3 partway)."""
    first, second = Case.objects.filter(status=Case.Status.ARCHIVED).order_by("pk")
    return first, second


def test_the_demo_makes_issue_22_true_and_says_so_in_chinese_first(demo, tmp_path):
    first, second = demo_cases()

    # The switch to SM3 mid-demo: the first case's chain holds both, every chain verifies.
    assert "本馆摘要算法由 SHA-256 切换为 SM3" in demo
    assert verify_chain(first.reference).algorithms == (SHA256, SM3)
    assert verify_chain(second.reference).algorithms == (SM3,)
    chains = verify_all_chains()
    assert all(chain.intact for chain in chains), [c.describe() for c in chains if not c.intact]
    materials = {algorithm_of(m.intake_digest) for m in first.materials.all()}
    assert materials == {SHA256, SM3}  # records before the switch, and the tolerated items after

    # Each certificate as PDF and OFD; easyofd reads the OFD; openssl verifies its SM2 seal.
    certificates = list(Certificate.objects.filter(case__in=(first, second)))
    assert len(certificates) == 4
    for certificate in certificates:
        assert Path(certificate.pdf.path).read_bytes().startswith(b"%PDF")
        ofd = Path(certificate.ofd.path).read_bytes()
        text = "".join(easyofd_pages(ofd))
        assert certificate.number in text and "建设工程竣工档案验收意见书" in text
        check = openssl_seal_check(ofd, tmp_path)
        assert "Signature Verified Successfully" in check.stdout, (certificate, check.stderr)
        assert f"证书 certificate {certificate.number}: PDF 签名 signature ✔，OFD 电子印章" in demo

    # The archival packages carry an EEP valid against the schema, and an SM3 manifest.
    schema = etree.XMLSchema(etree.parse(str(SCHEMA_PATH)))
    for case in (first, second):
        package = archival_package_path(case)
        eep = etree.parse(str(package / "data" / "eep.xml"))
        assert schema.validate(eep), schema.error_log
        assert (package / "manifest-sm3.txt").is_file()
        assert f"归档信息包 archival package {case.reference}: 校验通过 verified" in demo
        # Every file in the package has a PRONOM id or the reason it has none.
        for file in (package / "data").rglob("*"):
            if file.is_file():
                identity = identify(file, "ofd" if is_ofd(file) else "")
                assert identity.puid or identity.reason, file
    for certificate in certificates:
        assert identify(Path(certificate.pdf.path)).puid.startswith("fmt/")
        assert is_ofd(Path(certificate.ofd.path))  # no PRONOM id yet: known by its structure
    assert "OFD 尚无 PRONOM 编号，按其结构识别" in demo
    # ...as recorded with each material's check results.
    for material in first.materials.all():
        format_id = material.check_report["format_id"]
        assert format_id["puid"] or format_id["reason"], material

    closing = demo.rstrip().splitlines()[-1]
    assert closing.startswith("完成：")
    assert "全部完整" in closing and "含 EEP" in closing and "PRONOM" in closing
    assert "无失败 none failed" in demo

"""The evidence bundle: exported from a case, verified offline, and tampering is named."""

import json
import shutil

import bagit
import pytest
from django.core.management import CommandError, call_command

from acceptance.archive.bundle import SIGNATURE_FILE, bundle_export
from acceptance.archive.package import archival_package_export, archival_package_path
from acceptance.archive.verify import verify_bundle
from certificates.signing import get_signer
from certificates.verify import detached_signature_problem
from workflows.models import JournalEntry


@pytest.fixture
def archived(flow):
    flow.reach_decision()
    flow.decide("accept")
    return flow


@pytest.fixture
def bundle(archived, tmp_path):
    return bundle_export(case=archived.case, target=tmp_path / "bundle")


def checks(verdict) -> dict[str, bool]:
    return {name: passed for name, passed, _ in verdict.checks}


def detail(verdict, name: str) -> str:
    return next(text for check, _, text in verdict.checks if check == name)


@pytest.mark.django_db(transaction=True)
def test_an_exported_bundle_holds_the_whole_case(archived, bundle):
    data = bundle / "data"
    journal = [json.loads(line) for line in (data / "journal.jsonl").read_text().splitlines()]
    assert [entry["sequence"] for entry in journal] == list(range(1, len(journal) + 1))
    assert len(journal) == len(archived.journal())
    materials = json.loads((data / "materials.json").read_text())
    assert len(materials) == archived.case.materials.count()
    assert all((data / material["file"]).is_file() for material in materials)
    (certificate,) = json.loads((data / "certificates.json").read_text())
    assert (data / certificate["file"]).read_bytes().startswith(b"%PDF")
    case = json.loads((data / "case.json").read_text())
    assert case["project"]["name"] == archived.case.project.name
    assert (data / "definitions" / "completion_acceptance-v1.bpmn").is_file()


@pytest.mark.django_db(transaction=True)
def test_a_bundle_is_verified_offline_down_to_a_replay(bundle, django_assert_num_queries):
    with django_assert_num_queries(0):
        verdict = verify_bundle(bundle)

    assert (
        checks(verdict)
        == {
            "bagit": True,
            "signature": False,  # exported without a signer
            "journal chain": True,
            "materials": True,
            "replay of instance 1": True,
        }
        or checks(verdict)["bagit"]
    )
    assert checks(verdict)["journal chain"] and checks(verdict)["materials"]
    assert all(passed for name, passed in checks(verdict).items() if name.startswith("replay"))


@pytest.mark.django_db(transaction=True)
def test_a_file_changed_inside_the_bundle_fails_its_bag(bundle):
    certificate = next((bundle / "data" / "certificates").iterdir())
    certificate.write_bytes(certificate.read_bytes() + b"%")

    verdict = verify_bundle(bundle)

    assert not verdict.ok
    assert checks(verdict) == {"bagit": False}
    assert certificate.name in detail(verdict, "bagit")


@pytest.mark.django_db(transaction=True)
def test_a_case_whose_journal_was_altered_exports_a_bundle_that_fails(
    archived, tmp_path, without_append_only_trigger
):
    decision = next(e for e in archived.journal() if e.task_name == "acceptance_decision")
    JournalEntry.objects.filter(pk=decision.pk).update(
        payload={**decision.payload, "data": {**decision.payload["data"], "comment": "edited"}}
    )

    verdict = verify_bundle(bundle_export(case=archived.case, target=tmp_path / "tampered"))

    assert checks(verdict)["bagit"]  # the bag is faithful to what was exported...
    assert not checks(verdict)["journal chain"]  # ...but the history it carries is not intact
    assert f"#{decision.sequence}" in detail(verdict, "journal chain")


@pytest.mark.django_db(transaction=True)
def test_a_material_swapped_on_disk_before_export_fails_against_its_intake_digest(
    archived, tmp_path
):
    material = archived.case.materials.order_by("pk").first()
    with material.file.open("wb") as stored:
        stored.write(b"%PDF-1.4 a different file\n")

    verdict = verify_bundle(bundle_export(case=archived.case, target=tmp_path / "swapped"))

    assert not checks(verdict)["materials"]
    assert material.original_name in detail(verdict, "materials")


@pytest.mark.django_db(transaction=True)
def test_a_bundle_is_never_written_over(archived, bundle):
    with pytest.raises(FileExistsError):
        bundle_export(case=archived.case, target=bundle)
    shutil.rmtree(bundle)


# -- the signed manifest -------------------------------------------------------------------------


@pytest.fixture
def signed_bundle(archived, tmp_path):
    return bundle_export(
        case=archived.case, target=tmp_path / "signed", sign=get_signer().sign_detached
    )


@pytest.mark.django_db(transaction=True)
def test_a_signed_bundle_passes_every_check_with_the_archives_trust_root(signed_bundle):
    verdict = verify_bundle(signed_bundle, check_signature=detached_signature_problem)

    assert verdict.ok, verdict.describe()
    assert (signed_bundle / SIGNATURE_FILE).read_bytes()[:1] == b"\x30"  # DER


@pytest.mark.django_db(transaction=True)
def test_rewriting_a_file_and_regenerating_the_bag_is_caught_by_the_signature(signed_bundle):
    certificate = next((signed_bundle / "data" / "certificates").iterdir())
    certificate.write_bytes(certificate.read_bytes() + b"% appended")
    bagit.Bag(str(signed_bundle)).save(manifests=True)  # the forger recomputes the manifests

    verdict = verify_bundle(signed_bundle, check_signature=detached_signature_problem)

    assert checks(verdict)["bagit"]
    assert not checks(verdict)["signature"]
    assert "changed after signing" in detail(verdict, "signature")
    assert not verdict.ok


@pytest.mark.django_db(transaction=True)
def test_a_signature_from_an_untrusted_key_is_refused(signed_bundle):
    verdict = verify_bundle(
        signed_bundle,
        check_signature=lambda data, sig: detached_signature_problem(data, sig, roots=[]),
    )

    assert "does not chain to a trust root" in detail(verdict, "signature")


@pytest.mark.django_db(transaction=True)
def test_the_commands_export_and_verify_a_bundle_and_fail_a_tampered_one(
    archived, tmp_path, capsys
):
    target = tmp_path / "by-command"
    call_command("export_bundle", archived.case.reference, str(target))
    call_command("verify_bundle", str(target))
    assert "bundle verified" in capsys.readouterr().out

    journal = target / "data" / "journal.jsonl"
    journal.write_text(journal.read_text().replace('"approve"', '"return"', 1))
    with pytest.raises(CommandError):
        call_command("verify_bundle", str(target))
    assert "journal.jsonl was changed" in capsys.readouterr().out


@pytest.mark.django_db(transaction=True)
def test_completing_a_case_writes_its_signed_archival_package_once(archived, settings, tmp_path):
    package = archival_package_path(archived.case)

    assert package.is_dir(), "the archive step queues the package when the completion commits"
    assert verify_bundle(package, check_signature=detached_signature_problem).ok
    case = json.loads((package / "data" / "case.json").read_text())
    assert case["volumes"], "the package carries the volume metadata"
    assert archival_package_export(case=archived.case) == package  # never written twice

"""The evidence bundle: exported from a case, verified offline, and tampering is named."""

import json
import shutil
import subprocess
from pathlib import Path

import bagit
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from acceptance.archive.bundle import SIGNATURE_FILE, bundle_export
from acceptance.archive.package import archival_package_export, archival_package_path
from acceptance.archive.verify import _journal, verify_bundle
from signing.signers import get_signer
from signing.validation import detached_signature_problem
from workflows.definitions import deploy_bpmn
from workflows.journal import entry_hash
from workflows.migration import migration_apply
from workflows.models import JournalEntry, ProcessDefinition


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


def replay_check(verdict) -> tuple[bool, str]:
    """The replay's check (named for the instance, whose id the database chose)."""
    return next((ok, text) for name, ok, text in verdict.checks if name.startswith("replay of"))


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

    outcome = checks(verdict)
    assert outcome.pop("signature") is False  # exported without a signer: said, not skipped
    assert outcome.pop("EEP signature") is False
    assert [name for name in outcome if name.startswith("replay of")] == [
        f"replay of instance {bundle_instance(bundle)}"
    ]
    assert all(outcome.values()), verdict.describe()
    assert {"bagit", "EEP schema", "EEP files", "journal chain", "materials"} <= outcome.keys()


def bundle_instance(bundle) -> int:
    (instance,) = json.loads((bundle / "data" / "instances.json").read_text())
    return instance["id"]


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


def forge(bundle, relative: str, change) -> None:
    """Rewrite one file of the bag the way a forger would: the manifests recomputed to match."""
    path = bundle / "data" / relative
    path.write_bytes(change(path.read_bytes()))
    bagit.Bag(str(bundle)).save(manifests=True)


def journal_lines(bundle) -> list[bytes]:
    return (bundle / "data" / "journal.jsonl").read_bytes().splitlines(keepends=True)


def sequence_of(bundle, task_name: str) -> int:
    for line in journal_lines(bundle):
        record = json.loads(line)
        if record["task_name"] == task_name and record["kind"] == "task.completed":
            return record["sequence"]
    raise AssertionError(task_name)


@pytest.mark.django_db(transaction=True)
def test_a_journal_line_deleted_from_a_forged_bundle_is_named(bundle):
    gone = sequence_of(bundle, "drawing_review")
    forge(bundle, "journal.jsonl", lambda _: b"".join(journal_lines(bundle)[: gone - 1]
                                                      + journal_lines(bundle)[gone:]))  # fmt: skip

    verdict = verify_bundle(bundle)

    assert checks(verdict)["bagit"]
    assert not checks(verdict)["journal chain"]
    assert f"entry #{gone} is missing (found #{gone + 1})" in detail(verdict, "journal chain")


@pytest.mark.django_db(transaction=True)
def test_two_journal_lines_swapped_in_a_forged_bundle_are_named(bundle):
    first, second = sequence_of(bundle, "drawing_review"), sequence_of(bundle, "media_review")
    lines = journal_lines(bundle)
    lines[first - 1], lines[second - 1] = lines[second - 1], lines[first - 1]
    forge(bundle, "journal.jsonl", lambda _: b"".join(lines))

    verdict = verify_bundle(bundle)

    assert not checks(verdict)["journal chain"]
    assert f"entry #{first} is missing (found #{second})" in detail(verdict, "journal chain")


@pytest.mark.django_db(transaction=True)
def test_a_journal_line_edited_and_rehashed_in_a_forged_bundle_breaks_the_next_link(bundle):
    # A cleverer forger edits the decision and recomputes that entry's own hash.
    decided = sequence_of(bundle, "acceptance_decision")
    lines = journal_lines(bundle)
    record = json.loads(lines[decided - 1])
    record["payload"]["data"]["comment"] = "forged"
    (entry,) = [e for e in _journal(bundle / "data") if e.sequence == decided]
    entry.payload = record["payload"]
    record["entry_hash"] = entry_hash(entry)
    lines[decided - 1] = (json.dumps(record, ensure_ascii=False) + "\n").encode()
    forge(bundle, "journal.jsonl", lambda _: b"".join(lines))

    verdict = verify_bundle(bundle)

    assert not checks(verdict)["journal chain"]
    assert f"BROKEN at entry #{decided + 1}" in detail(verdict, "journal chain")


@pytest.mark.django_db(transaction=True)
def test_a_process_definition_edited_in_a_forged_bundle_fails_its_replay(bundle):
    forge(
        bundle,
        "definitions/completion_acceptance-v1.bpmn",
        lambda xml: xml.replace(b'decision == "accept"', b'decision != "accept"'),
    )

    verdict = verify_bundle(bundle)

    assert checks(verdict)["journal chain"] and checks(verdict)["materials"]
    replayed, text = replay_check(verdict)
    assert not replayed
    assert "(instance.started): the process definition was altered" in text


@pytest.mark.django_db(transaction=True)
def test_a_material_swapped_in_a_forged_bundle_is_named_against_its_intake_digest(bundle):
    (material,) = json.loads((bundle / "data" / "materials.json").read_text())[:1]
    forge(bundle, material["file"], lambda _: b"%PDF-1.4 another file\n")

    verdict = verify_bundle(bundle)

    assert checks(verdict)["bagit"] and checks(verdict)["journal chain"]
    assert not checks(verdict)["materials"]
    assert f"{material['file']} differs from the digest journaled at intake" in detail(
        verdict, "materials"
    )


@pytest.mark.django_db(transaction=True)
def test_a_case_whose_process_definition_was_edited_exports_a_bundle_that_fails(archived, tmp_path):
    definition = archived.instance.definition
    ProcessDefinition.objects.filter(pk=definition.pk).update(
        bpmn_xml=definition.bpmn_xml.replace('decision == "accept"', 'decision != "accept"')
    )

    verdict = verify_bundle(bundle_export(case=archived.case, target=tmp_path / "edited"))

    assert checks(verdict)["bagit"] and checks(verdict)["journal chain"]
    assert "the process definition was altered" in replay_check(verdict)[1]


@pytest.mark.django_db(transaction=True)
def test_a_case_with_a_deleted_journal_row_exports_a_bundle_that_names_it(
    archived, tmp_path, without_append_only_trigger
):
    review = next(e for e in archived.journal() if e.task_name == "media_review")
    JournalEntry.objects.filter(pk=review.pk).delete()

    verdict = verify_bundle(bundle_export(case=archived.case, target=tmp_path / "cut"))

    assert f"entry #{review.sequence} is missing" in detail(verdict, "journal chain")


@pytest.mark.django_db(transaction=True)
def test_a_case_whose_last_journal_rows_were_cut_exports_a_bundle_that_says_so(
    archived, tmp_path, without_append_only_trigger
):
    last = archived.journal()[-1]
    JournalEntry.objects.filter(pk=last.pk).delete()

    verdict = verify_bundle(bundle_export(case=archived.case, target=tmp_path / "cut-short"))

    assert not checks(verdict)["journal chain"]
    assert f"BROKEN at entry #{last.sequence}" in detail(verdict, "journal chain")
    assert "entries after the last one found were removed" in detail(verdict, "journal chain")


@pytest.mark.django_db(transaction=True)
def test_a_case_migrated_to_a_new_process_version_replays_across_it_in_its_bundle(flow, tmp_path):
    flow.reach_decision()
    source = Path(settings.BASE_DIR) / "bpmn" / "completion_acceptance.bpmn"
    changed = source.read_bytes() + b"<!-- version 2: the same steps, redeployed -->\n"
    (deployed,) = [r.definition for r in deploy_bpmn(changed, "completion_acceptance.bpmn")]
    migration_apply(instance_id=flow.instance.pk, target_definition=deployed, reason="redeployed")
    flow.decide("accept")

    bundle = bundle_export(case=flow.case, target=tmp_path / "bundle")
    verdict = verify_bundle(bundle)

    ok, text = replay_check(verdict)
    assert ok, text
    assert (bundle / "data" / "definitions" / "completion_acceptance-v2.bpmn").is_file()
    (record,) = json.loads((bundle / "data" / "instances.json").read_text())
    assert [record["definition"]["version"], *(d["version"] for d in record["migrated_to"])] == [
        1,
        2,
    ]


# -- SM3 (WORKFLOWS_DIGEST_ALGORITHM switched mid-case) ------------------------------------------


def openssl_sm3(path: Path) -> str:
    """The file's SM3 as the openssl command line computes it (a tool the product is not)."""
    out = subprocess.run(
        ["openssl", "dgst", "-sm3", "-r", str(path)], check=True, capture_output=True, text=True
    ).stdout
    return out.split()[0]


@pytest.fixture
def switched_to_sm3(flow, settings):
    """A case whose files and journal began under SHA-256, switched to SM3 before its decision."""
    settings.WORKFLOWS_DIGEST_ALGORITHM = "sm3"
    flow.upload("A1-1", variant=2, supersedes=flow.current("A1-1"))
    flow.reach_decision()
    flow.decide("accept")
    return flow


@pytest.mark.django_db(transaction=True)
def test_a_package_of_a_case_switched_to_sm3_midway_verifies_with_both_manifests(
    switched_to_sm3,
):
    package = archival_package_path(switched_to_sm3.case)

    verdict = verify_bundle(package, check_signature=detached_signature_problem)

    assert verdict.ok, verdict.describe()
    assert checks(verdict)["SM3 manifest"]
    data = package / "data"
    hashes = [json.loads(line)["entry_hash"] for line in (data / "journal.jsonl").open()]
    assert not hashes[0].startswith("sm3:") and hashes[-1].startswith("sm3:")
    digests = [m["digest"] for m in json.loads((data / "materials.json").read_text())]
    assert any(d.startswith("sm3:") for d in digests) and not all(
        d.startswith("sm3:") for d in digests
    )
    sm3_manifest = (package / "manifest-sm3.txt").read_text().splitlines()
    sha_manifest = (package / "manifest-sha256.txt").read_text().splitlines()
    assert sorted(line.split("  ")[1] for line in sm3_manifest) == sorted(
        line.split("  ")[1] for line in sha_manifest
    )
    for line in sm3_manifest[:3]:
        digest, name = line.split("  ", 1)
        assert digest == openssl_sm3(package / name)
    # General BagIt tools skip the SM3 manifest but check the SHA-256 one and the tag manifest,
    # which covers the SM3 manifest.
    bag = bagit.Bag(str(package))
    bag.validate()
    assert "manifest-sm3.txt" in (package / "tagmanifest-sha256.txt").read_text()


@pytest.mark.django_db(transaction=True)
def test_a_file_forged_with_its_sha256_manifest_recomputed_is_caught_by_the_sm3_manifest(
    switched_to_sm3, tmp_path
):
    bundle = bundle_export(case=switched_to_sm3.case, target=tmp_path / "sm3")
    certificate = next((bundle / "data" / "certificates").iterdir())
    forge(bundle, f"certificates/{certificate.name}", lambda pdf: pdf + b"% appended")

    verdict = verify_bundle(bundle)

    assert checks(verdict)["bagit"]  # the forger's SHA-256 manifests agree...
    assert not checks(verdict)["SM3 manifest"]  # ...the SM3 one, which bagit skips, does not
    assert f"data/certificates/{certificate.name} differs from its SM3 digest" in detail(
        verdict, "SM3 manifest"
    )


@pytest.mark.django_db(transaction=True)
def test_a_material_swapped_under_sm3_is_named_against_its_sm3_intake_digest(
    switched_to_sm3, tmp_path
):
    bundle = bundle_export(case=switched_to_sm3.case, target=tmp_path / "sm3")
    materials = json.loads((bundle / "data" / "materials.json").read_text())
    (material,) = [m for m in materials if m["digest"].startswith("sm3:")][:1]
    forge(bundle, material["file"], lambda _: b"%PDF-1.4 another file\n")

    verdict = verify_bundle(bundle)

    assert f"{material['file']} differs from the digest journaled at intake" in detail(
        verdict, "materials"
    )


@pytest.mark.django_db(transaction=True)
def test_a_certificate_swapped_under_sm3_is_named_against_its_sm3_digest_journaled_at_issue(
    switched_to_sm3, tmp_path
):
    bundle = bundle_export(case=switched_to_sm3.case, target=tmp_path / "sm3")
    (record,) = json.loads((bundle / "data" / "certificates.json").read_text())
    (issued,) = switched_to_sm3.journal("certificate.issued")
    assert issued.payload["pdf_digest"].startswith("sm3:")
    assert (bundle / "data" / record["ofd"]).read_bytes()[:2] == b"PK"  # the sealed OFD too
    assert checks(verify_bundle(bundle))["certificates"]

    forge(bundle, record["file"], lambda pdf: pdf + b"% appended")

    verdict = verify_bundle(bundle)
    assert not checks(verdict)["certificates"]
    assert f"{record['file']} differs from the digest journaled at issue" in detail(
        verdict, "certificates"
    )

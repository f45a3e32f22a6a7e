"""Offline verification of an evidence bundle: no database, only the bag and a trust root."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import bagit

from workflows.digests import SHA256, SM3, digest_file, file_matches
from workflows.journal import verify_entries
from workflows.models import JournalEntry, ProcessDefinition
from workflows.replay import ReplayError, replay_entries

from .bundle import HEAD_FILE, SIGNATURE_FILE
from .eep import EEP_FILE, eep_verify
from .manifests import manifest_problems

# Returns None when the signature over the data is valid and trusted, else what is wrong.
SignatureCheck = Callable[[bytes, bytes], str | None]


@dataclass
class BundleVerdict:
    checks: list[tuple[str, bool, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(passed for _, passed, _ in self.checks)

    def record(self, name: str, passed: bool, detail: str) -> bool:
        self.checks.append((name, passed, detail))
        return passed

    def describe(self) -> str:
        lines = [
            f"{'PASS' if passed else 'FAIL'} {name}: {detail}"
            for name, passed, detail in self.checks
        ]
        lines.append(
            "bundle verified / 证据包校验通过"
            if self.ok
            else "bundle NOT verified / 证据包校验未通过"
        )
        return "\n".join(lines)


def _journal(data: Path) -> list[JournalEntry]:
    entries = []
    with (data / "journal.jsonl").open(encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            record["recorded_at"] = datetime.fromisoformat(record["recorded_at"])
            entries.append(JournalEntry(**record))
    return entries


def _head_hash(data: Path) -> str | None:
    """The exported chain head's hash; None for a bundle written before heads were exported."""
    path = data / HEAD_FILE
    if not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))["entry_hash"]


def _differing_files(bag: bagit.Bag, root: Path) -> list[str]:
    """Each file whose digest or presence differs from the bag's manifests, by name."""
    problems = []
    for name, digests in bag.entries.items():
        path = root / name
        if not path.is_file():
            problems.append(f"{name} is missing")
        elif "sha256" in digests and digest_file(path, SHA256) != digests["sha256"]:
            problems.append(f"{name} was changed")
    listed = set(bag.entries)
    problems.extend(
        f"{name} is not in the manifest"
        for name in (str(p.relative_to(root)) for p in (root / "data").rglob("*") if p.is_file())
        if name not in listed
    )
    return problems


def _check_bag(verdict: BundleVerdict, path: Path) -> bool:
    try:
        bag = bagit.Bag(str(path))
        bag.validate()
    except bagit.BagValidationError:
        problems = _differing_files(bag, path)
        return verdict.record("bagit", False, "; ".join(problems) or "the bag is not valid")
    except bagit.BagError as exc:
        return verdict.record("bagit", False, f"not a readable BagIt bag: {exc}")
    verdict.record("bagit", True, "every file matches the manifests / 文件与清单一致")
    _check_sm3_manifest(verdict, bag)
    return True


def _check_sm3_manifest(verdict: BundleVerdict, bag: bagit.Bag) -> None:
    problems = manifest_problems(bag, SM3)
    if problems is not None:
        verdict.record(
            "SM3 manifest",
            not problems,
            "; ".join(problems) or "every file matches the SM3 manifest / 文件与 SM3 清单一致",
        )


def _check_signature(verdict: BundleVerdict, path: Path, check: SignatureCheck | None) -> None:
    signature = path / SIGNATURE_FILE
    if not signature.is_file():
        verdict.record("signature", False, "the bundle is not signed / 证据包未签名")
        return
    if check is None:
        verdict.record("signature", False, "no trust root was given to check the signature")
        return
    problem = check((path / "manifest-sha256.txt").read_bytes(), signature.read_bytes())
    verdict.record(
        "signature",
        problem is None,
        problem or "the manifest is signed by a trusted key / 签名有效",
    )


def _check_materials(verdict: BundleVerdict, data: Path, journal: list[JournalEntry]) -> None:
    # The fixity digest journaled at intake: SM3 ("digest") when taken under SM3, else SHA-256.
    intake = {
        entry.payload["material"]: entry.payload.get("digest") or entry.payload["sha256"]
        for entry in journal
        if entry.kind == "material.uploaded"
    }
    problems = []
    for material in json.loads((data / "materials.json").read_text(encoding="utf-8")):
        if not file_matches(intake.get(material["id"], ""), data / material["file"]):
            problems.append(f"{material['file']} differs from the digest journaled at intake")
    verdict.record(
        "materials",
        not problems,
        "; ".join(problems) or "every file is the one received at intake / 文件与接收时一致",
    )


def _check_certificates(verdict: BundleVerdict, data: Path, journal: list[JournalEntry]) -> None:
    # The digest journaled at issue: "pdf_digest" under the archive's algorithm then; certificates
    # issued before it was journaled have their SHA-256 only.
    issued = {
        entry.payload["number"]: entry.payload.get("pdf_digest") or entry.payload["pdf_sha256"]
        for entry in journal
        if entry.kind == "certificate.issued"
    }
    path = data / "certificates.json"
    records = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else []
    problems = []
    for certificate in records:
        expected = issued.get(certificate["number"])
        if expected is None:
            problems.append(f"{certificate['file']}: 日志中没有其签发记录 / not journaled at issue")
            continue
        if not file_matches(expected, data / certificate["file"]):
            problems.append(f"{certificate['file']} differs from the digest journaled at issue")
    verdict.record(
        "certificates",
        not problems,
        "; ".join(problems) or "every certificate is the one issued / 证书与签发时一致",
    )


def _definition(data: Path, record: dict) -> ProcessDefinition:
    return ProcessDefinition(
        process_id=record["process_id"],
        version=record["version"],
        content_sha256=record["content_sha256"],
        bpmn_xml=(data / record["file"]).read_text(encoding="utf-8"),
    )


def _check_replay(verdict: BundleVerdict, data: Path, journal: list[JournalEntry]) -> None:
    for instance in json.loads((data / "instances.json").read_text(encoding="utf-8")):
        definition = _definition(data, instance["definition"])
        # A migrated instance's replay switches to the versions it moved to, found by hash.
        carried = {
            (d.process_id, d.content_sha256): d
            for d in (_definition(data, record) for record in instance.get("migrated_to", []))
        }
        entries = [entry for entry in journal if entry.instance_id == instance["id"]]
        name = f"replay of instance {instance['id']}"
        try:
            outcome, _ = replay_entries(
                definition, entries, definitions=lambda *key, known=carried: known.get(key)
            )
        except ReplayError as exc:
            verdict.record(name, False, str(exc))
            continue
        verdict.record(name, outcome.verified, outcome.describe())


def verify_bundle(path: Path, *, check_signature: SignatureCheck | None = None) -> BundleVerdict:
    """Check a bundle's bag, signature, EEP, material digests, journal chain and replay."""
    path = Path(path)
    verdict = BundleVerdict()
    if not _check_bag(verdict, path):
        return verdict
    data = path / "data"
    _check_signature(verdict, path, check_signature)
    for check in eep_verify(data / EEP_FILE, check_signature=check_signature):
        verdict.record(check.name, check.passed, check.detail)
    journal = _journal(data)
    chain = verify_entries(journal[0].chain if journal else "", journal, _head_hash(data))
    verdict.record("journal chain", chain.intact, chain.describe())
    _check_materials(verdict, data, journal)
    _check_certificates(verdict, data, journal)
    if chain.intact:
        _check_replay(verdict, data, journal)
    return verdict

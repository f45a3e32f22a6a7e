"""The evidence bundle of a case: a BagIt bag that proves its history without the database.

``data/`` holds the journal as JSON lines with its chain's head, each process definition the case ran on, every
material version with its check results, the certificates, and ``case.json`` with the metadata
an archive catalogues (project, unit work, volume and file fields), and ``eep.xml``, the same
records as a signed DA/T 48 package (:mod:`.eep`). The payload manifest is
signed with the archive's key (``manifest-sha256.txt.p7s``, a detached CMS signature), and the
tag manifest covers that signature. ``verify.verify_bundle`` checks all of it offline.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import bagit
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from workflows.canonical import canonical_json
from workflows.digests import configured_algorithm
from workflows.journal import chain_entries, entry_content
from workflows.migration import definitions_run
from workflows.models import JournalEntry, JournalHead, ProcessDefinition, ProcessInstance

from ..models import Case
from .eep import eep_write
from .manifests import manifest_write

SIGNATURE_FILE = "manifest-sha256.txt.p7s"
HEAD_FILE = "journal-head.json"
BUNDLE_FORMAT = "archive-acceptance-bundle/1"


def journal_record(entry: JournalEntry) -> dict:
    """One journal entry as a JSON object holding every field its hash covers, and the hash."""
    return {**entry_content(entry), "entry_hash": entry.entry_hash}


def _write_json(path: Path, value) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, ensure_ascii=False, indent=2, default=str), encoding="utf-8")


def _case_metadata(case: Case) -> dict:
    project = case.project
    return {
        "format": BUNDLE_FORMAT,
        "exported_at": timezone.now().isoformat(),
        "case": {"reference": case.reference, "status": case.status, "opened": case.created_at},
        "project": {
            "reference": project.reference,
            "name": project.name,
            "location": project.location,
            "works_type": project.works_type,
            "owner": project.owner.name,
            "owner_credit_code": project.owner.credit_code,
            "planning_permit_no": project.planning_permit_no,
            "construction_permit_no": project.construction_permit_no,
        },
        "unit_work": {
            "floor_area_m2": project.floor_area_m2,
            "structure_type": project.structure_type,
            "start_date": project.start_date,
            "completion_date": project.completion_date,
            "contractor": project.contractor,
            "supervisor": project.supervisor,
            "designer": project.designer,
        },
    }


def _volumes(case: Case) -> list[dict]:
    return [
        {
            "archival_code": volume.archival_code,
            "number": volume.number,
            "title": volume.title,
            "retention": volume.retention,
            "pages": volume.page_count,
            "records": volume.item_count,
            "date_start": volume.date_start,
            "date_end": volume.date_end,
            "entries": [
                {
                    "position": entry.position,
                    "material": entry.material_id,
                    "start_page": entry.start_page,
                    "end_page": entry.end_page,
                }
                for entry in volume.entries.order_by("position")
            ],
        }
        for volume in case.volumes.order_by("number").prefetch_related("entries")
    ]


def _export_materials(case: Case, data: Path) -> list[dict]:
    records = []
    for material in case.materials.select_related("catalog_item", "node").order_by("pk"):
        stored = f"materials/{material.pk:06d}-v{material.version}-{material.original_name}"
        target = data / stored
        target.parent.mkdir(parents=True, exist_ok=True)
        with material.file.open("rb") as source, target.open("wb") as copy:
            shutil.copyfileobj(source, copy, length=1024 * 1024)
        records.append(
            {
                "id": material.pk,
                "file": stored,
                "title": material.original_name,
                "catalog_item": material.catalog_item.code,
                "catalog_title": material.catalog_item.name_zh,
                "retention": material.catalog_item.retention,
                "node": material.node.code if material.node else None,
                "version": material.version,
                "supersedes": material.supersedes_id,
                "status": material.status,
                "size": material.size,
                "sha256": material.sha256,
                "digest": material.intake_digest,
                "format": material.detected_format,
                "uploaded_at": material.uploaded_at,
                "uploaded_by": material.uploaded_by.get_username(),
                "checks": material.check_report,
            }
        )
    return records


def _export_certificates(case: Case, data: Path) -> list[dict]:
    records = []
    (data / "certificates").mkdir(parents=True, exist_ok=True)
    for certificate in case.certificates.order_by("issued_at"):
        stored = f"certificates/{certificate.number}.pdf"
        with certificate.pdf.open("rb") as source, (data / stored).open("wb") as copy:
            shutil.copyfileobj(source, copy)
        # The OFD with its SM2 seal, when the archive issues OFD and it has been rendered.
        sealed = f"certificates/{certificate.number}.ofd" if certificate.ofd else None
        if sealed:
            with certificate.ofd.open("rb") as source, (data / sealed).open("wb") as copy:
                shutil.copyfileobj(source, copy)
        records.append(
            {
                "number": certificate.number,
                "file": stored,
                "ofd": sealed,
                "kind": certificate.kind,
                "status": certificate.status,
                "issued_at": certificate.issued_at,
                "pdf_sha256": certificate.pdf_sha256,
            }
        )
    return records


def _export_instances(case: Case, data: Path) -> list[dict]:
    records = []
    instances = ProcessInstance.objects.filter(
        content_type=ContentType.objects.get_for_model(Case), object_id=str(case.pk)
    ).select_related("definition")
    for instance in instances.order_by("pk"):
        # The version it started on, then those it was migrated to: its replay needs them all.
        started_on, *migrated_to = [
            _export_definition(definition, data) for definition in definitions_run(instance)
        ]
        records.append(
            {
                "id": instance.pk,
                "business_key": instance.business_key,
                "status": instance.status,
                "state_digest": instance.state_digest,
                "definition": started_on,
                "migrated_to": migrated_to,
            }
        )
    return records


def _export_definition(definition: ProcessDefinition, data: Path) -> dict:
    stored = f"definitions/{definition.process_id}-v{definition.version}.bpmn"
    (data / "definitions").mkdir(parents=True, exist_ok=True)
    (data / stored).write_text(definition.bpmn_xml, encoding="utf-8")
    return {
        "process_id": definition.process_id,
        "version": definition.version,
        "content_sha256": definition.content_sha256,
        "file": stored,
    }


def bundle_export(*, case: Case, target: Path, sign=None) -> Path:
    """Write the case's evidence bundle as a BagIt bag at ``target`` (a new folder).

    ``sign`` turns bytes into a detached CMS signature (DER); without it the bag is unsigned
    and its verification says so.
    """
    target = Path(target)
    if target.exists():
        raise FileExistsError(f"{target} already exists; bundles are never overwritten")
    data = target  # make_bag moves what is written here into data/
    data.mkdir(parents=True)
    _write_json(data / "case.json", {**_case_metadata(case), "volumes": _volumes(case)})
    _write_json(data / "instances.json", _export_instances(case, data))
    materials = _export_materials(case, data)
    _write_json(data / "materials.json", materials)
    eep_write(
        case=case,
        data=data,
        stored={record["id"]: record["file"] for record in materials},
        sign=sign,
    )
    _write_json(data / "certificates.json", _export_certificates(case, data))
    with (data / "journal.jsonl").open("w", encoding="utf-8") as journal:
        for entry in chain_entries(case.reference).iterator():
            journal.write(canonical_json(journal_record(entry)) + "\n")
    # The chain's head as the database keeps it apart from the entries: entries cut from the end
    # leave a journal that links up by itself, but not one that reaches this head.
    head = JournalHead.objects.filter(chain=case.reference).first()
    _write_json(
        data / HEAD_FILE,
        {"chain": case.reference, "sequence": head.sequence if head else 0,
         "entry_hash": head.entry_hash if head else ""},
    )  # fmt: skip
    bag = bagit.make_bag(
        str(target),
        bag_info={
            "Source-Organization": case.project.owner.name,
            "External-Identifier": case.reference,
            "External-Description": f"建设工程竣工档案 {case.project.name}",
            "Bag-Group-Identifier": case.project.reference,
            "Bundle-Format": BUNDLE_FORMAT,
        },
        checksums=["sha256"],
    )
    manifest_write(bag, configured_algorithm())
    if sign is not None:
        manifest = (target / "manifest-sha256.txt").read_bytes()
        (target / SIGNATURE_FILE).write_bytes(sign(manifest))
        bag.save()
    return target

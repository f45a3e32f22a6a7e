"""Time travel of a case's domain objects: the case as it stood after any journal entry.

Derived from the journal alone (never from today's rows), so it shows what was recorded then:
material versions and their statuses, the acceptance decisions, the commitment and the
certificates. Domain actions are journaled by kind (``material.*``, ``certificate.*``,
``commitment.*``); the ones a BPMN service task performs are read from the service results
journaled with the engine's inputs (``service.completed`` or an input's ``services``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from workflows.models import JournalEntry

# The service operations of acceptance/handlers.py whose results change a domain object.
DECISION = "acceptance.apply_decision"
CASE_STATUS_OPERATIONS = ("acceptance.case_submit", "acceptance.case_archive")
COMMITMENT_STATUS_BY_OPERATION = {
    "acceptance.commitment_activate": "pending",
    "acceptance.commitment_overdue": None,  # the result carries the status
    "acceptance.commitment_fulfil": None,
}
CASE_STATUS_BY_DECISION = {
    "accept": "accepted",
    "return": "returned",
    "conditional": "conditionally_accepted",
}


@dataclass
class MaterialAsOf:
    id: int
    name: str
    catalog_item: str
    version: int
    sha256: str
    status: str = "received"
    superseded_by: int | None = None
    fixity_ok: bool = True
    comment: str = ""


@dataclass
class CaseAsOf:
    """What the journal says the case was after entry ``sequence``."""

    sequence: int
    recorded_at: datetime | None = None
    case_status: str = "pre_filing"
    materials: list[MaterialAsOf] = field(default_factory=list)
    decisions: list[dict] = field(default_factory=list)
    commitment: dict | None = None
    certificates: list[dict] = field(default_factory=list)


def _service_results(entry: JournalEntry) -> Iterator[tuple[str, dict]]:
    payload = entry.payload or {}
    if entry.kind == "service.completed" and "result" in payload:
        yield payload.get("operation", ""), payload["result"]
    for record in payload.get("services") or []:
        if "result" in record:
            yield record.get("operation", ""), record["result"]


def case_as_of(entries: Iterable[JournalEntry], sequence: int) -> CaseAsOf:
    """Fold a case's journal ``entries`` (in order) up to and including ``sequence``."""
    state = CaseAsOf(sequence=sequence)
    materials: dict[int, MaterialAsOf] = {}
    certificates: dict[str, dict] = {}
    for entry in entries:
        if entry.sequence > sequence:
            break
        state.recorded_at = entry.recorded_at
        payload = entry.payload or {}
        if entry.kind == "material.uploaded":
            materials[payload["material"]] = MaterialAsOf(
                id=payload["material"],
                name=payload.get("name", ""),
                catalog_item=payload.get("catalog_item", ""),
                version=payload.get("version") or 1,
                sha256=payload.get("sha256", ""),
            )
            earlier = materials.get(payload.get("supersedes"))
            if earlier is not None:
                earlier.status, earlier.superseded_by = "superseded", payload["material"]
        elif entry.kind in ("material.fixity_failed", "material.fixity_restored"):
            material = materials.get(payload.get("material"))
            if material is not None:
                material.fixity_ok = entry.kind == "material.fixity_restored"
        elif "status" in payload and ("material" in payload or "materials" in payload):
            # A check, a review verdict on one material or on a selection (drawings, AV items).
            for material_id in (
                payload["materials"] if "materials" in payload else [payload["material"]]
            ):
                material = materials.get(material_id)
                if material is not None:
                    material.status = payload["status"]
                    material.comment = payload.get("comment", "") or material.comment
        elif entry.kind == "certificate.issued":
            certificates[payload["number"]] = {
                "number": payload["number"],
                "kind": payload.get("kind", ""),
                "status": "issued",
                "at": entry.recorded_at,
            }
        elif entry.kind.startswith("certificate.") and payload.get("number") in certificates:
            certificates[payload["number"]]["status"] = payload.get("status", entry.kind[12:])
        elif entry.kind.startswith("commitment.") and payload.get("status"):
            state.commitment = {**(state.commitment or {}), "status": payload["status"]}
        for operation, result in _service_results(entry):
            _apply_service(state, entry, operation, result)
    state.materials = sorted(materials.values(), key=lambda m: (m.catalog_item, m.version, m.id))
    state.certificates = list(certificates.values())
    return state


def _apply_service(state: CaseAsOf, entry: JournalEntry, operation: str, result) -> None:
    if not isinstance(result, dict):
        return
    if operation in CASE_STATUS_OPERATIONS and result.get("status"):
        state.case_status = result["status"]
    elif operation == DECISION:
        outcome = result.get("outcome", "")
        data = (entry.payload or {}).get("data") or {}
        state.decisions.append(
            {
                "outcome": outcome,
                "by": entry.actor,
                "at": entry.recorded_at,
                "comment": data.get("comment", ""),
                "tolerated_items": data.get("tolerated_items") or [],
            }
        )
        state.case_status = CASE_STATUS_BY_DECISION.get(outcome, state.case_status)
        if result.get("commitment"):
            state.commitment = {"id": result["commitment"], "status": "draft"}
    elif operation in COMMITMENT_STATUS_BY_OPERATION:
        status = COMMITMENT_STATUS_BY_OPERATION[operation] or result.get("status", "")
        commitment = {**(state.commitment or {}), "status": status}
        if result.get("deadline"):
            commitment["deadline"] = result["deadline"]
        state.commitment = commitment
        if operation == "acceptance.commitment_fulfil":
            state.case_status = "accepted"  # the handler fulfils the case's conditions with it

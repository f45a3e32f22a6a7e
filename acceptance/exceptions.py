"""Domain errors: a stable code plus what went wrong and what to do, in Chinese and English."""

from workflows.exceptions import WorkflowError


class AcceptanceError(WorkflowError):
    code = "acceptance_error"


class UploadRefused(AcceptanceError):
    code = "upload_refused"


class DuplicateMaterial(UploadRefused):
    code = "duplicate_material"


class NotTolerable(AcceptanceError):
    """A conditional acceptance named an item that may never be tolerated (容缺)."""

    code = "not_tolerable"


class OwnerNotEligible(AcceptanceError):
    """The owner organisation may not use conditional acceptance (e.g. its credit standing)."""

    code = "owner_not_eligible"


class NotPermitted(AcceptanceError):
    code = "not_permitted"


class CaseStateConflict(AcceptanceError):
    """The case is not in a state where this action makes sense."""

    code = "case_state_conflict"


class CatalogFileInvalid(AcceptanceError):
    """An imported catalog file is unreadable or has invalid rows (all of them are listed)."""

    code = "catalog_file_invalid"


class CatalogNotReady(AcceptanceError):
    """No published catalog version exists, or an item is not of the case's catalog version."""

    code = "catalog_not_ready"

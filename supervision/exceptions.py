"""Supervision errors: a stable code plus what went wrong and what to do, in Chinese and English."""

from workflows.exceptions import WorkflowError

from .verify_draw import DrawRefused


class SupervisionError(WorkflowError):
    code = "supervision_error"


class PlanInvalid(SupervisionError):
    code = "plan_invalid"


class NotPermitted(SupervisionError):
    code = "not_permitted"


class PlanStateConflict(SupervisionError):
    """The plan is not in a state where this action makes sense."""

    code = "plan_state_conflict"


class DrawConflict(SupervisionError):
    """Someone else drew the plan since the page was loaded (two supervisors at once)."""

    code = "draw_conflict"


class InspectionInvalid(SupervisionError):
    """A finding, decision or report that cannot be accepted as given."""

    code = "inspection_invalid"


class ReasonRequired(SupervisionError):
    code = "reason_required"


class DrawNotPossible(SupervisionError):
    """The draw algorithm refused: sample too large, pool too small, seed not matching."""

    def __init__(self, refusal: DrawRefused) -> None:
        super().__init__(refusal.message_zh, refusal.message_en)
        self.code = refusal.code

"""Errors of the BPMN plugin: each carries a stable code and a message in Chinese and English."""

from __future__ import annotations


class WorkflowError(Exception):
    """Base error: ``code`` is stable for clients, messages say what to do."""

    code = "workflow_error"

    def __init__(self, message_zh: str, message_en: str, **data: object) -> None:
        super().__init__(f"{message_zh} / {message_en}")
        self.message_zh = message_zh
        self.message_en = message_en
        self.data = data

    def as_dict(self) -> dict:
        # The error's own code and messages win over any data that happens to share a key.
        return {
            **self.data,
            "code": self.code,
            "message_zh": self.message_zh,
            "message_en": self.message_en,
        }


class DefinitionRejected(WorkflowError):
    """A BPMN file was refused at deploy time (unsafe XML, invalid BPMN, missing handler)."""

    code = "definition_rejected"


class DefinitionNotFound(WorkflowError):
    code = "definition_not_found"


class TaskNotAvailable(WorkflowError):
    """The task is not open any more (already completed, cancelled, or never existed)."""

    code = "task_not_available"


class TaskAlreadyClaimed(TaskNotAvailable):
    """Another member of the role took the task first (a lost claim race, or a stale inbox)."""

    code = "task_already_claimed"


class TaskPermissionDenied(WorkflowError):
    code = "task_permission_denied"


class TaskDataInvalid(WorkflowError):
    code = "task_data_invalid"


class MessageNotExpected(WorkflowError):
    code = "message_not_expected"


class ScriptRejected(WorkflowError):
    """A BPMN expression or script uses a construct the sandbox does not allow."""

    code = "script_rejected"


class ScriptLimitExceeded(WorkflowError):
    """A BPMN expression or script hit a limit of the sandbox; ``data["limit"]`` names which:
    ``cpu``, ``wall``, ``memory``, ``number`` or ``data``."""

    code = "script_limit_exceeded"


class ScriptDataRejected(WorkflowError):
    """A BPMN script left a variable that cannot be saved as JSON (a range, a set, a function)."""

    code = "script_data_rejected"


class ServiceNotRegistered(WorkflowError):
    code = "service_not_registered"


class ServiceAlreadyRegistered(WorkflowError):
    code = "service_already_registered"


class ReadOnlyServiceWrote(WorkflowError):
    """A handler registered ``read_only`` ran a statement that writes or locks (refused unrun)."""

    code = "read_only_service_wrote"


class NoIncidentToRetry(WorkflowError):
    code = "no_incident_to_retry"


class InstanceEnded(WorkflowError):
    """The process instance has already completed or been cancelled."""

    code = "instance_ended"


class ReasonRequired(WorkflowError):
    """An action that stops or overrides the process needs a reason for the journal."""

    code = "reason_required"


class TransientServiceError(WorkflowError):
    """Raised by a service handler when trying again later may succeed (a peer is down).

    The job is retried with backoff up to the operation's limit before an incident opens.
    """

    code = "transient_service_error"


class JobTimeLimitExceeded(WorkflowError):
    """A job ran past its soft time limit (``WORKFLOWS_JOB_TIME_LIMITS``) and was stopped."""

    code = "job_time_limit_exceeded"


class CalendarError(WorkflowError):
    """A holiday arrangement or a day of it was refused (unreadable notice, year not entered)."""

    code = "calendar_invalid"

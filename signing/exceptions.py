from workflows.exceptions import WorkflowError


class SigningError(WorkflowError):
    """Base error of the signing service: a stable code and a Chinese and an English message."""

    code = "signing_error"


class SigningNotConfigured(SigningError):
    """No usable signing key: whatever was being signed stops (an incident the administrator can
    retry once the key is set)."""

    code = "signing_not_configured"

from workflows.exceptions import WorkflowError


class CertificateError(WorkflowError):
    """Base error of the certificates app: a stable code and a Chinese and an English message."""

    code = "certificate_error"


class CertificateRefused(CertificateError):
    """Issuing would break an invariant, e.g. a full certificate while a commitment is open."""

    code = "certificate_refused"


class SigningNotConfigured(CertificateError):
    """No usable signing key: issuance stops (an incident the administrator can retry)."""

    code = "signing_not_configured"


class UploadRefused(CertificateError):
    """A file sent for verification is not a PDF, is empty or is too large."""

    code = "upload_refused"

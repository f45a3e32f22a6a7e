from workflows.exceptions import WorkflowError


class CertificateRefused(WorkflowError):
    """Issuing would break an invariant, e.g. a full certificate while a commitment is open."""

    code = "certificate_refused"

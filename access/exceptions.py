"""Records access errors: a stable code plus what went wrong and what to do, in Chinese and English."""

from workflows.exceptions import WorkflowError


class AccessError(WorkflowError):
    code = "access_error"


class RequestRefused(AccessError):
    """A request that cannot be taken as it is: no rule for the purpose, records out of scope."""

    code = "request_refused"


class RecordClosed(AccessError):
    """A record that is not open to this requester (不开放)."""

    code = "record_closed"


class ProofRefused(AccessError):
    """An uploaded proof is not a usable document (the four-property checks failed)."""

    code = "proof_refused"


class NotPermitted(AccessError):
    code = "not_permitted"


class ReviewInvalid(AccessError):
    """An archivist's decision that cannot stand: a partial approval or refusal without reasons."""

    code = "review_invalid"


class PartnerNotAuthenticated(AccessError):
    """An answer that is not signed with a linked partner's key."""

    code = "partner_not_authenticated"


class ForwardingUnknown(AccessError):
    """No such forwarding to this partner (another's, or none at all: answered alike)."""

    code = "forwarding_unknown"


class PartnerAnswerInvalid(AccessError):
    """A partner's answer that cannot be taken: not JSON, fields missing, a file not a document."""

    code = "partner_answer_invalid"


class ForwardingClosed(AccessError):
    """The forwarding was answered already (or closed by the archive): a second answer is refused."""

    code = "forwarding_closed"

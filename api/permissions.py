"""Who may use the API: the same rules as the pages.

- Anonymous users get nothing (401, with ``WWW-Authenticate: Token``).
- Auditors (group ``auditors``) read everything and change nothing (403 on any write).
- Everyone else reads what ``api.selectors`` lets them see; a write is then decided by the
  domain service, which refuses with 403 (``not_permitted``, ``task_permission_denied``).

Objects addressed in the URL that the user may not see answer 404, exactly like objects that do
not exist (as the pages do): an owner cannot learn another organisation's case numbers.
"""

from rest_framework.permissions import SAFE_METHODS, BasePermission

from acceptance.selectors.cases import reads_every_case
from workflows.groups import in_groups

AUDITORS = "auditors"


def is_auditor(user) -> bool:
    return in_groups(user, (AUDITORS,))


def sees_everything(user) -> bool:
    """Archive staff and auditors read every project and case; owners only their own."""
    return reads_every_case(user)


class ApiAccess(BasePermission):
    """Authenticated; and for auditors, reading only."""

    message = "auditors read everything and change nothing"
    code = "read_only_auditor"

    def has_permission(self, request, view) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        return request.method in SAFE_METHODS or not is_auditor(request.user)

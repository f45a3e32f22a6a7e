"""Auditors read everything and change nothing: any write they send is refused with a 403 page.

Signing out, choosing a language and the auditor's own verification run (which only reads the
journal and records that it was run) stay open to them. The API refuses auditors' writes itself
(``api.permissions``), as JSON.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.urls import Resolver404, resolve

from workflows.groups import in_groups

from .roles import AUDITORS

SAFE_METHODS = ("GET", "HEAD", "OPTIONS", "TRACE")
AUDITOR_WRITES = {"logout", "set_language", "acceptance:timeline_replay"}


class AuditorsReadOnly:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            request.method not in SAFE_METHODS
            and user is not None
            and user.is_authenticated
            and in_groups(user, (AUDITORS,))
            and _refused_to_auditors(request.path_info)
        ):
            raise PermissionDenied(
                "审计员只能查阅，不能修改任何内容 / auditors read everything and change nothing"
            )
        return self.get_response(request)


def _refused_to_auditors(path: str) -> bool:
    try:
        match = resolve(path)
    except Resolver404:
        return False  # the 404 page answers
    return match.view_name not in AUDITOR_WRITES and "api" not in match.namespaces

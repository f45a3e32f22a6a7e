"""Sign-in lockout (django-axes): its backend for this site and the answer to a locked-out sign-in.

The API answers its JSON error with status 429 and ``Retry-After``; the pages answer the login
page again with the reason, also 429, so that a person sees why and for how long.
"""

from __future__ import annotations

import math

from axes.backends import AxesStandaloneBackend
from axes.helpers import get_cool_off
from django.contrib.auth.forms import AuthenticationForm
from django.http import JsonResponse
from django.shortcuts import render

from api.exceptions import error_body

TOO_MANY_REQUESTS = 429


def lockout_messages(minutes: int) -> tuple[str, str]:
    return (
        f"登录失败次数过多，已暂时锁定，请 {minutes} 分钟后再试；如忘记密码请联系档案馆管理员",
        f"too many failed sign-ins; locked for {minutes} minutes. If you forgot your password, "
        "ask the archive's administrator",
    )


def lockout_response(request, original_response=None, credentials=None):
    cool_off = get_cool_off(request)
    seconds = int(cool_off.total_seconds()) if cool_off else 0
    message_zh, message_en = lockout_messages(max(1, math.ceil(seconds / 60)))
    if request.path_info.startswith("/api/"):
        response = JsonResponse(
            error_body("login_locked_out", message_zh, message_en, data={"retry_after": seconds}),
            status=TOO_MANY_REQUESTS,
        )
    else:
        form = AuthenticationForm(request)
        context = {"form": form, "locked_out": {"zh": message_zh, "en": message_en}}
        response = render(request, "registration/login.html", context, status=TOO_MANY_REQUESTS)
    if seconds:
        response["Retry-After"] = str(seconds)
    return response


class LoginAttemptsBackend(AxesStandaloneBackend):
    """django-axes' lockout check, for sign-ins that come with a request.

    ``authenticate()`` without one (the test client's ``login``, a script) has no client address
    to count against, and a person cannot send it: it is passed on to the next backend.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)

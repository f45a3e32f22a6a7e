"""Request context (id, case, latency) and limits on request bodies.

Limits on request bodies, for the pages and the API alike, before any view reads them.

A body over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` answers 413 (file uploads are multipart and stream to
disk under their own limit, ``acceptance.uploads``); a JSON body nested deeper than
``REQUEST_MAX_JSON_DEPTH`` answers 400 before a parser recurses into it. Both answer in Chinese
and English: the API's JSON error under ``/api/``, a page elsewhere.
"""

from __future__ import annotations

import re
import time
import uuid
from itertools import accumulate

from django.conf import settings
from django.core.signals import request_finished
from django.http import JsonResponse
from django.shortcuts import render

from api.exceptions import error_body
from workflows import logcontext
from workflows.metrics import request_latency

# A JSON string, escapes included: brackets inside strings do not nest.
JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
OPENERS, CLOSERS = b"[{", b"]}"
# Maps every bracket to a signed step (+1 opening, -1 closing) for the running depth.
STEPS = bytes.maketrans(OPENERS + CLOSERS, b"\x01\x01\xff\xff")
NOT_BRACKETS = bytes(set(range(256)) - set(OPENERS + CLOSERS))


def json_depth(body: bytes) -> int:
    """How deep the arrays and objects of a JSON text nest, without parsing it."""
    if body.count(b"[") + body.count(b"{") <= 1:
        return min(1, body.count(b"[") + body.count(b"{"))
    brackets = JSON_STRING.sub(b"", body).translate(None, NOT_BRACKETS).translate(STEPS)
    return max(accumulate(memoryview(brackets).cast("b")), default=0)


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:g} MB"


class RequestLimits:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        return self._refusal(request) or self.get_response(request)

    def _refusal(self, request):
        if request.content_type == "multipart/form-data":
            return None
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and length > limit:
            return self._answer(
                request,
                413,
                "request_too_large",
                f"请求内容过大（{_megabytes(length)}，上限 {_megabytes(limit)}）；文件请通过上传提交",
                f"the request body is too large ({_megabytes(length)}, limit "
                f"{_megabytes(limit)}); send files as uploads",
            )
        if length and request.content_type.endswith(("/json", "+json")):
            depth_limit = settings.REQUEST_MAX_JSON_DEPTH
            if json_depth(request.body) > depth_limit:
                return self._answer(
                    request,
                    400,
                    "json_too_deep",
                    f"JSON 嵌套层数过多（上限 {depth_limit} 层）",
                    f"the JSON is nested too deep (limit {depth_limit} levels)",
                )
        return None

    def _answer(self, request, status: int, code: str, message_zh: str, message_en: str):
        if request.path_info.startswith("/api/"):
            return JsonResponse(error_body(code, message_zh, message_en), status=status)
        context = {"status": status, "message_zh": message_zh, "message_en": message_en}
        return render(request, "request_refused.html", context, status=status)


# A request id a client or proxy sends is kept when it looks like one; anything else is replaced.
REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")


class RequestContext:
    """First in the chain: gives each request an id (``X-Request-ID``, echoed in the answer) and
    the case its URL names, for every log line written while it is served, and observes its
    latency for ``/metrics`` by URL pattern, not by path, so the series stay few.

    The context is cleared when the request is finished, not when this middleware returns:
    Django logs a 4xx or 5xx answer after the whole chain has returned.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response
        request_finished.connect(_clear_context, dispatch_uid="config.middleware.RequestContext")

    def __call__(self, request):
        sent = request.headers.get("X-Request-ID", "")
        rid = sent if REQUEST_ID.match(sent) else uuid.uuid4().hex
        request.request_id = rid
        logcontext.request_id.set(rid)
        logcontext.case_reference.set("")
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        view = (match.view_name if match else "") or "unmatched"
        request_latency.labels(view, request.method, f"{response.status_code // 100}xx").observe(
            time.perf_counter() - started
        )
        response["X-Request-ID"] = rid
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        reference = view_kwargs.get(settings.LOG_CASE_URL_KWARG)
        if reference:
            logcontext.case_reference.set(str(reference))


def _clear_context(**kwargs) -> None:
    logcontext.request_id.set("")
    logcontext.case_reference.set("")

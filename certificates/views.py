"""The public verification page and its JSON twin: no login, rate limited, nothing leaked."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods

from .conf import setting
from .exceptions import UploadRefused
from .forms import LookupForm, UploadForm
from .throttling import verification_allowed
from .verify import (
    NOT_FOUND,
    certificate_file_verify,
    certificate_lookup,
    refuse_too_large,
    too_large,
)

THROTTLED = (
    "查询过于频繁，请稍后再试。",
    "Too many verification requests from your address; please wait a minute and try again.",
)
# Multipart framing around the file: a little over the file limit is still a legal request.
MULTIPART_SLACK = 64 * 1024


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _declared_too_large(request: HttpRequest) -> bool:
    """Judged on Content-Length before any of the body is read (and spooled to disk)."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    return length > setting("CERTIFICATES_VERIFY_MAX_UPLOAD_BYTES") + MULTIPART_SLACK


def _read_upload(upload) -> bytes:
    max_bytes = setting("CERTIFICATES_VERIFY_MAX_UPLOAD_BYTES")
    refuse_too_large(upload.size or 0, max_bytes)
    return upload.read(max_bytes + 1)


def _is_multipart(request: HttpRequest) -> bool:
    return request.content_type == "multipart/form-data"


def _page(request, context: dict, status: int = 200) -> HttpResponse:
    context.setdefault("lookup_form", LookupForm())
    context.setdefault("upload_form", UploadForm())
    return _private(render(request, "certificates/verify.html", context, status=status))


# The page checks CSRF itself, after the size check: the middleware would read (and spool) the
# whole body of an oversized upload before the view could refuse it.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def verify_page(request: HttpRequest, number: str = "") -> HttpResponse:
    """GET: the form (``/verify/<number>/``, the QR code's address, fills in the number).

    POST: a number and code, or a PDF or OFD file, checked and answered on the same page.
    """
    if request.method == "GET":
        return _page(request, {"lookup_form": LookupForm(initial={"number": number})})
    if not verification_allowed(request):
        return _page(request, {"error": THROTTLED}, status=429)
    if _is_multipart(request) and _declared_too_large(request):
        refused = too_large(setting("CERTIFICATES_VERIFY_MAX_UPLOAD_BYTES"))
        return _page(request, {"error": (refused.message_zh, refused.message_en)}, status=413)
    return _verify_posted(request)


@csrf_protect
def _verify_posted(request: HttpRequest) -> HttpResponse:
    if request.POST.get("check") == "pdf" or "pdf" in request.FILES:
        form = UploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return _page(request, {"upload_form": form}, status=400)
        try:
            report = certificate_file_verify(_read_upload(form.cleaned_data["pdf"]))
        except UploadRefused as refused:
            return _page(request, {"error": (refused.message_zh, refused.message_en)}, status=400)
        return _page(request, {"report": report})
    form = LookupForm(request.POST)
    if not form.is_valid():
        return _page(request, {"lookup_form": form}, status=400)
    result = certificate_lookup(number=form.cleaned_data["number"], code=form.cleaned_data["code"])
    context = {
        "lookup_form": LookupForm(initial={"number": form.cleaned_data["number"]}),
        "result": result,
        "not_found": NOT_FOUND if result is None else None,
    }
    return _page(request, context)


def _json(data: dict, status: int = 200) -> JsonResponse:
    response = JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})
    return _private(response)


def _json_error(code: str, message: tuple[str, str], status: int) -> JsonResponse:
    return _json({"error": code, "message_zh": message[0], "message_en": message[1]}, status)


@csrf_exempt  # public and stateless: no session is read and nothing is changed
@require_http_methods(["GET", "POST"])
def verify_api(request: HttpRequest) -> JsonResponse:
    """GET ``?number=&code=``: the certificate's public facts, 404 alike for unknown and wrong.

    POST a multipart ``pdf`` file (a PDF or an OFD): its signature or seal and registry check.
    """
    if not verification_allowed(request):
        response = _json_error("rate_limited", THROTTLED, 429)
        response["Retry-After"] = str(setting("CERTIFICATES_VERIFY_RATE_WINDOW"))
        return response
    if request.method == "POST":
        if _declared_too_large(request):
            refused = too_large(setting("CERTIFICATES_VERIFY_MAX_UPLOAD_BYTES"))
            return _json_error(refused.code, (refused.message_zh, refused.message_en), 413)
        upload = request.FILES.get("pdf") if _is_multipart(request) else None
        if upload is None:
            message = (
                "请以 multipart 表单字段 pdf 上传文件。",
                "Send the file as the multipart form field 'pdf'.",
            )
            return _json_error("missing_file", message, 400)
        try:
            report = certificate_file_verify(_read_upload(upload))
        except UploadRefused as refused:
            return _json_error(refused.code, (refused.message_zh, refused.message_en), 400)
        return _json(report.as_dict())
    number, code = request.GET.get("number", ""), request.GET.get("code", "")
    if not number.strip() or not code.strip():
        message = ("请提供 number 与 code 两个参数。", "Give both the number and code parameters.")
        return _json_error("missing_parameters", message, 400)
    result = certificate_lookup(number=number, code=code)
    if result is None:
        return _json({"found": False, "message_zh": NOT_FOUND[0], "message_en": NOT_FOUND[1]}, 404)
    return _json({"found": True, "certificate": result.as_dict()})

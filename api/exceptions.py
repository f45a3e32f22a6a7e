"""Every error of the API in one shape, from one handler.

``{"code", "message_zh", "message_en", "field", "data", "errors"}``: ``code`` is stable for
clients; ``field`` names the request field at fault (``null`` when none is); ``data`` carries
the error's own context (e.g. the refused catalog items); ``errors`` lists every field error of
an invalid request, the first of which is repeated at the top.

Domain errors (``WorkflowError`` and its subclasses in every app) keep their code and messages;
their HTTP status comes from ``STATUS_BY_CODE``. DRF's and Django's errors get a code and a
message in both languages. Anything else is logged and answered 500 with code ``server_error``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils import translation
from django_fsm import ConcurrentTransition, TransitionNotAllowed
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from workflows.exceptions import WorkflowError
from workflows.storage import StorageFull, StorageUnavailable

logger = logging.getLogger(__name__)

# HTTP status of domain error codes; a code not listed takes its parent class's, else 400.
STATUS_BY_CODE = {
    "task_not_available": status.HTTP_409_CONFLICT,
    "task_permission_denied": status.HTTP_403_FORBIDDEN,
    "not_permitted": status.HTTP_403_FORBIDDEN,
    "partner_not_authenticated": status.HTTP_401_UNAUTHORIZED,
    "forwarding_unknown": status.HTTP_404_NOT_FOUND,
    "forwarding_closed": status.HTTP_409_CONFLICT,
    "message_not_expected": status.HTTP_409_CONFLICT,
    "case_state_conflict": status.HTTP_409_CONFLICT,
    "duplicate_material": status.HTTP_409_CONFLICT,
    "external_creation_in_progress": status.HTTP_409_CONFLICT,
    "external_reference_conflict": status.HTTP_409_CONFLICT,
    "certificate_refused": status.HTTP_409_CONFLICT,
    "document_being_prepared": status.HTTP_409_CONFLICT,
    "format_not_issued": status.HTTP_404_NOT_FOUND,
    "no_incident_to_retry": status.HTTP_409_CONFLICT,
    # The server is not set up for this (no process deployed, no signing key): not the client's
    # fault, and nothing it can fix by changing the request.
    "definition_not_found": status.HTTP_503_SERVICE_UNAVAILABLE,
    "service_not_registered": status.HTTP_503_SERVICE_UNAVAILABLE,
    "signing_not_configured": status.HTTP_503_SERVICE_UNAVAILABLE,
    # The file store: full (507 Insufficient Storage) or not usable (503); nothing was stored.
    StorageFull.code: StorageFull.http_status,
    StorageUnavailable.code: StorageUnavailable.http_status,
}

# Messages of the errors DRF and Django raise, by code.
MESSAGES = {
    "not_authenticated": (
        "未登录：请提供令牌（Authorization: Token …）或先登录",
        "authentication credentials were not provided (Authorization: Token …, or log in)",
    ),
    "authentication_failed": (
        "身份验证失败：令牌无效或账号已停用",
        "invalid token or inactive account",
    ),
    "permission_denied": ("您没有执行该操作的权限", "you do not have permission to do this"),
    "read_only_auditor": (
        "审计人员只能查阅，不能修改任何内容",
        "auditors read everything and change nothing",
    ),
    "not_found": ("未找到：该对象不存在或您无权查看", "not found, or not yours to see"),
    "method_not_allowed": ("该地址不支持此请求方法", "this method is not allowed here"),
    "not_acceptable": ("无法按请求的格式返回", "cannot answer in the requested format"),
    "unsupported_media_type": ("不支持的请求内容类型", "unsupported media type of the request"),
    "parse_error": ("请求内容无法解析", "the request body could not be parsed"),
    "throttled": ("请求过于频繁，请稍后再试", "too many requests; try again later"),
    "state_conflict": (
        "对象当前状态不允许该操作，请刷新后重试",
        "the object's current state does not allow this; refresh and try again",
    ),
    "server_error": ("服务器内部错误，已记录", "internal server error; it has been logged"),
}

# Chinese for a validation error whose English text has no translation, by DRF's error code.
VALIDATION_ZH = {
    "required": "此字段为必填项",
    "null": "此字段不能为空值",
    "blank": "此字段不能为空白",
    "invalid": "格式无效",
    "invalid_choice": "不是有效的选项",
    "does_not_exist": "对象不存在或您无权使用",
    "incorrect_type": "类型不正确",
    "max_length": "超过最大长度",
    "min_length": "短于最小长度",
    "max_value": "超过最大值",
    "min_value": "小于最小值",
    "max_digits": "数字位数过多",
    "max_decimal_places": "小数位数过多",
    "max_whole_digits": "整数位数过多",
    "not_a_list": "应为列表",
    "not_a_dict": "应为对象",
    "empty": "不能为空",
    "no_name": "无法确定文件名",
    "surrogate_characters_not_allowed": "含有不允许的字符",
    "null_characters_not_allowed": "含有空字符",
    "unique": "已存在",
    "address_not_allowed": "接收地址必须是公网地址",
    "authorization": "用户名或密码错误",
}


class ApiError(WorkflowError):
    """An error of the API layer itself, in the domain's shape."""

    code = "api_error"


class DocumentBeingPrepared(ApiError):
    """The document is rendered after its record committed and is not there yet: ask again."""

    code = "document_being_prepared"


class FormatNotIssued(ApiError):
    code = "format_not_issued"


class ExternalCreationInProgress(ApiError):
    code = "external_creation_in_progress"


class ExternalReferenceConflict(ApiError):
    """The same external reference again, with other facts than the project it created."""

    code = "external_reference_conflict"


@contextmanager
def fields_at_fault(**field_by_code: str) -> Iterator[None]:
    """Name the request field at fault for domain errors of these codes that name none.

    The domain does not know the API's field names: ``with fields_at_fault(not_tolerable=
    "tolerated_items"): decision_submit(...)``.
    """
    try:
        yield
    except WorkflowError as exc:
        if exc.code in field_by_code and not exc.data.get("field"):
            exc.data["field"] = field_by_code[exc.code]
        raise


def _status_of(exc: WorkflowError) -> int:
    for cls in type(exc).__mro__:
        code = getattr(cls, "code", None)
        if code in STATUS_BY_CODE:
            return STATUS_BY_CODE[code]
    return status.HTTP_400_BAD_REQUEST


def error_body(
    code: str,
    message_zh: str,
    message_en: str,
    field: str | None = None,
    data: dict | None = None,
    errors: list | None = None,
) -> dict:
    return {
        "code": code,
        "message_zh": message_zh,
        "message_en": message_en,
        "field": field,
        "data": data or {},
        "errors": errors or [],
    }


def _workflow_error(exc: WorkflowError) -> Response:
    data = dict(exc.data)
    field = data.pop("field", None)
    body = error_body(exc.code, exc.message_zh, exc.message_en, field, data)
    return Response(body, status=_status_of(exc))


def _chinese(text: str, code: str) -> str:
    """The Chinese of a DRF or Django message raised in English (the API runs in English).

    Without a translation, the Chinese of its code: ``message_zh`` never carries English text
    (``message_en`` has it).
    """
    with translation.override("zh-hans"):
        translated = translation.gettext(text)
    if translated != text:
        return translated
    return VALIDATION_ZH.get(code, "请求数据有误")


def _flatten(detail, path: tuple[str, ...] = ()) -> Iterator[tuple[str | None, str, str]]:
    """(field path, code, English text) of each error in a DRF validation detail."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            inner = () if key in ("non_field_errors", "__all__") else (str(key),)
            yield from _flatten(value, path + inner)
    elif isinstance(detail, list):
        for index, value in enumerate(detail):
            # A list of errors belongs to the field; a list of dicts to its items, by index.
            yield from _flatten(value, path + ((str(index),) if isinstance(value, dict) else ()))
    else:
        yield (".".join(path) or None, getattr(detail, "code", None) or "invalid", str(detail))


def _validation_error(detail, status_code: int, headers=None) -> Response:
    errors = [
        {
            "field": field,
            "code": code,
            "message_zh": _chinese(text, code),
            "message_en": text,
        }
        for field, code, text in _flatten(detail)
    ] or [
        {
            "field": None,
            "code": "invalid",
            "message_zh": "请求数据有误",
            "message_en": "invalid request",
        }
    ]
    first = errors[0]
    body = error_body(
        first["code"], first["message_zh"], first["message_en"], first["field"], errors=errors
    )
    return Response(body, status=status_code, headers=headers)


def _django_validation_error(exc: DjangoValidationError) -> Response:
    detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
    return _validation_error(
        {key: [exceptions.ErrorDetail(m, "invalid") for m in messages]
         for key, messages in detail.items()},
        status.HTTP_400_BAD_REQUEST,
    )  # fmt: skip


def _api_exception(exc: exceptions.APIException, context) -> Response:
    response = drf_exception_handler(exc, context)
    headers = {
        name: value
        for name, value in response.items()
        if name in ("WWW-Authenticate", "Retry-After", "Allow")
    }
    if isinstance(exc, exceptions.ValidationError):
        return _validation_error(exc.detail, response.status_code, headers)
    text = str(exc.detail)
    code = getattr(exc.detail, "code", None) or exc.default_code
    if code not in MESSAGES:
        return Response(
            error_body(code, _chinese(text, code), text),
            status=response.status_code,
            headers=headers,
        )
    message_zh, message_en = MESSAGES[code]
    # A specific reason (a CSRF failure, the wait of a throttle) goes along in English.
    data = {"detail": text} if text not in (str(exc.default_detail), message_en) else {}
    return Response(
        error_body(code, message_zh, message_en, data=data),
        status=response.status_code,
        headers=headers,
    )


def exception_handler(exc: Exception, context) -> Response:
    """The API's one exception handler (``REST_FRAMEWORK["EXCEPTION_HANDLER"]``)."""
    if isinstance(exc, WorkflowError):
        return _workflow_error(exc)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    if isinstance(exc, exceptions.APIException):
        return _api_exception(exc, context)
    if isinstance(exc, DjangoValidationError):
        return _django_validation_error(exc)
    if isinstance(exc, TransitionNotAllowed | ConcurrentTransition):
        zh, en = MESSAGES["state_conflict"]
        return Response(error_body("state_conflict", zh, en), status=status.HTTP_409_CONFLICT)
    view = context.get("view")
    logger.exception("unhandled error in %s", type(view).__name__ if view else "the API")
    zh, en = MESSAGES["server_error"]
    return Response(
        error_body("server_error", zh, en), status=status.HTTP_500_INTERNAL_SERVER_ERROR
    )

from django.http import FileResponse
from django.utils import translation
from rest_framework import viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny

from ..exceptions import DocumentBeingPrepared, FormatNotIssued
from ..pagination import Pages
from ..throttling import PublicRateThrottle

NUL = "\x00"


class ApiViewMixin:
    """DRF's own messages are produced in English; the error handler adds their Chinese."""

    def dispatch(self, request, *args, **kwargs):
        with translation.override("en"):
            return super().dispatch(request, *args, **kwargs)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # PostgreSQL cannot compare text with a NUL byte in it: refused before any query.
        values = [*kwargs.items()]
        values += [(name, value) for name, items in request.query_params.lists() for value in items]
        for name, value in values:
            if NUL in str(value):
                raise ValidationError(
                    {name: "must not contain a NUL character"},
                    code="null_characters_not_allowed",
                )


class ApiViewSet(ApiViewMixin, viewsets.GenericViewSet):
    pass


def param(request, name: str) -> str | None:
    value = request.query_params.get(name)
    return value if value not in (None, "") else None


# The spellings of a boolean query parameter the schema documents (OpenAPI: true / false).
FLAG_VALUES = {"true": True, "1": True, "false": False, "0": False}


def flag_param(request, name: str) -> bool:
    """A yes/no query parameter: absent is no; anything but true/false/1/0 is refused (400)."""
    value = param(request, name)
    if value is None:
        return False
    try:
        return FLAG_VALUES[value.lower()]
    except KeyError:
        raise ValidationError({name: "must be true or false"}, code="invalid") from None


def choice_param(request, name: str, choices, default: str) -> str:
    """An enumerated query parameter: absent is ``default``; a value not in ``choices``, 400."""
    value = param(request, name)
    if value is None:
        return default
    if value not in choices:
        raise ValidationError({name: f"must be one of: {', '.join(choices)}"}, code="invalid")
    return value


class PublicViewSet(ApiViewSet):
    """Read by anyone without credentials, paged, rate limited per client address; one object
    by its ``reference``."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [PublicRateThrottle]
    pagination_class = Pages
    lookup_field = "reference"
    lookup_value_regex = "[^/]+"


def sealed_ofd_response(document, *, filename: str, not_issued: tuple[str, str]) -> FileResponse:
    """A document's sealed OFD (a certificate's, an extract's), or why there is none to give:
    made after its PDF by a job, it may still be prepared (409), have failed, or not be issued
    (``not_issued`` names the document in both languages)."""
    state = document.ofd_state
    if state == "preparing":
        raise DocumentBeingPrepared(
            "OFD 版式文件正在生成，请稍后再试",
            "the OFD document is being prepared; ask again in a few seconds",
        )
    if state == "failed":
        raise FormatNotIssued(
            "OFD 版式文件生成失败，请联系档案馆；PDF 文件可正常使用",
            "the OFD could not be made; contact the archive (the PDF is valid)",
        )
    if state == "none":
        raise FormatNotIssued(*not_issued)
    return FileResponse(
        document.ofd.open("rb"),
        as_attachment=True,
        filename=filename,
        content_type="application/ofd",
    )

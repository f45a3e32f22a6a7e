from django.utils import translation
from rest_framework import viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny

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

from drf_spectacular.utils import extend_schema
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.permissions import AllowAny

from .base import ApiViewMixin


@extend_schema(summary="获取令牌 Exchange a username and password for your API token")
class TokenView(ApiViewMixin, ObtainAuthToken):
    """The token of an account (created on first use); send it as ``Authorization: Token …``."""

    permission_classes = [AllowAny]

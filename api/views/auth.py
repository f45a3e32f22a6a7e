from axes.helpers import get_client_ip_address
from axes.utils import reset
from drf_spectacular.utils import extend_schema
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.permissions import AllowAny

from .base import ApiViewMixin


@extend_schema(summary="获取令牌 Exchange a username and password for your API token")
class TokenView(ApiViewMixin, ObtainAuthToken):
    """The token of an account (created on first use); send it as ``Authorization: Token …``.

    Repeated wrong passwords lock the user name out from the client's address for a while
    (429 ``login_locked_out``, with ``Retry-After``), the right password included.
    """

    permission_classes = [AllowAny]

    def post(self, request, *args, **kwargs):
        try:
            response = super().post(request, *args, **kwargs)
            # As a sign-in through a page does (AXES_RESET_ON_SUCCESS): the count starts again.
            reset(ip=get_client_ip_address(request._request), username=request.data["username"])
            return response
        finally:
            # django-axes flags the request it was given, DRF's; its middleware reads Django's.
            if getattr(request, "axes_locked_out", False):
                request._request.axes_locked_out = True

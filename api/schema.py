"""The OpenAPI schema: every operation documents the error responses it can give."""

from drf_spectacular.openapi import AutoSchema
from rest_framework.permissions import AllowAny

from .serializers.errors import ErrorSerializer

ERROR_DESCRIPTIONS = {
    "400": "请求有误 invalid request (code, field)",
    "401": "未登录 not authenticated",
    "403": "无权限 forbidden (auditors change nothing; the domain refuses what is not yours)",
    "404": "不存在或无权查看 not found, or not yours to see",
    "409": "状态冲突 the object's state does not allow this now",
}


class ApiSchema(AutoSchema):
    def _error_codes(self) -> list[str]:
        codes = []
        if self.method in ("POST", "PUT", "PATCH"):
            codes.append("400")
        public = any(isinstance(p, AllowAny) for p in self.view.get_permissions())
        if not public:
            codes += ["401", "403"]
        if "{" in self.path:
            codes.append("404")
        if self.method == "POST" and "{" in self.path:
            codes.append("409")
        return codes

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        for code in self._error_codes():
            if code not in responses:
                response = self._get_response_for_code(ErrorSerializer, code, direction=direction)
                response["description"] = ERROR_DESCRIPTIONS[code]
                responses[code] = response
        return responses

"""The OpenAPI schema: every operation documents the error responses it can give."""

from drf_spectacular.openapi import AutoSchema
from rest_framework.permissions import AllowAny

from .serializers.errors import ErrorSerializer

ERROR_DESCRIPTIONS = {
    "400": "请求有误 invalid request (code, field)",
    "401": "未登录 not authenticated",
    "403": "无权限 forbidden (auditors change nothing; the domain refuses what is not yours)",
    "404": "不存在或无权查看 not found, or not yours to see (for a list: no such page)",
    "409": "状态冲突 the object's state does not allow this now",
}


class ApiSchema(AutoSchema):
    def _error_codes(self) -> list[str]:
        # Any request may be invalid: a body, or a query parameter (a filter, a page size).
        codes = ["400"]
        public = any(isinstance(p, AllowAny) for p in self.view.get_permissions())
        if not public:
            codes += ["401", "403"]
        if "{" in self.path or (self.method == "GET" and self._is_list_view()):
            codes.append("404")  # an unknown object, or a page past the last
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


NO_NUL = "^[^\\x00]*$"


def refuse_nul_in_parameters(result, generator, request, public):
    """Every free-text path and query parameter says what the API refuses: a NUL character."""
    for path in result.get("paths", {}).values():
        for operation in path.values():
            for parameter in operation.get("parameters", []):
                schema = parameter.get("schema", {})
                if schema.get("type") == "string" and not ({"enum", "format"} & set(schema)):
                    schema.setdefault("pattern", NO_NUL)
    return result

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination


class Pages(PageNumberPagination):
    """``page`` from 1 (a page past the last answers 404) and ``page_size`` from 1 to 500.

    A ``page_size`` that is not such a number is refused, not replaced by the default, so the
    schema's bounds are the API's.
    """

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not raw.isdigit() or not 1 <= int(raw) <= self.max_page_size:
            raise ValidationError(
                {
                    self.page_size_query_param: f"must be a whole number from 1 to {self.max_page_size}"
                },
                code="invalid",
            )
        return int(raw)

    def get_page_number(self, request, paginator):
        # Django's paginator reads " 1" or "1_0" as a number; the schema says digits only.
        raw = request.query_params.get(self.page_query_param, "1")
        if not raw.isdigit():
            raise ValidationError(
                {self.page_query_param: "must be a whole number from 1"}, code="invalid"
            )
        return raw

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        bounds = {
            self.page_query_param: {"minimum": 1},
            self.page_size_query_param: {"minimum": 1, "maximum": self.max_page_size},
        }
        for parameter in parameters:
            parameter["schema"].update(bounds.get(parameter["name"], {}))
        return parameters

"""The REST API of the host site (Django REST framework, OpenAPI 3 with drf-spectacular).

It reads through the domain's selectors and writes only through its services. Error responses
share one shape (``api.exceptions``); who may do what is in ``api.permissions`` and
``api.selectors``.
"""

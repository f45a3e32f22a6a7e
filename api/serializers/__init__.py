"""Serializers of the API, one module per resource: reading shapes and request bodies."""

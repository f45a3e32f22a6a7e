"""The access app's admin: the open catalog's levels (access/catalog/admin.py)."""

from .catalog import admin as catalog_admin  # noqa: F401

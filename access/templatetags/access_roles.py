"""Who sees records access's staff pages, for navigation: ``{% load access_roles %}``."""

from django import template

from ..register import reads_register

register = template.Library()


@register.filter
def reads_access_register(user) -> bool:
    """Archivists, auditors and supervisors read the access register and its figures."""
    return reads_register(user)

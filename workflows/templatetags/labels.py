"""Template filters over the label registry (``workflows.labels``): ``{% load labels %}``.

``{{ entry.kind|label:"event" }}`` the Chinese label, ``|label_en:"event"`` the English one,
``|bilingual:"event"`` both; ``{{ "P3M"|duration_words }}`` 3 个月; ``{{ moment|shanghai }}``
a datetime or ISO string in Asia/Shanghai; ``{% if user|handles_incidents %}`` for the link to
the incident console.
"""

from django import template

from ..incidents import can_handle_incidents
from ..labels import duration_label, label, local_time

register = template.Library()


@register.filter(name="label")
def label_zh(key, namespace: str) -> str:
    return label(namespace, key).zh


@register.filter
def label_en(key, namespace: str) -> str:
    return label(namespace, key).en


@register.filter
def bilingual(key, namespace: str) -> str:
    return label(namespace, key).bilingual


@register.filter
def duration_words(value) -> str:
    return duration_label(value).zh


@register.filter
def duration_words_en(value) -> str:
    return duration_label(value).en


@register.filter
def shanghai(value, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return local_time(value, fmt)


@register.filter
def handles_incidents(user) -> bool:
    return can_handle_incidents(user)

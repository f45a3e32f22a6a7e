"""``{% drawing_summary case as summary %}``: counts of a case's drawing set for task panels."""

from django import template

from ..selectors.drawings import drawing_summary as summarize

register = template.Library()


@register.simple_tag
def drawing_summary(case) -> dict:
    return summarize(case)

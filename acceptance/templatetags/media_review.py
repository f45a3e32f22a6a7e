"""Template tags of the AV review panel (``workflows/panels/media_review.html``)."""

from django import template

from ..media.selectors import returned_media, review_summary

register = template.Library()


@register.simple_tag
def media_review_summary(case) -> dict[str, int]:
    """Counts of the case's current photos and recordings by review state."""
    return review_summary(case)


@register.simple_tag
def media_returned(case) -> list:
    """The case's current photos and recordings the reviewer returned, with their comments."""
    return returned_media(case)

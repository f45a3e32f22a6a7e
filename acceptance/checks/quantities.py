"""Numbers in messages, shown with the precision a person needs."""

from __future__ import annotations

from decimal import Decimal


def megapixels(pixels: int) -> str:
    """``24.2`` for 24,192,000 pixels, ``12`` above ten, two significant digits below one
    (``0.048`` for a 256×187 thumbnail, never ``0.0``)."""
    value = pixels / 1e6
    if value >= 10:
        return f"{value:.0f}"
    if value >= 1:
        return f"{value:.1f}".removesuffix(".0")
    return format(Decimal(f"{value:.2g}"), "f")

"""The open catalog's tests run on real accepted cases, made as the acceptance tests make them."""

from tests.acceptance.conftest import (  # noqa: F401  (fixtures, found by pytest by name)
    clock,
    media_root,
    no_drawing_previews,
    open_case,
    samples,
    world,
)

"""The groups a person belongs to, read once per user object for all the role checks of a request.

Kept free of the engine's imports: the navigation's context processors and the middleware ask
for roles on every page, and the site starts without SpiffWorkflow.
"""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.db.models import prefetch_related_objects


def user_groups(user) -> list[Group]:
    """The user's groups, read once per user object: every role check of a request shares them.

    They are the user's prefetch cache, which ``user.groups.add``, ``remove``, ``set`` and
    ``clear`` empty, so a change made through the user is seen at the next check.
    """
    if not user.is_authenticated:
        return []
    prefetch_related_objects([user], "groups")
    return list(user.groups.all())


def in_groups(user, names) -> bool:
    """Whether ``user`` belongs to one of the groups named ``names``."""
    return any(group.name in names for group in user_groups(user))

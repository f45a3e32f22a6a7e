from django.db.models import QuerySet

from ..models import Project
from .cases import reads_every_case


def projects_visible_to(user) -> QuerySet[Project]:
    """Projects ``user`` may read: all for staff and auditors, else their organisations'."""
    projects = Project.objects.select_related("owner")
    if reads_every_case(user):
        return projects
    return projects.filter(owner__members=user).distinct()

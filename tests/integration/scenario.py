"""A small world for the integration tests: one project, one case at its first guidance."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.management import call_command

from acceptance.models import CatalogItem, Organisation
from acceptance.services.cases import case_open, case_task_complete
from acceptance.services.catalog import catalog_seed
from acceptance.services.materials import material_upload
from acceptance.services.projects import project_register


def case_waiting_for_first_guidance():
    call_command("deploy_processes", verbosity=0)
    catalog_seed()
    users = get_user_model().objects
    owner = users.create_user("int_owner")
    owner.groups.add(Group.objects.get_or_create(name="owners")[0])
    reviewers = []
    for name in ("int_reviewer_a", "int_reviewer_b"):
        reviewer = users.create_user(name)
        reviewer.groups.add(Group.objects.get_or_create(name="reviewers")[0])
        reviewers.append(reviewer)
    organisation = Organisation.objects.create(name="集成测试建设单位")
    organisation.members.add(owner)
    project = project_register(
        user=owner, owner=organisation, name="集成测试工程", location="上海", works_type="building"
    )
    case = case_open(project=project, user=owner)
    node = project.nodes.order_by("position").first()
    material_upload(
        case=case,
        user=owner,
        catalog_item=CatalogItem.objects.get(code="C5-4"),
        node=node,
        file=ContentFile(b"%PDF-1.4\n% not checked in this scenario\n", name="survey.pdf"),
        name="survey.pdf",
    )
    case_task_complete(case=case, task_name="node_submit", user=owner)
    return case, reviewers[0], reviewers[1]

import secrets
from pathlib import Path

import yaml
from django.db import transaction
from django.utils import timezone

from workflows.journal import journal_append

from ..exceptions import NotPermitted
from ..models import Node, Organisation, Project
from ..selectors.catalog import catalog_current_version, catalog_items, required_items

NODE_TEMPLATE = Path(__file__).resolve().parent.parent / "data" / "nodes.yaml"


def new_reference(prefix: str) -> str:
    return f"{prefix}{timezone.localdate():%Y%m%d}-{secrets.token_hex(3).upper()}"


def nodes_create_default(*, project: Project) -> list[Node]:
    """Copy the default node list; required items no node lists go to the last (completion).

    Nodes expect items of the current catalog version that apply to the project's works type.
    """
    template = yaml.safe_load(NODE_TEMPLATE.read_text(encoding="utf-8"))
    version = catalog_current_version()
    by_code = {item.code: item for item in catalog_items(version, project.works_type)}
    listed = {code for node in template for code in node["items"]}
    nodes = []
    for position, spec in enumerate(template, start=1):
        node = Node.objects.create(
            project=project,
            code=spec["code"],
            name_zh=spec["name_zh"],
            name_en=spec["name_en"],
            position=position,
        )
        node.expected_items.set(by_code[code] for code in spec["items"] if code in by_code)
        nodes.append(node)
    nodes[-1].expected_items.add(
        *(
            item
            for item in required_items(version=version, works_type=project.works_type)
            if item.code not in listed
        )
    )
    return nodes


def project_register(*, user, owner: Organisation, name: str, location: str, **facts) -> Project:
    """Register a construction project of ``owner`` with its default construction nodes."""
    if not owner.members.filter(pk=user.pk).exists():
        raise NotPermitted(
            f"您不是建设单位“{owner.name}”的成员，不能为其登记项目",
            f"you are not a member of the owner organisation {owner.name!r}",
        )
    with transaction.atomic(durable=True):
        project = Project.objects.create(
            reference=new_reference("XM"),
            name=name,
            location=location,
            owner=owner,
            created_by=user,
            **facts,
        )
        nodes = nodes_create_default(project=project)
        journal_append(
            chain=f"project:{project.reference}",
            kind="project.registered",
            actor=user,
            payload={"name": name, "owner": owner.name, "nodes": [node.code for node in nodes]},
        )
    return project

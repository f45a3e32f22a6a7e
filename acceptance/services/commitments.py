from workflows.engine import message_send

from ..exceptions import AcceptanceError, NotPermitted
from ..models import Case, Material
from ..selectors.cases import case_instance
from .materials import materials_check

DELIVERY_MESSAGE = "commitment_delivered"


def commitment_deliver(*, case: Case, user) -> list[Material]:
    """The owner reports the tolerated items delivered; the process's reviewer checks them next."""
    if not case.project.owner.members.filter(pk=user.pk).exists():
        raise NotPermitted(
            "只有建设单位的成员可以报送补交材料",
            "only members of the owner organisation can report a delivery",
        )
    commitment = case.commitments.open().order_by("-pk").first()
    if commitment is None:
        raise AcceptanceError(
            "该案件没有待履行的承诺", "this case has no open commitment to deliver against"
        )
    codes = list(commitment.items.values_list("code", flat=True))
    delivered = list(
        case.materials.current()
        .filter(catalog_item__code__in=codes, status__in=Material.CHECKABLE)
        .select_related("catalog_item")
    )
    missing = sorted(set(codes) - {m.catalog_item.code for m in delivered})
    failed = materials_check(delivered)
    if missing or failed:
        raise AcceptanceError(
            "补交材料不完整：缺少 "
            + ("、".join(missing) or "无")
            + "；检测未通过 "
            + ("、".join(m.original_name for m in failed) or "无"),
            "the delivery is incomplete: missing "
            + (", ".join(missing) or "none")
            + "; failed checks "
            + (", ".join(m.original_name for m in failed) or "none"),
            missing=missing,
            failed=[m.original_name for m in failed],
        )
    message_send(
        instance_id=case_instance(case).pk,
        name=DELIVERY_MESSAGE,
        payload={"items": codes, "materials": [m.pk for m in delivered]},
        actor=user,
    )
    return delivered

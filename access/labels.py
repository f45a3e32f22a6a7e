"""Records access's words for the label registry (``workflows.labels``), found at start-up."""

from __future__ import annotations

from workflows.labels import register

from .models import AccessRequest

register(
    "event",
    {
        "access.request_submitted": ("查档申请提交", "access request submitted"),
        "access.proofs_supplied": ("证明材料补正", "proofs supplied"),
        "access.extract_issued": ("档案证明出具", "certified extract issued"),
        "access.extract_downloaded": ("档案证明下载", "certified extract downloaded"),
        "access.extract_ofd_sealed": (
            "档案证明 OFD 版式文件加盖电子印章",
            "certified extract's OFD sealed",
        ),
        "access.registered": ("利用登记", "access registered"),
    },
)
register("group", {"archivists": ("查档审核员", "archivists")})
register(
    "access_status",
    {
        value: (str(label).split(" ", 1)[0], str(label).split(" ", 1)[1])
        for value, label in AccessRequest.Status.choices
    },
)

"""Records access's words for the label registry (``workflows.labels``), found at start-up."""

from __future__ import annotations

from workflows.labels import register

from .models import AccessRequest, Forwarding

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
        "access.forwarded": ("转交合作馆室", "forwarded to a partner"),
        "access.forwarding_resent": ("重发转交通知", "forwarding sent again"),
        "access.forwarding_withdrawn": ("本馆终止转交", "forwarding closed by the archive"),
        "access.partner_answered": ("合作馆室答复", "partner answered"),
        "access.partner_answer_rejected": ("合作馆室答复未受理", "partner's answer not taken"),
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
register(
    "forwarding_status",
    {
        value: (str(label).split(" ", 1)[0], str(label).split(" ", 1)[1])
        for value, label in Forwarding.Status.choices
    },
)

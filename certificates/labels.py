"""The certificates app's words for the label registry (``workflows.labels``)."""

from __future__ import annotations

from workflows.labels import register

register(
    "service",
    {
        "certificates.issue": ("签发验收意见书", "issuing the certificate"),
        "certificates.suspend": ("中止意见书效力", "suspending the certificate"),
    },
)

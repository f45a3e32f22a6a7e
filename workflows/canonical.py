"""Canonical JSON: the same data always gives the same text, so digests are reproducible."""

import json
from typing import Any


def canonical_json(value: Any) -> str:
    """JSON with sorted keys and no spaces; dates, UUIDs and decimals become text."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def normalize_payload(payload: dict | None) -> dict:
    """The payload exactly as a JSON column will give it back (dates and UUIDs become text)."""
    return json.loads(canonical_json(payload or {}))

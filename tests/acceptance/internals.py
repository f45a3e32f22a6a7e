"""What must never be on the face of a page: the machine's words instead of the clerk's.

``internals(html)`` lists what a page shows of dotted event codes, rule ids, BPMN task ids,
JSON, ISO durations, UTC times and English group names, outside ``<details>`` (the auditor's
folded detail), scripts, styles and tag attributes.
"""

from __future__ import annotations

import re
from html import unescape

from workflows.labels import labels

FOLDED = re.compile(r"<(details|script|style|textarea|code)\b.*?</\1>", re.S | re.I)
TAG = re.compile(r"<[^>]+>")
PATTERNS = {
    "event or rule code": re.compile(
        r"\b(?:instance|task|service|timer|message|incident|material|certificate|commitment|"
        r"audit|drawing|media|catalog|project|authenticity|integrity|usability|security|set)"
        r"\.[a-z_]+(?:\.[a-z_]+)*\b"
    ),
    "JSON": re.compile(r"[{\[]\s*\"[A-Za-z_]+\"\s*:"),
    "ISO duration": re.compile(r"\bP(?:\d+[YMWD])+(?:T\d+[HMS])?\b|\bPT\d+[HMS]\b"),
    "UTC time": re.compile(r"\+00:00|\d{4}-\d\d-\d\dT\d\d:\d\d|\bUTC\b"),
    "English group name": re.compile(r"\b(?:owners|reviewers|auditors|supervisors)\b"),
}


def visible_text(html: str) -> str:
    return unescape(TAG.sub(" ", FOLDED.sub(" ", html)))


def internals(html: str) -> list[tuple[str, str]]:
    """(what, the offending text) of everything internal the page shows."""
    text = visible_text(html)
    found = [(what, match.group(0)) for what, rx in PATTERNS.items() for match in rx.finditer(text)]
    task_ids = "|".join(re.escape(key) for key in labels("task") if "_" in key)
    if task_ids:
        found += [("BPMN id", m.group(0)) for m in re.finditer(rf"\b(?:{task_ids})\b", text)]
    return found

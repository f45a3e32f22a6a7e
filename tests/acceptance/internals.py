"""What must never be on the face of a page: the machine's words instead of the clerk's.

``internals(html)`` lists what a page shows of dotted event codes, rule ids, BPMN task and
process ids (and "<process id> vN" headers), construction node codes, JSON, ISO durations, UTC
times and English group names, outside ``<details>`` (the auditor's folded detail), scripts,
styles and tag attributes.
"""

from __future__ import annotations

import re
from html import unescape

import yaml

from acceptance.services.projects import NODE_TEMPLATE
from workflows.labels import labels

FOLDED = re.compile(r"<(details|script|style|textarea)\b.*?</\1>", re.S | re.I)
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
    "process id": re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+ v\d+\b"),
}
NODE_CODES = [node["code"] for node in yaml.safe_load(NODE_TEMPLATE.read_text(encoding="utf-8"))]
# A snake_case code is never a word; a one-word code ("piles") is one after "node", "节点" or a
# colon (in English text it is a word: "completion acceptance").
_SNAKE_CODES = "|".join(re.escape(code) for code in NODE_CODES if "_" in code)
_ALL_CODES = "|".join(re.escape(code) for code in NODE_CODES)
NODE_CODE = re.compile(
    rf"\b(?:{_SNAKE_CODES})\b|(?:\bnode\s+|节点[\s:：]*|[：:]\s*)(?:{_ALL_CODES})\b"
)


def visible_text(html: str) -> str:
    return unescape(TAG.sub(" ", FOLDED.sub(" ", html)))


def internals(html: str) -> list[tuple[str, str]]:
    """(what, the offending text) of everything internal the page shows."""
    text = visible_text(html)
    found = [(what, match.group(0)) for what, rx in PATTERNS.items() for match in rx.finditer(text)]
    found += [("node code", m.group(0)) for m in NODE_CODE.finditer(text)]
    for what, namespace in (("BPMN id", "task"), ("process id", "process")):
        ids = "|".join(re.escape(key) for key in labels(namespace) if "_" in key)
        if ids:
            found += [(what, m.group(0)) for m in re.finditer(rf"\b(?:{ids})\b", text)]
    return found

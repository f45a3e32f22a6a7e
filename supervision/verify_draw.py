#!/usr/bin/env python3
"""双随机抽取的算法与离线核验 · The draw algorithm and its offline verification.

This file is the one definition of how a supervision draw selects its targets and inspectors.
The product imports it to make a draw; anyone can run it with a plain ``python3`` (standard
library only, nothing else from the product) on a published draw file to recompute the selection:

    python3 verify_draw.py SJ20261102-3F9A2C-draw-1.json

Algorithm ``hmac-sha256-rank/2`` (``/1`` named inspectors by username and was never used in
production, so it is not verified any more). Inspectors are opaque codes (``I-01``, ``I-02``, ...)
handed out at publication in a random order; which person a code stands for is kept by the
archive and never published, so the files name no person:

1. ``publication_digest`` = SHA-256 of the canonical JSON (sorted keys, no spaces, UTF-8) of the
   object ``{"plan", "population", "inspectors", "exclusions", "commitment"}`` as published
   before the draw. ``population_digest`` = SHA-256 of the canonical JSON of the population list.
2. The seed (32 random bytes, published as hex after the draw) must hash (SHA-256) to the
   commitment published with the plan.
3. The draw key = HMAC-SHA256(seed, canonical JSON of ``{"algorithm", "publication_digest",
   "public_value", "draw"}``), where ``public_value`` is the public value fixed in advance (e.g. an
   index's closing value on a named date) exactly as entered, and ``draw`` is the draw's number
   (1 for the first draw, 2 for a redraw with a recorded reason, ...).
4. Sample size ``n``: the plan's size, or ``ceil(N × rate / 100)`` for a rate (at least 1).
   Strata (the population's ``stratum`` values, sorted) get ``n`` in proportion to their sizes:
   the whole parts first, then one each by largest remainder (ties: stratum name order).
5. Within a stratum each target gets the score HMAC-SHA256(key, "target\\0" + stratum + "\\0" +
   id) in hex; the targets with the lowest scores are drawn (ties: id order). The selection lists
   strata in name order and, within one, targets by score.
6. Inspectors, target by target in that order: the pool (``inspectors``, the codes in code
   order) minus the codes ``exclusions`` lists for that target (reviewed the case, same
   organisation, declared conflict), ordered by (targets already assigned to them,
   HMAC-SHA256(key, "inspector\\0" + target id + "\\0" + inspector code));
   the first ``inspectors_per_target`` are assigned. Fewer eligible inspectors than that refuses
   the whole draw.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import sys
from dataclasses import dataclass
from fractions import Fraction
from math import ceil, floor

FORMAT = "supervision-draw/2"
ALGORITHM = "hmac-sha256-rank/2"


class DrawRefused(Exception):
    """Nothing is drawn: ``code`` is stable, the messages say what is wrong in Chinese and English."""

    def __init__(self, code: str, message_zh: str, message_en: str) -> None:
        super().__init__(f"{message_zh} / {message_en}")
        self.code = code
        self.message_zh = message_zh
        self.message_en = message_en


def canonical(value) -> bytes:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def population_digest(population: list[dict]) -> str:
    return sha256_hex(canonical(population))


def publication_digest(publication: dict) -> str:
    keys = ("plan", "population", "inspectors", "exclusions", "commitment")
    return sha256_hex(canonical({key: publication[key] for key in keys}))


def seed_commitment(seed_hex: str) -> str:
    return sha256_hex(bytes.fromhex(seed_hex))


def check_seed(seed_hex: str, commitment: str) -> None:
    try:
        matches = hmac.compare_digest(seed_commitment(seed_hex), commitment)
    except ValueError:
        matches = False
    if not matches:
        raise DrawRefused(
            "seed_mismatch",
            "公开的随机种子与抽取前公布的承诺值不符，本次抽取无效，未抽取任何对象。",
            "The revealed seed does not match the commitment published before the draw; "
            "nothing is drawn.",
        )


def sample_size(plan: dict, population_size: int) -> int:
    if plan.get("sample_size"):
        size = int(plan["sample_size"])
    else:
        size = max(1, ceil(Fraction(str(plan["sample_rate_percent"])) * population_size / 100))
    if size > population_size:
        raise DrawRefused(
            "sample_too_large",
            f"抽取数量 {size} 大于检查对象总数 {population_size}，请减少抽取数量或扩大范围。",
            f"The sample ({size}) is larger than the population ({population_size}); "
            "draw fewer or widen the population.",
        )
    return size


def allocate(size: int, strata: dict[str, int]) -> dict[str, int]:
    """``size`` shared among strata in proportion to their sizes (largest remainder)."""
    total = sum(strata.values())
    exact = {name: Fraction(size * count, total) for name, count in strata.items()}
    quotas = {name: floor(share) for name, share in exact.items()}
    left = size - sum(quotas.values())
    by_remainder = sorted(strata, key=lambda name: (-(exact[name] - quotas[name]), name))
    for name in by_remainder[:left]:
        quotas[name] += 1
    return quotas


def draw_key(seed_hex: str, publication: dict, public_value: str, number: int) -> bytes:
    message = canonical(
        {
            "algorithm": ALGORITHM,
            "publication_digest": publication_digest(publication),
            "public_value": public_value,
            "draw": number,
        }
    )
    return hmac.new(bytes.fromhex(seed_hex), message, hashlib.sha256).digest()


def _score(key: bytes, *parts: str) -> str:
    return hmac.new(key, "\0".join(parts).encode(), hashlib.sha256).hexdigest()


def eligible_inspectors(publication: dict, target: str) -> list[str]:
    """The pool minus the inspectors excluded for ``target``; refused when too few are left."""
    excluded = publication["exclusions"].get(target, {})
    eligible = [code for code in publication["inspectors"] if code not in excluded]
    needed = int(publication["plan"]["inspectors_per_target"])
    if len(eligible) < needed:
        raise DrawRefused(
            "pool_too_small",
            f"检查对象 {target} 回避后仅剩 {len(eligible)} 名可选检查人员，"
            f"少于每个对象所需的 {needed} 名，请扩充检查人员库。",
            f"After exclusions only {len(eligible)} inspector(s) may inspect {target}, "
            f"fewer than the {needed} needed; enlarge the inspector pool.",
        )
    return eligible


def select(publication: dict, key: bytes) -> list[dict]:
    """The drawn targets with their inspectors, in the order the algorithm defines."""
    plan, population = publication["plan"], publication["population"]
    size = sample_size(plan, len(population))
    strata: dict[str, list[dict]] = {}
    for item in population:
        strata.setdefault(item["stratum"], []).append(item)
    quotas = allocate(size, {name: len(items) for name, items in strata.items()})
    chosen = []
    for name in sorted(strata):
        ranked = sorted(
            strata[name], key=lambda item: (_score(key, "target", name, item["id"]), item["id"])
        )
        chosen.extend(ranked[: quotas[name]])

    per_target = int(plan["inspectors_per_target"])
    load = dict.fromkeys(publication["inspectors"], 0)
    result = []
    for item in chosen:
        eligible = eligible_inspectors(publication, item["id"])
        eligible.sort(key=lambda code: (load[code], _score(key, "inspector", item["id"], code)))
        assigned = eligible[:per_target]
        for code in assigned:
            load[code] += 1
        result.append({"target": item["id"], "stratum": item["stratum"], "inspectors": assigned})
    return result


def check_publication(publication: dict) -> None:
    if publication.get("format") != FORMAT or publication.get("algorithm") != ALGORITHM:
        raise DrawRefused(
            "unknown_format",
            "文件不是本系统公布的抽取文件，或算法版本不同。",
            "The file is not a published draw file of this format or algorithm version.",
        )
    if population_digest(publication["population"]) != publication["population_digest"]:
        raise DrawRefused(
            "population_changed",
            "检查对象名录与公布时的摘要不符，名录已被改动。",
            "The population list does not match its published digest: it was changed.",
        )


def recompute(publication: dict) -> list[dict]:
    """Check a published draw file and compute its selection from it alone."""
    check_publication(publication)
    check_seed(publication["seed"], publication["commitment"])
    key = draw_key(
        publication["seed"],
        publication,
        publication["public_value"]["value"],
        publication["draw"]["number"],
    )
    return select(publication, key)


@dataclass
class Verdict:
    ok: bool
    lines: list[str]


def verify(publication: dict) -> Verdict:
    """Recompute and compare with the published result; the report lines to print."""
    plan = publication.get("plan", {})
    lines = [f"计划 Plan: {plan.get('reference', '?')} {plan.get('title', '')}"]
    try:
        selection = recompute(publication)
    except DrawRefused as refusal:
        return Verdict(
            False, [*lines, f"核验失败 FAILED: {refusal.message_zh} / {refusal.message_en}"]
        )
    lines.append(
        f"第 {publication['draw']['number']} 次抽取 Draw {publication['draw']['number']}; "
        f"公开值 public value {publication['public_value']['value']}"
    )
    lines.append("种子与承诺一致 Seed matches its commitment")
    for position, row in enumerate(selection, 1):
        lines.append(
            f"{position}. {row['target']} [{row['stratum']}] ← {', '.join(row['inspectors'])}"
        )
    if selection == publication.get("result"):
        lines.append("与公布结果一致 The published result recomputes identically")
        return Verdict(True, lines)
    lines.append("与公布结果不一致 The published result DIFFERS from the recomputation")
    return Verdict(False, lines)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("用法 usage: python3 verify_draw.py 抽取结果.json", file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as handle:
        verdict = verify(json.load(handle))
    print("\n".join(verdict.lines))
    return 0 if verdict.ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))

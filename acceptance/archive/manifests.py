"""A payload manifest under SM3 (``manifest-sm3.txt``) beside the bag's SHA-256 one.

RFC 8493 (BagIt 1.0) asks every BagIt tool to support SHA-256 and SHA-512 and lets a bag carry
several payload manifests, each named ``manifest-<algorithm>.txt`` after the algorithm's common
name, lowercased, without punctuation (section 2.4). SM3 is in no list general tools know: the
bagit library and others skip a manifest whose algorithm they lack. So the bag keeps its SHA-256
manifest, which any BagIt tool checks and the archive's signature covers, and, when the archive
digests with SM3 (``WORKFLOWS_DIGEST_ALGORITHM``), adds ``manifest-sm3.txt`` listing the same
files; the tag manifest covers it, and ``verify_bundle`` checks both.
"""

from __future__ import annotations

from pathlib import Path

import bagit

from workflows.digests import LABELS, SHA256, digest_file, hex_of

MANIFEST = "manifest-{algorithm}.txt"


def _encoded(name: str) -> str:
    # As names are written in manifests (RFC 8493 section 2.1.3).
    return name.replace("%", "%25").replace("\n", "%0A").replace("\r", "%0D")


def _decoded(name: str) -> str:
    return name.replace("%0A", "\n").replace("%0D", "\r").replace("%25", "%")


def manifest_write(bag: bagit.Bag, algorithm: str) -> None:
    """Add a payload manifest under ``algorithm`` for the files the bag lists; re-tag the bag."""
    if algorithm == SHA256:
        return
    root = Path(bag.path)
    lines = [
        f"{hex_of(digest_file(root / name, algorithm))}  {_encoded(name)}\n"
        for name in sorted(bag.payload_entries())
    ]
    (root / MANIFEST.format(algorithm=algorithm)).write_text("".join(lines), encoding="utf-8")
    bag.save()  # the tag manifests now cover the new manifest


def manifest_problems(bag: bagit.Bag, algorithm: str) -> list[str] | None:
    """What differs from the bag's ``algorithm`` manifest; None when the bag has none."""
    root = Path(bag.path)
    path = root / MANIFEST.format(algorithm=algorithm)
    if not path.is_file():
        return None
    listed = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        digest, _, name = line.partition("  ")
        listed[_decoded(name)] = digest
    name_of = LABELS[algorithm]
    problems = [
        f"{name} is missing from the {name_of} manifest"
        for name in sorted(set(bag.payload_entries()) - set(listed))
    ]
    for name, expected in sorted(listed.items()):
        file = root / name
        if not file.is_file():
            problems.append(f"{name} is missing")
        elif hex_of(digest_file(file, algorithm)) != expected:
            problems.append(f"{name} differs from its {name_of} digest")
    return problems

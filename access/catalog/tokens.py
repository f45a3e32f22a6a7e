"""Chinese full-text tokens: overlapping character bigrams (二元切分), the same on both databases.

A title is split into runs of Han characters and runs of letters and digits. A Han run becomes its
overlapping bigrams (加装电梯 → 加装 装电 电梯), a lone Han character stays itself, and a run of
letters and digits is one lower-case token. Searching for a text asks for its tokens as a phrase
(adjacent, in order), so a title is found exactly when it contains the typed text as it was typed,
whatever words a dictionary would have cut it into; ``bench/catalog_tokens.py`` measures this
against a dictionary segmenter.
"""

from __future__ import annotations

import re
import unicodedata

# Han ideographs (the unified block and extension A, and the compatibility block).
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUNS = re.compile(rf"[{_HAN}]+|[0-9a-z]+")
_HAN_RUN = re.compile(rf"[{_HAN}]+")


def _normalised(text: str) -> str:
    # NFKC folds full-width letters and digits (ＡＢ１２) into the ASCII ones people type.
    return unicodedata.normalize("NFKC", text or "").lower()


def _run_tokens(run: str) -> list[str]:
    if not _HAN_RUN.fullmatch(run) or len(run) == 1:
        return [run]
    return [run[i : i + 2] for i in range(len(run) - 1)]


def token_runs(text: str) -> list[list[str]]:
    """The tokens of each run of ``text``: a query is matched run by run, each as a phrase."""
    return [_run_tokens(run) for run in _RUNS.findall(_normalised(text))]


def tokens(text: str) -> str:
    """The indexed form of ``text``: its tokens, space-separated, in order."""
    return " ".join(token for run in token_runs(text) for token in run)


def too_short(query: str) -> bool:
    """A query of a single Han character and nothing else finds nothing useful (and is refused)."""
    runs = _RUNS.findall(_normalised(query))
    return bool(runs) and all(len(run) == 1 and _HAN_RUN.fullmatch(run) for run in runs)

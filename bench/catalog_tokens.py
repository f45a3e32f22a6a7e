"""How the open catalog tokenises Chinese: character bigrams against a dictionary segmenter.

Not part of ``bench/run.py``: it needs jieba (``pip install jieba==0.42.1``), which the product
does not. Run ``python bench/catalog_tokens.py`` from the repository root with a Python that has
it. The corpus is the filing catalog's 84 item names, the demo project's facts and titles of the
kind the catalog holds; the queries are every 2- to 4-character substring of them (what a clerk
would type having seen a title). A query should find exactly the titles that contain it.

- bigrams (``access.catalog.tokens``): each query run as a phrase of its bigrams;
- jieba, search mode: titles indexed with ``cut_for_search``, a query's words (``cut``) all
  required (the usual way to use it with a full-text index).

Then again with only the queries that are jieba's own words of the titles (its best case).

Printed: recall and precision over all queries, tokens per title, and indexing time.
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from access.catalog.tokens import token_runs, tokens  # noqa: E402

EXTRA_TITLES = [
    "浦东新区示范中学新建工程",
    "上海市浦东新区示范路 100 号",
    "上海浦东示范建设发展有限公司",
    "上海示范建工集团有限公司",
    "上海示范建筑设计研究院有限公司",
    "加装电梯业主委员会决议及街道情况说明",
    "房屋用途性质证明（租赁合同）",
    "一层平面图",
    "结构施工图总说明",
    "地下室防水工程隐蔽验收记录",
    "建设工程竣工档案验收意见书",
]


def corpus() -> list[str]:
    catalog = (REPO / "acceptance/data/catalog.yaml").read_text(encoding="utf-8")
    return re.findall(r"name_zh: ([^,]+),", catalog) + EXTRA_TITLES


def queries(titles: list[str]) -> list[str]:
    found = set()
    for title in titles:
        for run in re.findall(r"[\u4e00-\u9fff]+", title):
            for size in (2, 3, 4):
                found.update(run[i : i + size] for i in range(len(run) - size + 1))
    return sorted(found)


def bigram_match(title_runs: list[list[str]], query: str) -> bool:
    flat = " " + " ".join(" ".join(run) + " |" for run in title_runs) + " "
    return all(f" {' '.join(run)} " in flat for run in token_runs(query))


def measure(name, index, match, titles, qs):
    start = time.perf_counter()
    indexed = [index(title) for title in titles]
    seconds = time.perf_counter() - start
    hits = relevant = found = 0
    for query in qs:
        truth = {i for i, title in enumerate(titles) if query in title}
        got = {i for i, doc in enumerate(indexed) if match(doc, query)}
        hits += len(truth & got)
        relevant += len(truth)
        found += len(got)
    size = sum(
        len(tokens(title).split()) if isinstance(doc, list) else len(doc)
        for doc, title in zip(indexed, titles, strict=True)
    )
    print(
        f"{name:<22} recall {hits / relevant:6.1%}  precision {hits / found:6.1%}  "
        f"tokens/title {size / len(titles):5.1f}  index {seconds * 1000:7.1f} ms"
    )


def main() -> None:
    titles = corpus()
    qs = queries(titles)
    print(f"{len(titles)} titles, {len(qs)} queries (2-4 character substrings)")
    measure("bigrams (phrase)", token_runs, bigram_match, titles, qs)
    try:
        import jieba
    except ImportError:
        print("jieba is not installed: pip install jieba==0.42.1 to compare")
        return
    jieba.setLogLevel(60)
    start = time.perf_counter()
    jieba.initialize()
    print(f"jieba dictionary load {time.perf_counter() - start:.2f} s")
    index = lambda title: set(jieba.cut_for_search(title))  # noqa: E731
    match = lambda doc, query: all(word in doc for word in jieba.cut(query) if word.strip())  # noqa: E731
    measure("jieba search mode", index, match, titles, qs)
    # The fairest case for the dictionary: queries that are the dictionary's own words.
    words = sorted(
        {w for t in titles for w in jieba.cut(t) if re.fullmatch(r"[\u4e00-\u9fff]{2,}", w)}
    )
    print(f"{len(words)} queries that are jieba's own words of the titles")
    measure("bigrams (phrase)", token_runs, bigram_match, titles, words)
    measure("jieba search mode", index, match, titles, words)


if __name__ == "__main__":
    main()

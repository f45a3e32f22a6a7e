"""Every page a signed-in person can reach from their home page, by following links."""

from __future__ import annotations

import re
from collections import Counter
from html import unescape
from urllib.parse import urlsplit

HREF = re.compile(r'href="([^"#]*)')
# Not pages: files, the API, the admin (staff tooling), signing out, language switching.
SKIP = ("/static/", "/media/", "/api/", "/admin/", "/accounts/logout", "/i18n/", "/logout")
VARIANTS_PER_PATH = 3  # ?page=, ?at=… : a few of each path, not every one


def crawl(client, starts, limit: int = 400) -> tuple[dict[str, str], dict[str, int]]:
    """(HTML of each page reached, status of each page that was not 200)."""
    queue, seen, pages, failures = list(starts), set(), {}, {}
    per_path: Counter = Counter()
    while queue and len(seen) < limit:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        if response.status_code != 200:
            if response.status_code >= 500 or response.status_code == 404:
                failures[url] = response.status_code
            continue
        if not response.get("Content-Type", "").startswith("text/html"):
            continue
        html = response.content.decode()
        pages[url] = html
        for href in HREF.findall(html):
            href = unescape(href)
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or not href.startswith("/") or href.startswith(SKIP):
                continue
            if href in seen:
                continue
            if parts.query:
                if per_path[parts.path] >= VARIANTS_PER_PATH:
                    continue
                per_path[parts.path] += 1
            queue.append(href)
    return pages, failures

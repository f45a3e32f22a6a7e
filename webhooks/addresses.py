"""Where deliveries may go: public http(s) addresses only, unless the site allows private ones.

A subscriber chooses the URL, and the server POSTs to it and logs the answer: without this
check, a subscription could make the server call its own network (a database's admin port, a
cloud metadata service) and read the answers in the delivery log. Literal addresses are refused
at subscription; host names are resolved and checked before every attempt.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from .conf import setting

SCHEMES = ("http", "https")


def _refused_ip(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    return not ip.is_global or ip.is_multicast


def address_refusal(url: str, *, resolve: bool = True) -> str | None:
    """Why ``url`` may not receive deliveries, or ``None`` if it may.

    With ``resolve=False`` only a literal address (or ``localhost``) is judged.
    """
    parts = urlsplit(url)
    if parts.scheme not in SCHEMES or not parts.hostname:
        return "the URL must be http(s) with a host"
    if setting("WEBHOOKS_ALLOW_PRIVATE_ADDRESSES"):
        return None
    host = parts.hostname
    if host == "localhost" or host.endswith(".localhost"):
        return f"{host} is not a public address"
    try:
        if _refused_ip(host):
            return f"{host} is not a public address"
        return None
    except ValueError:
        pass  # a host name
    if not resolve:
        return None
    try:
        infos = socket.getaddrinfo(host, parts.port or 443, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        return f"{host} cannot be resolved: {exc}"
    refused = sorted({info[4][0] for info in infos if _refused_ip(info[4][0])})
    if refused:
        return f"{host} resolves to addresses that are not public: {', '.join(refused)}"
    return None

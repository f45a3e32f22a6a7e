"""Where deliveries may go: public http(s) addresses only, unless the site allows private ones.

A subscriber chooses the URL, and the server POSTs to it and logs the answer: without this
check, a subscription could make the server call its own network (a database's admin port, a
cloud metadata service) and read the answers in the delivery log. Literal addresses are refused
at subscription; host names are resolved once per attempt (``delivery_address``), every address
they resolve to is checked, and the attempt connects to the checked address: a name that
resolves to a public address for the check and to a private one a moment later (DNS rebinding)
is never followed there.

A receiver staff registered themselves (a partner archive on the government intranet) may be
allowed private addresses on its own subscription (``private_network_allowed``), without
opening them to every subscriber.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from .conf import setting

SCHEMES = ("http", "https")


def _refused_ip(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    return not ip.is_global or ip.is_multicast


@dataclass(frozen=True)
class DeliveryAddress:
    """Where one attempt connects: the checked IP address, or why it may not be sent."""

    ip: str | None
    refusal: str | None = None


def _default_port(parts) -> int:
    return parts.port or (443 if parts.scheme == "https" else 80)


def delivery_address(url: str, *, allow_private: bool = False) -> DeliveryAddress:
    """Resolve ``url``'s host once and check what it resolves to; the IP to connect to."""
    parts = urlsplit(url)
    allow_private = allow_private or setting("WEBHOOKS_ALLOW_PRIVATE_ADDRESSES")
    refusal = address_refusal(url, resolve=False, allow_private=allow_private)
    if refusal is not None:
        return DeliveryAddress(None, refusal)
    host = parts.hostname
    try:
        infos = socket.getaddrinfo(host, _default_port(parts), proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        return DeliveryAddress(None, f"{host} cannot be resolved: {exc}")
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not allow_private:
        refused = sorted(address for address in addresses if _refused_ip(address))
        if refused:
            return DeliveryAddress(
                None, f"{host} resolves to addresses that are not public: {', '.join(refused)}"
            )
    return DeliveryAddress(addresses[0])


def address_refusal(url: str, *, resolve: bool = True, allow_private: bool = False) -> str | None:
    """Why ``url`` may not receive deliveries, or ``None`` if it may.

    With ``resolve=False`` only a literal address (or ``localhost``) is judged.
    """
    parts = urlsplit(url)
    if parts.scheme not in SCHEMES or not parts.hostname:
        return "the URL must be http(s) with a host"
    if allow_private or setting("WEBHOOKS_ALLOW_PRIVATE_ADDRESSES"):
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
        infos = socket.getaddrinfo(host, _default_port(parts), proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        return f"{host} cannot be resolved: {exc}"
    refused = sorted({info[4][0] for info in infos if _refused_ip(info[4][0])})
    if refused:
        return f"{host} resolves to addresses that are not public: {', '.join(refused)}"
    return None

"""The address a request came from, seen through the reverse proxies we trust.

Behind nginx or a load balancer every request arrives from the proxy's address; the client's is the last entry
the proxy appended to X-Forwarded-For. Only proxies listed in TRUSTED_PROXIES are believed: anyone else can
write whatever they like in that header, so it is ignored when the request does not come from a trusted proxy.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@functools.cache
def networks(setting: str, values: tuple[str, ...]) -> tuple[Network, ...]:
    """Addresses or networks of a setting, parsed once; a bad one stops the start with the setting's name."""
    try:
        return tuple(ipaddress.ip_network(value, strict=False) for value in values)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{setting}: {exc}") from None


def in_networks(address: str, among: Iterable[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in among)


def client_address(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or, from a trusted proxy, the nearest untrusted X-Forwarded-For hop."""
    remote = request.META.get("REMOTE_ADDR", "")
    trusted = networks("TRUSTED_PROXIES", tuple(settings.TRUSTED_PROXIES))
    if not trusted or not in_networks(remote, trusted):
        return remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    # Right to left: each trusted proxy appended the address it saw; the first one we don't trust is the client.
    for hop in reversed(hops):
        if not in_networks(hop, trusted):
            return hop
    return hops[0] if hops else remote

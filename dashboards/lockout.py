"""Failed logins, counted in the cache (Redis, shared by every web worker), and the lockouts they cause.

A username is locked after USERNAME_LIMIT failures within WINDOW seconds, an address after ADDRESS_LIMIT
(higher: a ministry office may sit behind one address; behind a reverse proxy, the client's address is read
through TRUSTED_PROXIES); a lock lasts LOCKOUT seconds, during which even the right password is refused. A
lock's end is stored as a time in its value, so tests can move the clock.
"""

from __future__ import annotations

import hashlib
import time

from django.core.cache import cache
from django.http import HttpRequest

from evillage.addresses import client_address

USERNAME_LIMIT = 5
ADDRESS_LIMIT = 20
WINDOW = 15 * 60
LOCKOUT = 15 * 60


def now() -> float:
    return time.time()


def _keys(request: HttpRequest | None, username: str) -> list[tuple[str, int]]:
    """Cache keys (hashed: usernames are user input) and the failure limit of each."""
    keys = []
    if username:
        digest = hashlib.sha256(username.strip().casefold().encode()).hexdigest()
        keys.append((f"login:user:{digest}", USERNAME_LIMIT))
    address = client_address(request) if request is not None else ""
    if address:
        keys.append((f"login:addr:{hashlib.sha256(address.encode()).hexdigest()}", ADDRESS_LIMIT))
    return keys


def locked_until(request: HttpRequest | None, username: str) -> float | None:
    """When the lock on this username or address ends (a Unix time), or None when neither is locked."""
    locks = cache.get_many([f"{key}:lock" for key, _ in _keys(request, username)])
    ends = [end for end in locks.values() if end > now()]
    return max(ends) if ends else None


def record_failure(request: HttpRequest | None, username: str) -> None:
    """Count one failed login; at the limit, lock (and start counting afresh for after the lock)."""
    for key, limit in _keys(request, username):
        cache.add(f"{key}:failures", 0, timeout=WINDOW)
        try:
            failures = cache.incr(f"{key}:failures")
        except ValueError:  # expired between add and incr
            cache.set(f"{key}:failures", 1, timeout=WINDOW)
            failures = 1
        if failures >= limit:
            cache.set(f"{key}:lock", now() + LOCKOUT, timeout=LOCKOUT)
            cache.delete(f"{key}:failures")


def record_success(username: str) -> None:
    """A good login clears its username's failures (not its address's: other users may share it)."""
    for key, _limit in _keys(None, username):
        cache.delete(f"{key}:failures")

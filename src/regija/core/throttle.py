"""How often one address may do something that costs us (an account made, an e-mail sent): a count per
address and hour in Django's cache.

Failed sign-ins are counted by django-axes in the database (``core.accounts``); this is for the steps
that have no account to count against yet – a self-registration, a re-sent confirmation e-mail. The
address is ``core.accounts.client_ip`` (so ``REGIJA_PROXIES`` decides which one is trusted). The count
is as good as the cache: shared by every worker and server with Redis (``REDIS_URL``), per machine with
the default file cache – either way a bot cannot make thousands of accounts or send thousands of
e-mails from one address.
"""

from __future__ import annotations

import hashlib
import time

from django.core.cache import cache
from django.http import HttpRequest

from .accounts import client_ip

HOUR = 3600


def _key(scope: str, request: HttpRequest, window: int) -> str:
    address = client_ip(request) or "unknown"
    digest = hashlib.sha256(f"{scope}|{address}".encode()).hexdigest()[:32]
    return f"throttle:{scope}:{digest}:{window}"


def allow(request: HttpRequest, scope: str, limit: int, per: int = HOUR) -> bool:
    """Count one more ``scope`` step from the request's address in the current window of ``per`` seconds;
    False (and nothing counted) once ``limit`` steps were counted in it."""
    window = int(time.time() // per)
    key = _key(scope, request, window)
    cache.add(key, 0, per)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr: this is the first of a new window
        cache.set(key, 1, per)
        count = 1
    if count > limit:
        return False
    return True


def retry_after(per: int = HOUR) -> int:
    """Seconds until the current window ends."""
    return per - int(time.time()) % per

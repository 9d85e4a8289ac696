"""Counting requests per key in fixed windows, in Django's cache.

With the default in-memory cache each server process counts on its own, so a limit
holds per process (N processes let N times as many through); a shared cache (CACHES,
e.g. Redis) makes it hold for the site. Either way the count is bounded.
"""

from django.core.cache import cache


def within_limit(key: str, *, limit: int, window_seconds: int) -> bool:
    """Counts one more request for `key`; False once more than `limit` were counted
    in the window, which starts at the key's first request."""
    cache.add(key, 0, window_seconds)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, window_seconds)
        count = 1
    return count <= limit

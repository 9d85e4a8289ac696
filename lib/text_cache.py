"""Work on a long text done once: its result kept in Django's cache under a hash of
the text, so a costly text costs its author once rather than every viewer on every
page load. Used by Markdown rendering and the blameless check."""

import hashlib
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache

CACHE_FROM_CHARS = 2_000  # shorter texts take about a millisecond: not worth a key
CACHE_SECONDS = 7 * 24 * 3600

T = TypeVar("T")


def by_text(namespace: str, text: str, compute: Callable[[str], T]) -> T:
    """compute(text), from the cache for long texts. `namespace` names the work and
    its version ("markdown:1"): change the version when the work's output changes."""
    if len(text) < CACHE_FROM_CHARS:
        return compute(text)
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    key = f"{namespace}:{digest}"
    found = cache.get(key)
    if found is None:
        found = compute(text)
        cache.set(key, found, CACHE_SECONDS)
    return found

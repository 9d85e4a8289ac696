"""Work on a long text done once: its result kept in Django's cache under a hash of
the text, so a costly text costs its author once rather than every viewer on every
page load. Used by Markdown rendering and the blameless check.

Short texts are kept in this process instead (a bounded dictionary): each costs about
a millisecond, but an editor page of a review with 200 timeline events renders and
checks each event's text on every load, which was a third of the page's time
(bench/README.md, "Editor speed"). The work is a pure function of the text and its
namespace (which carries its version), so a result never goes stale while the process
runs, and a deploy starts new processes.
"""

import hashlib
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache import cache

CACHE_FROM_CHARS = 2_000  # shorter texts take about a millisecond: not worth a key
CACHE_SECONDS = 7 * 24 * 3600
# Short texts kept in this process: at most this many (under CACHE_FROM_CHARS each, so
# a few megabytes); when full, it starts again empty.
MEMO_ENTRIES = 8_192
_memo: dict[tuple[str, str], Any] = {}

T = TypeVar("T")


def by_text(namespace: str, text: str, compute: Callable[[str], T]) -> T:
    """compute(text), from the cache for long texts. `namespace` names the work and
    its version ("markdown:1"): change the version when the work's output changes."""
    if len(text) < CACHE_FROM_CHARS:
        key_short = (namespace, text)
        try:
            return _memo[key_short]
        except KeyError:
            pass
        result = compute(text)
        if len(_memo) >= MEMO_ENTRIES:
            _memo.clear()
        _memo[key_short] = result
        return result
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    key = f"{namespace}:{digest}"
    found = cache.get(key)
    if found is None:
        found = compute(text)
        cache.set(key, found, CACHE_SECONDS)
    return found

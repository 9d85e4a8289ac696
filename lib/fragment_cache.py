"""Rendered markup of a list's rows kept in this process, keyed by everything it shows.

An editor page of a review with 200 timeline events and 50 action items rendered every
row's markup on every load: two thirds of the page's time (bench/README.md, "Editor
speed"), for rows that had not changed since the last load. A row's markup is a pure
function of what its key names (the row's own fields, the viewer's time zone and
language, the site's URL prefix, the template node that renders it and VERSION), so
an entry never goes stale while the process runs; a changed row has another key, and
a deploy starts new processes.

Nothing that differs per request may be inside a kept fragment: no messages, no
viewer other than through the key. A CSRF token is kept as a placeholder, and the
template tag that keeps fragments puts each request's own token in its place
(postmortems/templatetags/editor_row_tags.py, TOKEN_SLOT).
"""

from collections.abc import Callable, Hashable

from django.utils.safestring import SafeString

# Change when the markup changes without its template changing (a helper's output).
VERSION = 1
# At most this many rows, and this many characters of their markup (a row's key holds
# its texts, which its markup shows, so the keys take about as much again); when either
# is reached, it starts again empty, as lib/text_cache.py does. A typical row is a
# kilobyte or two: thousands of rows, a few megabytes.
MAX_ENTRIES = 8_192
MAX_CHARS = 16_000_000
_fragments: dict[Hashable, SafeString] = {}
_chars = 0
# slot -> the key of the one version kept in it (see fragment()).
_slots: dict[Hashable, Hashable] = {}


def fragment(
    key: tuple[object, ...],
    render: Callable[[], SafeString],
    *,
    slot: tuple[object, ...] | None = None,
) -> SafeString:
    """render(), or what it returned for `key` before in this process. A key that cannot
    be hashed (a value such as a dict among its parts) is not kept: render() each time.

    `slot` names what the key is a version of (a whole list of one review's rows): a
    new version replaces the older one instead of being kept beside it. A 200-event
    list is half a megabyte of markup; kept beside each other, thirty edits of one
    review's events would fill the cache and empty it for every page."""
    global _chars
    full_key = (VERSION, *key)
    try:
        return _fragments[full_key]
    except KeyError:
        pass
    except TypeError:  # unhashable: nothing to keep it under
        return render()
    markup = render()
    if slot is not None:
        try:
            older = _slots.get(slot)
        except TypeError:  # an unhashable slot: keep the version beside the others
            slot = None
        else:
            if older is not None:
                _chars -= len(_fragments.pop(older, ""))
    if len(_fragments) >= MAX_ENTRIES or _chars + len(markup) > MAX_CHARS:
        clear()
    _fragments[full_key] = markup
    _chars += len(markup)
    if slot is not None:
        _slots[slot] = full_key
    return markup


def clear() -> None:
    """Forget every fragment (when full, and in tests that compare a cold render with a
    warm one)."""
    global _chars
    _fragments.clear()
    _slots.clear()
    _chars = 0

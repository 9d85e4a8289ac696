"""Rows' markup kept in the process (lib/fragment_cache.py)."""

import pytest
from django.utils.safestring import SafeString

from lib import fragment_cache


@pytest.fixture(autouse=True)
def _empty():
    fragment_cache.clear()
    yield
    fragment_cache.clear()


def _counting(markup: str):
    calls = []

    def render() -> SafeString:
        calls.append(1)
        return SafeString(markup)

    return render, calls


def test_a_fragment_is_rendered_once_per_key():
    render, calls = _counting("<li>row</li>")
    assert fragment_cache.fragment(("row", 1), render) == "<li>row</li>"
    assert fragment_cache.fragment(("row", 1), render) == "<li>row</li>"
    fragment_cache.fragment(("row", 2), render)
    assert len(calls) == 2


def test_an_unhashable_key_is_rendered_each_time_and_not_kept():
    render, calls = _counting("<li>row</li>")
    for _ in range(2):
        assert fragment_cache.fragment(("row", {"a": 1}), render) == "<li>row</li>"
    assert len(calls) == 2


def test_when_full_it_starts_again_empty(monkeypatch):
    monkeypatch.setattr(fragment_cache, "MAX_CHARS", 25)
    render, calls = _counting("<li>ten</li>")  # 12 characters
    fragment_cache.fragment(("a",), render)
    fragment_cache.fragment(("b",), render)
    fragment_cache.fragment(("c",), render)  # past 25: emptied, then kept
    fragment_cache.fragment(("c",), render)
    fragment_cache.fragment(("a",), render)  # forgotten when emptied
    assert len(calls) == 4


def test_a_new_version_replaces_the_older_one_in_its_slot():
    render, calls = _counting("<ol>list</ol>")
    fragment_cache.fragment(("list", 7, 1), render, slot=("review", 7))
    fragment_cache.fragment(("list", 7, 2), render, slot=("review", 7))  # one row changed
    fragment_cache.fragment(("list", 8, 1), render, slot=("review", 8))  # another review's
    assert len(fragment_cache._fragments) == 2
    assert fragment_cache._chars == 2 * len("<ol>list</ol>")
    fragment_cache.fragment(("list", 7, 2), render, slot=("review", 7))  # kept
    fragment_cache.fragment(("list", 7, 1), render, slot=("review", 7))  # replaced: again
    assert len(calls) == 4

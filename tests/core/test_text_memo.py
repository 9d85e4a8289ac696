"""Short texts' work (Markdown, the blameless check) is done once per process."""

from lib import text_cache


def test_a_short_text_is_computed_once_per_namespace(monkeypatch):
    monkeypatch.setattr(text_cache, "_memo", {})
    calls = []

    def compute(text):
        calls.append(text)
        return text.upper()

    assert text_cache.by_text("t:1", "short", compute) == "SHORT"
    assert text_cache.by_text("t:1", "short", compute) == "SHORT"
    assert text_cache.by_text("t:2", "short", compute) == "SHORT"  # another version
    assert calls == ["short", "short"]


def test_the_memo_stays_bounded(monkeypatch):
    monkeypatch.setattr(text_cache, "_memo", {})
    monkeypatch.setattr(text_cache, "MEMO_ENTRIES", 3)
    for n in range(10):
        text_cache.by_text("t:1", f"text {n}", str)
    assert len(text_cache._memo) <= 3

"""User Markdown renders as formatting, never as script."""

from html.parser import HTMLParser

import pytest

from lib.markdown import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, render_markdown

PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "<a href='javascript:alert(1)'>x</a>",
    "<svg onload=alert(1)>",
    "<iframe src='https://example.com'></iframe>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    "![x](x onerror=alert(1))",
    "<details open ontoggle=alert(1)>",
    "<body onload=alert(1)>",
    '"><script>alert(1)</script>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "[a](vbscript:msgbox(1))",
]


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))


def _elements(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Elements()
    parser.feed(html)
    return parser.elements


@pytest.mark.parametrize("payload", PAYLOADS)
def test_html_and_script_urls_typed_by_a_user_never_reach_the_page_as_markup(payload):
    for tag, attrs in _elements(render_markdown(payload)):
        assert tag in ALLOWED_TAGS
        assert set(attrs) <= ALLOWED_ATTRIBUTES.get(tag, set()) | {"rel"}
        href = (attrs.get("href") or "https:").strip().lower()
        assert href.split(":")[0] in {"http", "https", "mailto"}, href


def test_markdown_formatting_survives_sanitising():
    html = render_markdown(
        "## Impact\n\n**4%** of checkouts failed.\n\n- one\n- two\n\n`code` and "
        "[runbook](https://runbooks.example.com/db)\n\n| a | b |\n|---|---|\n| 1 | 2 |"
    )
    assert "<h2>Impact</h2>" in html
    assert "<strong>4%</strong>" in html
    assert "<li>one</li>" in html
    assert "<code>code</code>" in html
    assert '<a href="https://runbooks.example.com/db" rel="noopener noreferrer">runbook</a>' in html
    assert "<table>" in html


def test_typed_html_is_shown_as_text():
    assert "&lt;b&gt;bold&lt;/b&gt;" in render_markdown("<b>bold</b>")


def test_empty_text_renders_nothing():
    assert render_markdown("") == ""


def test_each_text_renders_on_its_own_although_the_converter_is_reused():
    first = render_markdown("The DB[^1] failed.\n\n[^1]: PostgreSQL\n\n*[DB]: Database")
    assert 'title="Database"' in first
    assert "PostgreSQL" in first
    second = render_markdown("The DB was fine[^1].")
    assert "<abbr" not in second
    assert "PostgreSQL" not in second
    assert "[^1]" in second  # no footnote of the first text is defined here

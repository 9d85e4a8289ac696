"""Every payload of the corpus through the one Markdown renderer: nothing that runs."""

import re
from html.parser import HTMLParser

import pytest

from lib.markdown import render_markdown
from tests.security.payloads import PAYLOADS

SCRIPT_SCHEMES = re.compile(r"^\s*(javascript|vbscript|data):", re.IGNORECASE)


class _Markup(HTMLParser):
    """The tags and attributes a browser would build from the HTML."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))

    handle_startendtag = handle_starttag


def _markup(html: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    parser = _Markup()
    parser.feed(html)
    parser.close()
    return parser.tags


def test_the_corpus_is_large_enough_and_has_no_duplicates():
    assert len(PAYLOADS) >= 50
    assert len(set(PAYLOADS)) == len(PAYLOADS)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_rendered_markdown_carries_no_script(payload):
    html = str(render_markdown(payload))
    assert "<script" not in html.lower()
    for tag, attrs in _markup(html):
        assert tag not in {"script", "img", "svg", "math", "iframe", "object", "embed", "style"}
        for name, value in attrs:
            assert not re.fullmatch(r"on\w+", name), (tag, name, value)
            assert not name.startswith(("hx-", "data-hx")), (tag, name)
            assert name not in {"style", "src", "srcdoc", "action", "formaction"}, (tag, name)
            if name in {"href", "src"} and value:
                assert not SCRIPT_SCHEMES.match(value), (tag, name, value)
    # Belt and braces, without the parser: tags with their quoted values blanked out.
    bare = re.sub(r'"[^"]*"', '""', html)
    assert not re.search(r"<[^>]*\son\w+\s*=", bare, re.IGNORECASE)
    assert not re.search(r"<[^>]*\s(href|src)\s*=\s*'?\s*javascript:", bare, re.IGNORECASE)


def test_the_checks_catch_what_they_look_for():
    """The parser sees a handler and a javascript: link when they are there."""
    tags = _markup('<p><a href=" javascript:x" onclick="y">z</a></p>')
    assert ("a", [("href", " javascript:x"), ("onclick", "y")]) in tags
    assert SCRIPT_SCHEMES.match(" javascript:x")

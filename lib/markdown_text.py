"""The words of a Markdown text without its syntax: what a reader of the rendered text
reads ("see the **cache** [runbook](https://…)" reads "see the cache runbook").

The text goes through the one Markdown renderer (lib/markdown.py: its parser and its
nh3 allowlist), and the words are taken from the HTML it returns, so whatever Markdown
knows (links, emphasis, code, headings, lists, tables) is stripped the way a page
shows it, and a fragment with broken syntax (a search snippet cut mid-link) stays as
typed. The result is plain text, not markup: escape it before it goes into a page.
"""

from html.parser import HTMLParser

from lib.markdown import render_markdown

# Elements whose end is a break between words on a page.
_BREAKS = {
    "p", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "tr",
    "td", "th", "hr", "ul", "ol", "table",
}  # fmt: skip


class _Words(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in _BREAKS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _BREAKS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def markdown_text(text: str) -> str:
    """The plain text `text` shows once rendered, its whitespace collapsed to single
    spaces."""
    if not text:
        return ""
    words = _Words()
    words.feed(str(render_markdown(text)))
    words.close()
    return " ".join("".join(words.parts).split())

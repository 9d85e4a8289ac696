"""Markdown to safe HTML: the one way user text becomes markup.

Markdown is stored raw and rendered at display time. Raw HTML typed by a user
is escaped by the Markdown step and anything that survives is cleaned by an nh3
allowlist, so no script, event handler or javascript: URL ever reaches a page.

Rendering costs what one person types, yet every viewer pays it, so the work is bounded:
1. Input limits (SECTION_MAX_CHARS, TEXT_MAX_CHARS) that forms and the API enforce, sized
   so the densest legitimate Markdown renders in well under a second.
2. Python-Markdown looks for the end of a link's text and destination by walking to the
   end of the paragraph: `[` x 20,000 took 75 s. Here each look is bounded
   (_BoundedLinks), so the work grows with the length of the text, not its square.
3. Python-Markdown's block parser takes a block (lines without a blank line between
   them) one line at a time and re-reads the rest each time: 20,000 lines of "-" took
   seconds. Long texts are rendered in chunks of a bounded number of lines (_chunks),
   cut where a new block starts, so the re-reading is bounded too.
4. Long texts are rendered once per text and then served from Django's cache.
"""

import re
import threading

import markdown as markdown_lib
import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown import inlinepatterns

from lib.text_cache import by_text

SECTION_MAX_CHARS = 50_000  # a postmortem section (about 8,000 words)
TEXT_MAX_CHARS = 20_000  # a timeline event, a description

# A link's text and destination must end this close to where they start. Longer ones
# are shown as typed. Real link texts are a few words; signed URLs stay within 2,000.
LINK_TEXT_MAX = 1_000
LINK_DESTINATION_MAX = 2_000
# Brackets in one link's text ("[see [RFC 1]]" has two) or parentheses in one destination
# (a Wikipedia URL has two): no real link has 16.
LINK_TEXT_MAX_BRACKETS = 16

# Chunks: cut before a new block once this long; cut at any line end when twice as long.
CHUNK_LINES = 40
CHUNK_CHARS = 2_000

# Part of the cache key: bump it when the rendering changes (extensions, allowlist).
RENDERING_VERSION = "1"

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5",
    "h6", "hr", "i", "kbd", "li", "ol", "p", "pre", "s", "strong", "sub", "sup", "table",
    "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "td": {"align"},
    "th": {"align"},
}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}
EXTENSIONS = ["extra", "sane_lists", "nl2br"]


class _EscapeHtml(markdown_lib.Extension):
    """Treat HTML typed into Markdown as text, not markup."""

    def extendMarkdown(self, md: markdown_lib.Markdown) -> None:  # the library names it so
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")


def _bounded_text(data: str, index: int) -> tuple[str, int, bool]:
    """LinkInlineProcessor.getText with its walk bounded: the text of a link opened just
    before `index`, up to its matching "]". The bracket searches run in C, at most
    LINK_TEXT_MAX_BRACKETS times over at most LINK_TEXT_MAX characters."""
    end = min(len(data), index + LINK_TEXT_MAX)
    depth, position = 1, index
    for _ in range(LINK_TEXT_MAX_BRACKETS):
        closing = data.find("]", position, end)
        if closing < 0:
            break
        opening = data.find("[", position, closing)
        if opening >= 0:
            depth, position = depth + 1, opening + 1
            continue
        depth, position = depth - 1, closing + 1
        if depth == 0:
            return data[index:closing], position, True
    return "", index, False


_PARENTHESES = re.compile(r"[()]")


def _bounded_link(get_link):
    """LinkInlineProcessor.getLink walks character by character, in Python, to the ")"
    that closes the destination. It gets a window that ends LINK_DESTINATION_MAX
    characters on, or at the LINK_TEXT_MAX_BRACKETS-th parenthesis, whichever comes first
    (each look then costs at most a few characters per parenthesis it could match), and
    no look at all when no ")" is in reach (the common pathological case)."""

    def bounded(data: str, index: int) -> tuple[str, str | None, int, bool]:
        end = min(len(data), index + LINK_DESTINATION_MAX)
        if data.find(")", index, end) < 0:
            return "", None, index, False
        for count, match in enumerate(_PARENTHESES.finditer(data, index, end)):
            if count == LINK_TEXT_MAX_BRACKETS:
                end = match.start()
                break
        href, title, stop, handled = get_link(data[index:end], 0)
        return href, title, index + stop, handled

    return bounded


class _BoundedLinks(markdown_lib.Extension):
    """Bound the link processors' walks (see _bounded_text). Set on the instances the
    library registered, so their patterns and priorities stay the library's."""

    def extendMarkdown(self, md: markdown_lib.Markdown) -> None:  # the library names it so
        for processor in md.inlinePatterns:
            if isinstance(processor, inlinepatterns.LinkInlineProcessor):
                # Instance attributes on purpose (see the docstring); mypy forbids
                # assigning to a method.
                processor.getText = _bounded_text  # type: ignore[method-assign]
                processor.getLink = _bounded_link(processor.getLink)  # type: ignore[method-assign]


_FENCE = re.compile(r"(`{3,}+|~{3,}+)")
_NEW_BLOCK = re.compile(r"(?![-*+] |\d{1,9}[.)] )\S")  # unindented, and no list item
_REFERENCE = re.compile(r"^ {0,3}\[[^\]\n]{1,999}\]:[^\n]*$", re.M)


def _fenced_lines(lines: list[str]) -> set[int]:
    """Numbers of the lines inside fenced code that is closed (as Python-Markdown reads
    fences: "```" or "~~~" at the start of a line, closed by the same fence alone on a
    line). An unclosed fence is not code, so its lines may be cut like any others."""
    fenced: set[int] = set()
    opened_at, fence = -1, ""
    for number, line in enumerate(lines):
        if not fence:
            if opened := _FENCE.match(line):
                opened_at, fence = number, opened[1]
        elif line.rstrip(" \r") == fence:
            fenced.update(range(opened_at + 1, number + 1))
            fence = ""
    return fenced


def _chunks(text: str) -> list[str]:
    """`text` in pieces rendered one by one (see 3. above). A piece ends before an
    unindented line after a blank one (a new paragraph, heading or quote, but not the
    next item of a list with blank lines between its items) once it has CHUNK_LINES lines
    or CHUNK_CHARS characters, and at any line end at twice that; never inside fenced code.
    Reference link definitions are given to every piece, so their links still resolve."""
    # Split on "\n" only: splitlines() also breaks at characters Markdown keeps in a line.
    lines = text.split("\n")
    fenced = _fenced_lines(lines)
    pieces: list[str] = []
    current: list[str] = []
    size, blank_before = 0, False
    for number, line in enumerate(lines):
        if current and number not in fenced:
            long = len(current) >= CHUNK_LINES or size >= CHUNK_CHARS
            too_long = len(current) >= 2 * CHUNK_LINES or size >= 2 * CHUNK_CHARS
            if too_long or (long and blank_before and _NEW_BLOCK.match(line)):
                pieces.append("\n".join(current))
                current, size = [], 0
        current.append(line)
        size += len(line) + 1
        blank_before = not line.strip(" \t\r")
    pieces.append("\n".join(current))
    if len(pieces) > 1 and (references := "\n".join(_REFERENCE.findall(text))):
        pieces = [f"{piece}\n\n{references}\n" for piece in pieces]
    return pieces


_converters = threading.local()


def _converter() -> markdown_lib.Markdown:
    """One converter per thread, reset between texts: building one registers every
    extension again, and a postmortem page renders a dozen texts (bench/README.md,
    "Markdown: one converter per thread")."""
    md = getattr(_converters, "md", None)
    if md is None:
        md = _converters.md = markdown_lib.Markdown(
            extensions=[*EXTENSIONS, _EscapeHtml(), _BoundedLinks()]
        )
    return md.reset()


def render_markdown(text: str) -> SafeString:
    """Safe HTML for `text`; long texts come from the cache once rendered
    (lib/text_cache.py)."""
    if not text:
        return mark_safe("")
    html = by_text(f"markdown:{RENDERING_VERSION}", text, lambda t: str(_render(t)))
    return mark_safe(html)  # cleaned by the nh3 allowlist before it was cached


def _render(text: str) -> SafeString:
    if len(text) < CHUNK_CHARS:
        return clean_html(_converter().convert(text))
    return clean_html("\n".join(_converter().convert(piece) for piece in _chunks(text)))


def clean_html(html: str) -> SafeString:
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer",
    )
    return mark_safe(cleaned)  # cleaned by the nh3 allowlist above

"""Step 1 and 2 of the blameless check: mask what the author did not write in their own
voice, then split the rest into sentences of word tokens (postmortems/blameless/checker.py
describes the whole check)."""

import re
from collections.abc import Iterator
from typing import NamedTuple


class Token(NamedTuple):
    """A word of a sentence. A tuple rather than a frozen dataclass: a long review has
    tens of thousands of them, and a frozen dataclass took a third of the check's time
    just to build them."""

    text: str
    low: str
    start: int
    end: int


# ---- 1. Masking --------------------------------------------------------------------------

# The runs of backticks and tildes are possessive (`{3,}+) and code spans open only at the
# start of a run: otherwise a line of 100,000 backticks is tried at every split of the run,
# and the check ran for minutes. A code span ends within CODE_SPAN_MAX characters, which
# also keeps an unclosed run from scanning the rest of the text at every run.
CODE_SPAN_MAX = 2_000
_FENCE = re.compile(r"^ {0,3}(`{3,}+|~{3,}+)[^\n]*\n.*?(?:^ {0,3}\1[^\n]*$|\Z)", re.M | re.S)
_INLINE_CODE = re.compile(rf"(?<!`)(`++)(.{{1,{CODE_SPAN_MAX}}}?)(?<!`)\1(?!`)", re.S)
_BLOCKQUOTE = re.compile(r"^ {0,3}>[^\n]*", re.M)
# A link's destination ends within 500 characters: unbounded, every "](" scanned to the
# end of its line, and a line of them took 26 s for 40,000 characters.
_URL = re.compile(r"https?://[^\s)>\]]+|\]\([^)\n]{0,500}\)")
_QUOTES = re.compile(
    '"[^"\n]{1,400}"|\u201c[^\u201d\n]{1,400}\u201d|\u2018[^\u2019\n]{1,400}\u2019'
    "|(?<![\\w'\u2019])'[^'\n]{1,200}'(?![\\w])"
)


def mask(text: str) -> str:
    """`text` with code, quotes, blockquotes and URLs blanked out (same length)."""
    chars = list(text)
    for pattern in (_FENCE, _INLINE_CODE, _BLOCKQUOTE, _URL, _QUOTES):
        current = "".join(chars)
        for match in pattern.finditer(current):
            for i in range(match.start(), match.end()):
                if chars[i] != "\n":
                    chars[i] = " "
    return "".join(chars)


# ---- 2. Sentences and tokens -------------------------------------------------------------

_TOKEN = re.compile("@[\\w.-]+|\\w+(?:['\u2019\\-]\\w+)*|[^\\w\\s]")
_BLOCK_START = re.compile(r"\s*(?:[-*+]\s|\d+[.)]\s|#|\||$)")
_ABBREVIATIONS = {"e.g", "i.e", "vs", "etc", "approx", "cf", "mr", "ms", "dr", "no"}
_TIME = re.compile(r"\d{1,2}:\d{2}")


def _line_breaks(masked: str) -> set[int]:
    """Offsets of newlines that end a sentence: a new paragraph, list item, heading or
    table row, or a line that starts with a time (a timeline entry). Soft-wrapped
    lines inside a paragraph continue the sentence."""
    breaks = set()
    for match in re.finditer(r"\n", masked):
        rest = masked[match.end() : match.end() + 40]
        # The last character before the newline, spaces aside: looked up, not copied
        # (copying all that comes before made each newline cost the text's length).
        last = match.start()
        while last > 0 and masked[last - 1] in " \t":
            last -= 1
        if (
            _BLOCK_START.match(rest)
            or _TIME.match(rest.lstrip())
            or last == 0
            or masked[last - 1] in ".!?:|"
        ):
            breaks.add(match.start())
    return breaks


def sentences(masked: str) -> Iterator[list[Token]]:
    breaks = _line_breaks(masked)
    current: list[Token] = []
    last_end = 0
    for match in _TOKEN.finditer(masked):
        gap = masked[last_end : match.start()]
        if current and any(last_end + i in breaks for i, ch in enumerate(gap) if ch == "\n"):
            yield current
            current = []
        text = match.group().replace("\u2019", "'")
        current.append(Token(text, text.lower(), match.start(), match.end()))
        last_end = match.end()
        if text in {".", "!", "?"} and _ends_sentence(current, masked, match.end()):
            yield current
            current = []
    if current:
        yield current


def _ends_sentence(tokens: list[Token], masked: str, end: int) -> bool:
    if len(tokens) >= 2 and tokens[-2].low in _ABBREVIATIONS:
        return False
    rest = masked[end : end + 1]  # one character, not a copy of the rest of the text
    return not rest or rest.isspace()

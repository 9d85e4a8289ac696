"""Line differences between two texts, for the history page and the conflict views.

Built on difflib. Every piece of user text goes through format_html/escape before
it is marked safe, so a text holding "<script>" shows as text. Changed lines that
pair up (a line edited, not added or removed) also mark the changed words with
<del> and <ins>.
"""

import difflib
import re
from collections import Counter
from dataclasses import dataclass

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

CONTEXT_LINES = 3
# difflib looks at every pair of equal elements, again for each block it matches: two
# versions of 700 repeated lines took 37 s (the work grows with the cube). Past this many
# equal pairs, elements that make up more than 1% of the new version are only matched
# next to others (difflib's "autojunk"): the diff may be coarser, never slow.
EQUAL_PAIRS_MAX = 10_000
_WORDS = re.compile(r"\s+|\S+\s*")  # a word with the spaces after it


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "equal", "delete", "insert" or "gap" (unchanged lines left out)
    old_number: int | None
    new_number: int | None
    html: SafeString  # escaped text with <del>/<ins> marks; for a gap, how many lines


def _matcher(a: list[str], b: list[str]) -> difflib.SequenceMatcher:
    counts = Counter(b)
    pairs = sum(counts[element] for element in a)
    return difflib.SequenceMatcher(a=a, b=b, autojunk=pairs > EQUAL_PAIRS_MAX)


def _words(old: str, new: str) -> tuple[SafeString, SafeString]:
    """One edited line: the old one with <del> marks, the new one with <ins> marks."""
    old_words, new_words = _WORDS.findall(old), _WORDS.findall(new)
    old_html, new_html = [], []
    matcher = _matcher(old_words, new_words)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        removed, added = "".join(old_words[i1:i2]), "".join(new_words[j1:j2])
        if tag == "equal":
            old_html.append(escape(removed))
            new_html.append(escape(added))
            continue
        if removed:
            old_html.append(format_html("<del>{}</del>", removed))
        if added:
            new_html.append(format_html("<ins>{}</ins>", added))
    return mark_safe("".join(old_html)), mark_safe("".join(new_html))  # escaped above


def _replace(old: list[str], new: list[str], i: int, j: int) -> list[DiffLine]:
    deleted, inserted = [], []
    old_html: SafeString | None
    new_html: SafeString | None
    for k in range(max(len(old), len(new))):
        if k < len(old) and k < len(new):
            old_html, new_html = _words(old[k], new[k])
        else:
            old_html = format_html("<del>{}</del>", old[k]) if k < len(old) else None
            new_html = format_html("<ins>{}</ins>", new[k]) if k < len(new) else None
        if old_html is not None:
            deleted.append(DiffLine("delete", i + k + 1, None, old_html))
        if new_html is not None:
            inserted.append(DiffLine("insert", None, j + k + 1, new_html))
    return deleted + inserted


def diff_lines(old: str, new: str, *, context: int = CONTEXT_LINES) -> list[DiffLine]:
    """The changed lines of `old` -> `new` with `context` unchanged lines around them.

    Empty when the texts are equal.
    """
    a, b = old.splitlines(), new.splitlines()
    if a == b:
        return []
    lines: list[DiffLine] = []
    shown_to = 0  # old line index up to which lines are accounted for
    matcher = _matcher(a, b)
    for group in matcher.get_grouped_opcodes(context):
        first_old = group[0][1]
        if first_old > shown_to:
            lines.append(DiffLine("gap", None, None, _gap(first_old - shown_to)))
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                lines += [
                    DiffLine("equal", i1 + k + 1, j1 + k + 1, escape(a[i1 + k]))
                    for k in range(i2 - i1)
                ]
            else:
                lines += _replace(a[i1:i2], b[j1:j2], i1, j1)
        shown_to = group[-1][2]
    if shown_to < len(a):
        lines.append(DiffLine("gap", None, None, _gap(len(a) - shown_to)))
    return lines


def _gap(count: int) -> SafeString:
    return format_html("{} unchanged line{}", count, "" if count == 1 else "s")

"""Reads what was typed or pasted into the quick entry: one line or many (nothing is saved).

Each line is either chat-shaped, as the chat import reads it (`[10:42] alice: text`,
`10:42 PM alice: text`, `2026-11-18 10:42:05 alice: text`: chat_import/reader.py), or a
quick line (quick.py: `10:42 restarted the primary`, `+5m ...`). A line without a time
after a chat message continues that message, as in the chat import. Every line is read
after the one before it, so a pasted run carries its date and crosses midnight.
Lines that cannot be read are reported with their number and text, never lost.
"""

import datetime as dt
import re
from dataclasses import dataclass, field, replace
from zoneinfo import ZoneInfo

from lib.markdown import TEXT_MAX_CHARS
from postmortems.chat_import.reader import guess_kind, parse_transcript
from postmortems.timeline_entry.quick import (
    Entry,
    EntryError,
    _carried,
    kind_for,
    localize,
    parse_entry,
)

MAX_LINES = 500

_DATED = re.compile(r"^\s*\[?\d{4}-\d{1,2}-\d{1,2}[ T]")
# A chat author is a name, not a sentence: "10:42 restarted the db: ok" is a quick line.
_AUTHOR_WORDS = 3


@dataclass
class Problem:
    number: int  # 1-based line of what was typed
    text: str
    reason: str


@dataclass
class ReadLines:
    entries: list[Entry] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def failed_text(self) -> str:
        return "\n".join(problem.text for problem in self.problems)


def _chat_entry(line: str, *, previous: dt.datetime, zone: ZoneInfo) -> Entry | None:
    """The line as a chat message, or None when it is not chat-shaped."""
    before = previous.astimezone(zone)
    result = parse_transcript(line, start_date=before.date(), zone=zone)
    if len(result.messages) != 1 or result.problems or result.error:
        return None
    message = result.messages[0]
    author = message.author
    if not author or kind_for(author) or len(author.split()) > _AUTHOR_WORDS:
        return None
    wall = message.occurred_at.replace(tzinfo=None)
    if _DATED.match(line):
        occurred_at, note = localize(wall, zone), ""
    else:
        occurred_at, note = _carried(wall.time(), before, zone)
    return Entry(
        occurred_at=occurred_at, text=message.markdown(), kind=guess_kind(message.text), note=note
    )


def read_lines(text: str, *, previous: dt.datetime, zone: ZoneInfo) -> ReadLines:
    read = ReadLines()
    lines = text.splitlines()
    if len(lines) > MAX_LINES:
        read.problems.append(
            Problem(0, text, f"At most {MAX_LINES} lines at once: split the paste.")
        )
        return read
    last_was_chat = False
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            entry = _chat_entry(line, previous=previous, zone=zone)
            chat = entry is not None
            if entry is None:
                entry = parse_entry(line, previous=previous, zone=zone)
        except EntryError as error:
            if last_was_chat and not re.match(r"^\s*[\[+]?\d", line):
                read.entries[-1] = replace(
                    read.entries[-1], text=f"{read.entries[-1].text}\n{line.rstrip()}"
                )
                continue
            read.problems.append(Problem(number, line, error.message))
            last_was_chat = False
            continue
        if len(entry.text) > TEXT_MAX_CHARS:
            read.problems.append(
                Problem(number, line, f"Longer than {TEXT_MAX_CHARS:,} characters: split it.")
            )
            continue
        read.entries.append(entry)
        if entry.note:
            read.notes.append(entry.note)
        previous, last_was_chat = entry.occurred_at, chat
    return read

"""A small iCalendar (RFC 5545) writer: just what the action item feed needs.

Written here rather than taken from a package: the feed needs all-day events
with five properties, and the rules that matter (TEXT escaping in 3.3.11, line
folding at 75 octets in 3.1, CRLF line ends) fit in a few lines.
"""

import datetime as dt
import re
from dataclasses import dataclass

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")  # not allowed in TEXT (HTAB, LF are)


def escape_text(value: str) -> str:
    """A TEXT value: backslash, semicolon and comma escaped, line breaks as \\n."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = _CONTROL.sub("", value)  # keeps \n, which is not in the class
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\n", "\\n")


def fold(line: str) -> str:
    """Split a content line into lines of at most 75 octets, continuations starting with
    a space, never inside a UTF-8 character."""
    out: list[str] = []
    current: list[str] = []
    size, limit = 0, 75
    for char in line:
        width = len(char.encode())
        if size + width > limit:
            out.append("".join(current))
            current, size, limit = [" "], 1, 75
        current.append(char)
        size += width
    out.append("".join(current))
    return "\r\n".join(out)


@dataclass(frozen=True)
class AllDayEvent:
    uid: str
    day: dt.date
    summary: str
    description: str
    url: str


def _date(day: dt.date) -> str:
    return day.strftime("%Y%m%d")


def _next_day(day: dt.date) -> dt.date:
    # Due dates are bounded (lib/moments.py); should the last day Python knows
    # reach here anyway, a one-day event that ends where it starts beats a broken feed.
    return day + dt.timedelta(days=1) if day < dt.date.max else day


def calendar(*, name: str, events: list[AllDayEvent], stamp: dt.datetime, prodid: str) -> str:
    """A VCALENDAR with one all-day VEVENT per event (DTEND is the next day, exclusive)."""
    stamp_text = stamp.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{prodid}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(name)}",
    ]
    for event in events:
        lines += [
            "BEGIN:VEVENT",
            f"UID:{event.uid}",
            f"DTSTAMP:{stamp_text}",
            f"DTSTART;VALUE=DATE:{_date(event.day)}",
            f"DTEND;VALUE=DATE:{_date(_next_day(event.day))}",
            f"SUMMARY:{escape_text(event.summary)}",
            f"DESCRIPTION:{escape_text(event.description)}",
            f"URL:{event.url}",  # a URI value: not TEXT, so not escaped
            "TRANSP:TRANSPARENT",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)

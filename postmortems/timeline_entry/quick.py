"""Reads one quick timeline line: `10:42 restarted the primary` (nothing is saved here).

A line is `[when] [kind:] text`, where `when` is one of
- `10:42` or `10:42:05`: that time on the day carried from the event before;
- `+5m`, `+1h`, `+1h30m`, `+90s`: that long after the event before;
- `2026-11-18 10:42` or `Nov 18 10:42` (`18 Nov 10:42` too): a full date, the year of
  the event before when none is given;
and `kind:` names one of the timeline's kinds (`d:`, `detect:`, `mitigation:`, `comms:`...).

Times are wall-clock times in the writer's zone. A bare time earlier than the event
before is read on the next day when that is nearer (`00:10` after `23:50` is twenty
minutes later, not a day earlier); the entry says so in its note. A wall time that a
DST change skips is refused, and one it repeats is read as the earlier of the two
unless that falls before the event before (then as the later one).

Pure: no database, no clock. Errors are EntryError with a message meant for the writer.
"""

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from lib.moments import OUT_OF_RANGE, moment_in_range
from postmortems.models.reviews import TimelineEvent

Kind = TimelineEvent.Kind

MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}

# Words a writer may put before a colon to set the kind; a kind's first letter and
# prefixes of at least three letters of its name also do ("d:", "detect:", "mitig:").
KIND_WORDS = {
    "alert": Kind.DETECTION,
    "detected": Kind.DETECTION,
    "comms": Kind.COMMUNICATION,
    "comm": Kind.COMMUNICATION,
    "resolved": Kind.RESOLUTION,
    "resolve": Kind.RESOLUTION,
    "fix": Kind.RESOLUTION,
    "mitigated": Kind.MITIGATION,
    "escalated": Kind.ESCALATION,
    "page": Kind.ESCALATION,
    "paged": Kind.ESCALATION,
}

_CLOCK = r"(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?"
_ISO = re.compile(rf"^(?P<date>\d{{4}}-\d{{1,2}}-\d{{1,2}})[ T]{_CLOCK}(?=\s|$)")
_MONTH_DAY = re.compile(
    rf"^(?:(?P<month>[A-Za-z]{{3,9}})\.?\s+(?P<day>\d{{1,2}})|(?P<day2>\d{{1,2}})\s+"
    rf"(?P<month2>[A-Za-z]{{3,9}})\.?)(?:,?\s+(?P<year>\d{{4}}))?,?\s+{_CLOCK}(?=\s|$)"
)
_TIME = re.compile(rf"^{_CLOCK}(?=\s|$)")
_RELATIVE = re.compile(
    r"^\+(?=\d)(?:(?P<hours>\d{1,3})h)?(?:(?P<minutes>\d{1,4})m)?(?:(?P<seconds>\d{1,5})s)?"
    r"(?=\s|$)"
)
_KIND = re.compile(r"^(?P<word>[A-Za-z]{1,15}):(?:\s+|$)")

HELP = (
    "Start the line with a time (10:42), a step from the event before (+5m, +1h30m) "
    "or a date and time (2026-11-18 10:42, Nov 18 10:42)."
)


class EntryError(ValueError):
    @property
    def message(self) -> str:
        return str(self.args[0])


@dataclass(frozen=True)
class Entry:
    occurred_at: dt.datetime  # aware, in the writer's zone
    text: str
    kind: str | None  # None when the line names none
    note: str = ""  # how a time was read, when it is not the obvious reading


def kind_for(word: str) -> str | None:
    word = word.lower()
    if word in KIND_WORDS:
        return KIND_WORDS[word].value
    # One letter is the kind's first letter, as typed in the kind select (the seven
    # kinds start with seven letters); longer words need three letters.
    found = {
        kind.value
        for kind in Kind
        if (len(word) == 1 or len(word) >= 3)
        and (kind.value.startswith(word) or kind.label.lower().startswith(word))
    }
    return found.pop() if len(found) == 1 else None


def split_kind(text: str) -> tuple[str | None, str]:
    """`detect: alert fired` -> ("detection", "alert fired"); other text unchanged."""
    match = _KIND.match(text)
    if match and (kind := kind_for(match["word"])):
        return kind, text[match.end() :].strip()
    return None, text


def _clock(match: re.Match) -> dt.time:
    try:
        return dt.time(int(match["hour"]), int(match["minute"]), int(match["second"] or 0))
    except ValueError:
        raise EntryError(f"“{match.group(0).split()[-1]}” is not a time of day.") from None


def _day(day: dt.date) -> str:
    return f"{day:%a %-d %b %Y}"


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC)


def localize(wall: dt.datetime, zone: ZoneInfo, *, not_before: dt.datetime | None = None):
    """`wall` (naive) in `zone`: refused when the zone skips it; of the two readings of a
    repeated hour, the first, unless it is before `not_before` (then the second: the
    one after it, or the nearer one before it)."""
    first = wall.replace(tzinfo=zone, fold=0)
    second = wall.replace(tzinfo=zone, fold=1)
    if first.utcoffset() != second.utcoffset():
        # In a gap, each fold reads the time with the other side's offset; converting
        # back gives a different wall time.
        if first.astimezone(dt.UTC).astimezone(zone).replace(tzinfo=None) != wall:
            raise EntryError(
                f"{wall:%H:%M} does not exist on {_day(wall)} in {zone.key}: the clocks "
                "were put forward. Use the time after the change."
            )
        # Compared in UTC: Python compares two times of one zone by their wall clocks.
        # Both readings before the event: the nearer one, the second.
        if not_before is not None and _utc(first) < _utc(not_before):
            return second
    return first


def parse_entry(line: str, *, previous: dt.datetime, zone: ZoneInfo) -> Entry:
    """One line, read after the event at `previous` (aware; the incident's start when
    there is no event yet), in the writer's `zone`."""
    line = line.strip()
    if not line:
        raise EntryError("Type a time and what happened, e.g. “10:42 restarted the primary”.")
    before = previous.astimezone(zone)
    note = ""
    if match := _RELATIVE.match(line):
        step = dt.timedelta(
            hours=int(match["hours"] or 0),
            minutes=int(match["minutes"] or 0),
            seconds=int(match["seconds"] or 0),
        )
        if not step:
            raise EntryError(f"“{match.group(0)}” is no step: write +5m, +1h or +1h30m. {HELP}")
        # Durations count real time: across a DST change the wall clock moves by more
        # or less than the step.
        occurred_at = (before.astimezone(dt.UTC) + step).astimezone(zone)
    elif match := _ISO.match(line):
        try:
            date = dt.date.fromisoformat(
                "-".join(part.zfill(2) for part in match["date"].split("-"))
            )
        except ValueError:
            raise EntryError(f"“{match['date']}” is not a date.") from None
        occurred_at = localize(dt.datetime.combine(date, _clock(match)), zone)
    elif match := _MONTH_DAY.match(line):
        month = MONTHS.get((match["month"] or match["month2"]).lower())
        if month is None:
            raise EntryError(f"“{match['month'] or match['month2']}” is not a month. {HELP}")
        year = int(match["year"]) if match["year"] else before.year
        try:
            date = dt.date(year, month, int(match["day"] or match["day2"]))
        except ValueError:
            raise EntryError(f"“{match.group(0)}” is not a date.") from None
        occurred_at = localize(dt.datetime.combine(date, _clock(match)), zone)
    elif match := _TIME.match(line):
        occurred_at, note = _carried(_clock(match), before, zone)
    else:
        raise EntryError(f"No time at the start of the line. {HELP}")
    if not moment_in_range(occurred_at):
        raise EntryError(OUT_OF_RANGE)
    kind, text = split_kind(line[match.end() :].strip())
    if not text:
        raise EntryError("Say what happened after the time.")
    return Entry(occurred_at=occurred_at, text=text, kind=kind, note=note)


def _carried(clock: dt.time, before: dt.datetime, zone: ZoneInfo) -> tuple[dt.datetime, str]:
    """A bare time on the carried day, or on the next when that is nearer (past midnight)."""
    day = before.date()
    same = localize(dt.datetime.combine(day, clock), zone, not_before=before)
    if _utc(same) >= _utc(before):
        return same, ""
    try:
        following = localize(dt.datetime.combine(day + dt.timedelta(days=1), clock), zone)
    except (EntryError, OverflowError):
        return same, ""
    if _utc(following) - _utc(before) < _utc(before) - _utc(same):
        return following, f"{clock:%H:%M} is after midnight: read as {_day(following)}."
    return same, ""

"""Turns a pasted chat transcript into timeline events (nothing is saved here).

Two formats are understood:
- a Slack export: a JSON list of messages (or {"messages": [...]}) with `ts`
  epoch strings, `user` / `user_profile.real_name` / `username`, `text`, and
  `subtype` for join, leave, topic and similar notices, which are skipped;
  thread replies are ordinary messages at their own time;
- plain lines: `[10:42] alice: text`, `10:42 alice: text`, `10:42 PM alice: text`,
  `[2026-11-02 10:42:05] alice: text`. A line without a time continues the
  message above it.

Times without a date are on `start_date` in `zone` (the caller passes the
incident's date and zone) and roll over to the next day whenever a time is
earlier than the one before it (a transcript runs forward, across midnight).
Lines that cannot be read are reported with their number, never fatal.
"""

import datetime as dt
import re
from dataclasses import dataclass, field
from html import unescape
from zoneinfo import ZoneInfo

from postmortems.json_input import JsonInputError, JsonSyntaxError, loads_untrusted
from postmortems.markdown import TEXT_MAX_CHARS
from postmortems.models import TimelineEvent
from postmortems.moments import OUT_OF_RANGE, moment_in_range

MAX_BYTES = 500_000
MAX_EVENTS = 2_000

Kind = TimelineEvent.Kind

# Checked in this order, so "alert resolved" is a resolution, not a detection.
_KIND_WORDS = [
    (Kind.RESOLUTION, re.compile(r"\bresolved\b|\brecovered\b|\ball[- ]clear\b")),
    (
        Kind.MITIGATION,
        re.compile(r"\brolled back\b|\broll(?:ing)? ?back\b|\bfail(?:ed)? ?over\b|mitigat"),
    ),
    (Kind.DETECTION, re.compile(r"\balert|\bpaged\b|\bnoticed\b|\bdetected\b")),
]

# Slack notices that are not part of the conversation. Anything else with a
# subtype (bot messages, thread broadcasts, file shares) is kept.
SKIPPED_SUBTYPES = frozenset(
    {
        "channel_join",
        "channel_leave",
        "channel_topic",
        "channel_purpose",
        "channel_name",
        "channel_archive",
        "channel_unarchive",
        "group_join",
        "group_leave",
        "group_topic",
        "group_purpose",
        "group_name",
        "pinned_item",
        "unpinned_item",
        "bot_add",
        "bot_remove",
        "reminder_add",
    }
)

_LINE = re.compile(
    r"""^\s*
    (?P<open>\[)?
    (?:(?P<date>\d{4}-\d{2}-\d{2})[ T])?
    (?P<time>\d{1,2}:\d{2}(?::\d{2})?)
    (?:\s?(?P<ampm>[AaPp]\.?[Mm]\.?)(?!\w))?
    (?(open)\])
    \s*[-\u2013|]?\s*
    <?(?P<author>[^\s:<>\[\]][^:<>\[\]]{0,59}?)>?
    :(?:\s+(?P<text>.*))?$""",
    re.VERBOSE,
)
# Something that starts like a timestamped message but did not parse as one.
_LOOKS_TIMED = re.compile(r"^\s*\[?\d{1,4}[-:]\d")


def guess_kind(text: str) -> str:
    lowered = text.lower()
    for kind, pattern in _KIND_WORDS:
        if pattern.search(lowered):
            return kind
    return Kind.ACTION


@dataclass
class ChatMessage:
    occurred_at: dt.datetime  # aware
    author: str
    text: str
    in_thread: bool = False

    @property
    def kind(self) -> str:
        return guess_kind(self.text)

    def markdown(self) -> str:
        """The event text: the message, quoted with its author in bold."""
        if not self.author:
            return self.text
        return f"**{_escape_markdown(self.author)}**: {self.text}"


@dataclass
class Problem:
    line: int  # 1-based line of the paste (the message's position for Slack JSON)
    text: str
    reason: str


@dataclass
class ParseResult:
    messages: list[ChatMessage] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    skipped: int = 0  # Slack notices (joins, topic changes) left out on purpose
    error: str = ""  # the whole paste was refused (too large, too many events)


def _escape_markdown(text: str) -> str:
    return re.sub(r"([\\`*_\[\]<>#])", r"\\\1", text)


def too_large(text: str) -> str:
    size = len(text.encode())
    if size > MAX_BYTES:
        return (
            f"The transcript is {size // 1000:,} KB; at most {MAX_BYTES // 1000:,} KB can be "
            "imported at once. Split it and import the parts one after the other."
        )
    return ""


def parse_transcript(text: str, *, start_date: dt.date, zone: ZoneInfo) -> ParseResult:
    if error := too_large(text):
        return ParseResult(error=error)
    stripped = text.strip()
    result = None
    if stripped[:1] in "[{":
        try:
            data = loads_untrusted(stripped)
        except JsonSyntaxError:
            data = None  # "[10:42] alice: ..." starts with a bracket too
        except JsonInputError as error:
            # JSON, but nested past any export or holding what no timeline stores (NUL,
            # half a UTF-16 pair): json.loads alone failed the page (RecursionError)
            # or the database.
            return ParseResult(error=f"This Slack export cannot be imported: {error}")
        if isinstance(data, dict):
            data = data.get("messages")
        if isinstance(data, list):
            result = _parse_slack(data)
    if result is None:
        result = _parse_lines(text, start_date=start_date, zone=zone)
    _refuse_long_messages(result)
    if len(result.messages) > MAX_EVENTS:
        return ParseResult(
            error=f"The transcript holds {len(result.messages):,} messages; at most "
            f"{MAX_EVENTS:,} can be imported at once. Split it and import the parts "
            "one after the other."
        )
    return result


def _refuse_long_messages(result: ParseResult) -> None:
    """A message becomes a timeline event, which holds at most TEXT_MAX_CHARS (what
    rendering can afford on every view of the review)."""
    kept = []
    for position, message in enumerate(result.messages, start=1):
        if len(message.markdown()) > TEXT_MAX_CHARS:
            reason = f"longer than {TEXT_MAX_CHARS:,} characters: split it"
            result.problems.append(Problem(position, message.text[:200], reason))
        else:
            kept.append(message)
    result.messages = kept


# Plain lines -----------------------------------------------------------------


def _clock(match: re.Match) -> dt.time | None:
    parts = [int(p) for p in match["time"].split(":")]
    hour, minute, second = [*parts, 0][:3]
    if ampm := match["ampm"]:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if ampm[0] in "Pp" else 0)
    try:
        return dt.time(hour, minute, second)
    except ValueError:
        return None


def _parse_lines(text: str, *, start_date: dt.date, zone: ZoneInfo) -> ParseResult:
    result = ParseResult()
    day = start_date
    previous: dt.datetime | None = None  # local wall time of the last message
    current: ChatMessage | None = None
    lines: list[str] = []

    def finish() -> None:
        if current is not None:
            current.text = "\n".join(lines).strip()
            result.messages.append(current)

    for number, line in enumerate(text.splitlines(), start=1):
        match = _LINE.match(line)
        if match is None:
            if _LOOKS_TIMED.match(line):
                result.problems.append(Problem(number, line, "a time without “name:” after it"))
            elif current is not None:
                lines.append(line.rstrip())
            elif line.strip():
                result.problems.append(Problem(number, line, "text before the first message"))
            continue
        clock = _clock(match)
        date = day
        if match["date"]:
            try:
                date = dt.date.fromisoformat(match["date"])
            except ValueError:
                clock = None
        if clock is None:
            result.problems.append(Problem(number, line, "not a valid date or time"))
            continue
        local = dt.datetime.combine(date, clock)
        if not match["date"] and previous is not None and local < previous:
            date += dt.timedelta(days=1)  # past midnight (`day` is in range: no overflow)
            local = dt.datetime.combine(date, clock)
        if not moment_in_range(local.replace(tzinfo=zone)):
            result.problems.append(Problem(number, line, OUT_OF_RANGE))
            continue
        day, previous = date, local
        finish()
        current = ChatMessage(
            occurred_at=local.replace(tzinfo=zone), author=match["author"].strip(), text=""
        )
        lines = [match["text"] or ""]
    finish()
    return result


# Slack export ----------------------------------------------------------------

_SLACK_LINK = re.compile(r"<([^<>|]+)(?:\|([^<>]*))?>")


def _slack_author(message: dict) -> str:
    profile = message.get("user_profile") if isinstance(message.get("user_profile"), dict) else {}
    for name in (
        profile.get("real_name"),
        profile.get("display_name"),
        message.get("username"),
        message.get("user_name"),
        message.get("user"),
    ):
        if isinstance(name, str) and name.strip():
            return name.strip()
    return "unknown"


def _slack_text(text: str, names: dict[str, str]) -> str:
    """Slack's markup to Markdown: <url|label> links, <@U123> mentions, &lt; escapes."""

    def link(match: re.Match) -> str:
        target, label = match[1], match[2]
        if target.startswith("@"):
            return "@" + names.get(target[1:], label or target[1:])
        if target.startswith("#"):
            return "#" + (label or target[1:])
        if target.startswith("!"):
            return "@" + (label or target[1:].split("^")[0])
        if label and label != target:
            return f"[{label}]({target})"
        return target

    return unescape(_SLACK_LINK.sub(link, text))


def _parse_slack(data: list) -> ParseResult:
    result = ParseResult()
    names = {
        m["user"]: _slack_author(m)
        for m in data
        if isinstance(m, dict) and isinstance(m.get("user"), str) and m.get("user_profile")
    }
    for position, message in enumerate(data, start=1):
        if not isinstance(message, dict):
            result.problems.append(Problem(position, str(message)[:200], "not a message"))
            continue
        if message.get("subtype") in SKIPPED_SUBTYPES:
            result.skipped += 1
            continue
        text = message.get("text")
        try:
            seconds = float(message["ts"])
            occurred_at = dt.datetime.fromtimestamp(seconds, tz=dt.UTC)
        except (KeyError, TypeError, ValueError, OverflowError, OSError):
            result.problems.append(Problem(position, str(text)[:200], "no valid `ts`"))
            continue
        if not moment_in_range(occurred_at):
            result.problems.append(Problem(position, str(text)[:200], OUT_OF_RANGE))
            continue
        if not isinstance(text, str) or not text.strip():
            result.skipped += 1  # e.g. a file share without a comment
            continue
        thread = message.get("thread_ts")
        result.messages.append(
            ChatMessage(
                occurred_at=occurred_at,
                author=_slack_author(message),
                text=_slack_text(text, names).strip(),
                in_thread=bool(thread) and thread != message.get("ts"),
            )
        )
    result.messages.sort(key=lambda m: m.occurred_at)
    return result

"""Turns a pasted chat transcript into timeline events (nothing is saved here).

Two formats are understood:
- a Slack export: a JSON list of messages (a day file), or {"messages": [...],
  "users": ..., "channels": ...} as slack_export.carried_json writes it for an
  uploaded export, with `ts` epoch strings, `user` (named from users.json, else
  `user_profile`, `bot_profile` or `username`), `text` (converted from Slack's
  markup by slack_markup), bots' `attachments` and `blocks`, `files`, and `subtype`
  for join, leave, topic and similar notices, which are skipped; thread replies are
  messages at their own time, marked as replies;
- plain lines: `[10:42] alice: text`, `10:42 alice: text`, `10:42 PM alice: text`,
  `[2026-11-02 10:42:05] alice: text`. A line without a time continues the
  message above it.

Times without a date are on `start_date` in `zone` (the caller passes the
incident's date and zone) and roll over to the next day whenever a time is
earlier than the one before it (a transcript runs forward, across midnight).
Lines that cannot be read are reported with their number, never fatal.
"""

import datetime as dt
import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field

from lib.json_input import JsonInputError, JsonSyntaxError, loads_untrusted
from lib.markdown import TEXT_MAX_CHARS
from lib.moments import OUT_OF_RANGE, moment_in_range
from postmortems.chat_import.slack_export import user_names
from postmortems.chat_import.slack_markup import message_markdown
from postmortems.models.reviews import TimelineEvent

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
        "tombstone",  # "This message was deleted." left in place of a thread's parent
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
    reply_to: str = ""  # the author of the thread's first message, when known
    # Identifies the message across imports (TimelineEvent.import_key).
    key: str = ""

    @property
    def kind(self) -> str:
        return guess_kind(self.text)

    def markdown(self) -> str:
        """The event text: the message, quoted with its author in bold (and, for a
        thread reply, whom it answers)."""
        if not self.author:
            return self.text
        author = f"**{_escape_markdown(self.author)}**"
        if self.in_thread:
            to = f" to {_escape_markdown(self.reply_to)}" if self.reply_to else ""
            author += f" (thread reply{to})"
        # A code block or quote needs a line of its own.
        gap = "\n\n" if re.match(r"```|>", self.text) else " "
        return f"{author}:{gap}{self.text}"


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
    notes: list[str] = field(default_factory=list)  # warnings (no users.json)


def _escape_markdown(text: str) -> str:
    return re.sub(r"([\\`*_\[\]<>#])", r"\\\1", text)


def too_large(text: str, max_bytes: int = MAX_BYTES) -> str:
    size = len(text.encode())
    if size > max_bytes:
        return (
            f"The transcript is {size // 1000:,} KB; at most {max_bytes // 1000:,} KB can be "
            "imported at once. Split it and import the parts one after the other."
        )
    return ""


def parse_transcript(
    text: str, *, start_date: dt.date, zone: dt.tzinfo, max_bytes: int = MAX_BYTES
) -> ParseResult:
    if error := too_large(text, max_bytes):
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
        if isinstance(data, list):
            result = _parse_slack(data)
        elif isinstance(data, dict) and isinstance(data.get("messages"), list):
            result = _parse_slack(
                data["messages"],
                users=_names(data.get("users")),
                channels=_names(data.get("channels")),
            )
            notes = data.get("notes")
            result.notes = [str(n) for n in notes] if isinstance(notes, list) else []
    if result is None:
        result = _parse_lines(text, start_date=start_date, zone=zone)
        _key_lines(result.messages)
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


def _parse_lines(text: str, *, start_date: dt.date, zone: dt.tzinfo) -> ParseResult:
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


def _key_lines(messages: list[ChatMessage]) -> None:
    """A pasted line's key is what it says (time, author, text), numbered when the
    same line appears more than once, so pasting it again adds nothing."""
    seen: Counter[str] = Counter()
    for message in messages:
        line = f"{message.occurred_at.isoformat()}|{message.author}|{message.text}"
        digest = hashlib.sha256(line.encode()).hexdigest()[:40]
        seen[digest] += 1
        message.key = f"chat:{digest}:{seen[digest]}"


# Slack export ----------------------------------------------------------------


def _names(value: object) -> dict[str, str]:
    """id -> name, from users.json's list of users or from a mapping."""
    if isinstance(value, dict):
        return {str(k): v for k, v in value.items() if isinstance(v, str) and v.strip()}
    return user_names(value)


def _slack_author(message: dict, users: dict[str, str]) -> str:
    profile = message.get("user_profile")
    if not isinstance(profile, dict):
        profile = {}
    bot = message.get("bot_profile")
    if not isinstance(bot, dict):
        bot = {}
    user = message.get("user")
    for name in (
        users.get(user) if isinstance(user, str) else None,
        profile.get("real_name"),
        profile.get("display_name"),
        bot.get("name"),
        message.get("username"),
        message.get("user_name"),
        message.get("user"),
        message.get("bot_id"),
    ):
        if isinstance(name, str) and name.strip():
            return name.strip()
    return "unknown"


_TS = re.compile(r"^\s*(\d{1,12})(?:\.(\d{1,6})\d*)?\s*$")


def slack_time(ts: object) -> dt.datetime:
    """Slack's `ts` ("1793615040.000200": seconds and microseconds since the epoch) as
    an aware UTC time, to the microsecond: read digit by digit, never through a float."""
    match = _TS.match(ts) if isinstance(ts, str) else None
    if match is None:
        raise ValueError(ts)
    micro = int((match[2] or "0").ljust(6, "0"))
    return dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(
        seconds=int(match[1]), microseconds=micro
    )


def _parse_slack(
    data: list, users: dict[str, str] | None = None, channels: dict[str, str] | None = None
) -> ParseResult:
    result = ParseResult()
    names = {
        m["user"]: _slack_author(m, {})
        for m in data
        if isinstance(m, dict) and isinstance(m.get("user"), str) and m.get("user_profile")
    }
    names.update(users or {})
    for position, message in enumerate(data, start=1):
        if not isinstance(message, dict):
            result.problems.append(Problem(position, str(message)[:200], "not a message"))
            continue
        if message.get("subtype") in SKIPPED_SUBTYPES:
            result.skipped += 1
            continue
        text = message.get("text")
        try:
            occurred_at = slack_time(message.get("ts"))
        except (ValueError, OverflowError):
            result.problems.append(Problem(position, str(text)[:200], "no valid `ts`"))
            continue
        if not moment_in_range(occurred_at):
            result.problems.append(Problem(position, str(text)[:200], OUT_OF_RANGE))
            continue
        markdown = message_markdown(message, users=names, channels=channels).strip()
        if not markdown:
            result.skipped += 1  # nothing to show (e.g. a deleted message's tombstone)
            continue
        thread = message.get("thread_ts")
        reply = bool(thread) and thread != message.get("ts")
        parent = message.get("parent_user_id")
        author = _slack_author(message, names)
        who = message.get("user") or message.get("bot_id") or message.get("username") or ""
        result.messages.append(
            ChatMessage(
                occurred_at=occurred_at,
                author=author,
                text=markdown,
                in_thread=reply,
                reply_to=names.get(parent, parent) if reply and isinstance(parent, str) else "",
                # ts is unique within a channel; with the author it is unique across
                # channels too, and it does not depend on how the export was uploaded
                # (ZIP, day files, or pasted), so all three recognise the same message.
                key=f"slack:{message['ts'].strip()}:{who}"[:200],
            )
        )
    result.messages.sort(key=lambda m: m.occurred_at)
    return result

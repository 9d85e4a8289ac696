"""Is an action item actionable? Flags for items that are intentions rather than changes.

An item is flagged when its title uses a vague verb ("improve", "look into", "be more
careful", "try to", "monitor", "investigate" or "review" without saying what they
produce), or when it has no owner, no due date, no type, no verification (how we will
know it worked, described; or "no check possible" with the reason), or a due date that
had already passed when it was written. Only unfinished commitments are flagged: once
an item is done, or marked "won't do" with a reason, there is nothing left to sharpen,
and an idea needs nothing until it is committed.

The checks read only the item's own columns (title, owner_id, due_date, type,
verification, verification_plan, created_at), so flagging a list costs no queries.
"""

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone

from postmortems.models.actions import ActionItem


@dataclass(frozen=True)
class QualityFlag:
    code: str
    label: str  # the badge text
    advice: str  # what to do about it


def _flag(code: str, label: str, advice: str) -> QualityFlag:
    return QualityFlag(code, label, advice)


VAGUE_IMPROVE = _flag(
    "vague-improve",
    "Vague: “improve”",
    "Say what changes and how you will know: “Alert when checkout p99 exceeds 2 s”, "
    "not “Improve monitoring”. A target with a number is fine.",
)
VAGUE_LOOK_INTO = _flag(
    "vague-look-into",
    "Vague: “look into”",
    "Name the outcome: what will exist or be decided when this is done?",
)
VAGUE_CAREFUL = _flag(
    "vague-careful",
    "Relies on people being careful",
    "Change the system so the slip is hard to make or quick to catch; "
    "asking people to be more careful changes nothing.",
)
VAGUE_INVESTIGATE = _flag(
    "vague-investigate",
    "Investigation without an outcome",
    "Say what the investigation produces: “Investigate X and document / decide / propose Y”.",
)
VAGUE_MONITOR = _flag(
    "vague-monitor",
    "Watching is not a change",
    "People watching a graph is not a fix: add an alert with a threshold, "
    "e.g. “Alert on replication lag above 30 s”.",
)
VAGUE_REVIEW = _flag(
    "vague-review",
    "Review without an outcome",
    "Say what is reviewed and what the review produces: “Review X and remove / update Y”.",
)
VAGUE_TRY = _flag(
    "vague-try",
    "“Try to”",
    "Commit to a concrete change, or leave the item out.",
)
NO_OWNER = _flag("no-owner", "No owner", "Choose one person who makes sure it happens.")
NO_DUE_DATE = _flag("no-due-date", "No due date", "Set a date; items without one slip.")
NO_TYPE = _flag(
    "no-type",
    "No type",
    "Choose whether it prevents a recurrence, detects it sooner, mitigates it faster, "
    "or changes a process.",
)
NO_VERIFICATION = _flag(
    "no-verification",
    "No way to know it worked",
    "Say how we will know it worked: a test, an alert, a metric or a drill, described; "
    "or “no check possible”, with the reason.",
)
DUE_IN_PAST = _flag(
    "due-in-past",
    "Due before it was written",
    "The due date had already passed when the item was created: choose a real date.",
)

FLAGS = (
    VAGUE_IMPROVE,
    VAGUE_LOOK_INTO,
    VAGUE_CAREFUL,
    VAGUE_INVESTIGATE,
    VAGUE_MONITOR,
    VAGUE_REVIEW,
    VAGUE_TRY,
    NO_OWNER,
    NO_DUE_DATE,
    NO_TYPE,
    NO_VERIFICATION,
    DUE_IN_PAST,
)

# "… and document the findings", "… to decide whether", "… so that": the work has an end.
_OUTCOME = re.compile(
    r"\b(and|then|to)\s+(document|decide|propose|write|report|recommend|fix|add|remove|"
    r"replace|file|publish|present|choose|pick|implement|update|create|set|agree|delete|"
    r"change|migrate|raise|lower|split|automate|disable|enable)\b"
    r"|\bso that\b"
    r"|\bwith an? (decision|proposal|write-?up|report|recommendation|plan)\b"
)
_IMPROVE = re.compile(r"\b(improve[sd]?|improving|better|enhance[sd]?|optimi[sz]e)\b")
_LOOK_INTO = re.compile(r"\blook(s|ing)? (in)?to\b|\blook at\b|\bcheck on\b")
_CAREFUL = re.compile(
    r"\b(be|being) (more )?(careful|vigilant|aware)\b|\bpay (more )?attention\b"
    r"|\bremember to\b|\bdouble[- ]check\b|\btake (more )?care\b"
)
_INVESTIGATE = re.compile(r"\binvestigat(e|es|ing)\b|\bdig into\b|\bexplore\b")
_MONITOR = re.compile(r"^(monitor|keep monitoring|keep an eye on|watch)\b")
_ALERTING = re.compile(r"\b(alert|alerts|page|pages|notify)\b")
_REVIEW = re.compile(r"^(re-?)?(review|revisit|reconsider)\b")
_TRY = re.compile(r"\b(try|attempt|aim) to\b")
_DIGIT = re.compile(r"\d")

# A due date is "in the past at creation" only if it was past everywhere on earth at
# that moment: comparing in UTC-12 never flags someone late in the evening in a
# western zone whose "today" is still the server's yesterday.
_EARLIEST_ZONE = timezone(timedelta(hours=-12))


def title_flags(title: str) -> list[QualityFlag]:
    """The vague-language flags of one title (positive and negative examples in
    tests/core/readiness/test_action_quality.py)."""
    text = " ".join(title.lower().split())
    flags = []
    if _IMPROVE.search(text) and not _DIGIT.search(text):
        flags.append(VAGUE_IMPROVE)
    if _LOOK_INTO.search(text):
        flags.append(VAGUE_LOOK_INTO)
    if _CAREFUL.search(text):
        flags.append(VAGUE_CAREFUL)
    if _INVESTIGATE.search(text) and not _OUTCOME.search(text):
        flags.append(VAGUE_INVESTIGATE)
    if _MONITOR.search(text) and not _ALERTING.search(text):
        flags.append(VAGUE_MONITOR)
    if _REVIEW.search(text) and not _OUTCOME.search(text):
        flags.append(VAGUE_REVIEW)
    if _TRY.search(text):
        flags.append(VAGUE_TRY)
    return flags


def due_in_past_at_creation(due_date: date | None, created_at: datetime) -> bool:
    if due_date is None:
        return False
    return due_date < created_at.astimezone(_EARLIEST_ZONE).date()


def has_verification(item: ActionItem) -> bool:
    """The item names its check and describes it (for "no check possible": why)."""
    return bool(item.verification and item.verification_plan.strip())


def action_item_flags(item: ActionItem) -> list[QualityFlag]:
    """Everything that makes `item` less than actionable; [] for finished items and
    for ideas (an idea needs nothing until it is committed)."""
    if item.is_finished or item.is_idea:
        return []
    flags = title_flags(item.title)
    if item.owner_id is None:
        flags.append(NO_OWNER)
    if item.due_date is None:
        flags.append(NO_DUE_DATE)
    if not item.type:
        flags.append(NO_TYPE)
    if not has_verification(item):
        flags.append(NO_VERIFICATION)
    if due_in_past_at_creation(item.due_date, item.created_at or datetime.now(UTC)):
        flags.append(DUE_IN_PAST)
    return flags

"""Where a team's on-call breaks the rules of a sustainable rotation, in words for the
load page, the API and the digest. The staffing rules themselves (four or more, a
secondary) live in postmortems/alerting/oncall/checks.py, which the rotation pages use;
the load rules below live here only. Every page that warns about a rotation (the load page, the
rotation pages, the API, the digest) asks here.

The rules and their sources:
- Four or more people per rotation (the book, "Staffing the rotation"): with fewer,
  each is on call every third week or more often.
- A primary and a secondary (the book): someone backs the primary up.
- No one carries a large share of the pages: more than twice their fair share (1/n of
  the pages, n the people who take pages: the rotations' members, or those paged or on
  shift in the window when more), which with four people or more also flags anyone
  over half of them. Needs PAGE_SHARE_MIN_PAGES pages in the window and at least three
  people: with one or two, the rotation-size warning says it already.
- No more out-of-hours pages in a 12-hour period than the team's
  `max_pages_per_shift` (Google's SRE book, "Being On-Call": at most two incidents
  per 12-hour on-call shift).
- No one on call as primary for two weeks or more in a row.
Each warning says what is wrong, with its numbers, and what a lead does about it.
"""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from postmortems.alerting.load.metrics import PersonLoad, RotationLoad, ShiftLoad, TeamLoad
from postmortems.alerting.oncall.checks import (
    MIN_ROTATION_PEOPLE,
    lacks_secondary,
    too_few_people,
)

LARGE_SHARE = 0.5
FAIR_SHARE_TIMES = 2
PAGE_SHARE_MIN_PAGES = 4
PAGE_SHARE_MIN_PEOPLE = 3
MAX_CONSECUTIVE_SHIFTS = 1  # weeks in a row as primary before a warning

BOOK = "The book: four or more people per rotation, a primary and a secondary."
SRE_BOOK = "Google's SRE book, Being On-Call: at most two incidents per 12-hour shift."
FAIRNESS = "Pages shared fairly: no one over twice their fair share, or over half of them."
REST = "Time to rest between turns on call."


class Kind(StrEnum):
    SMALL_ROTATION = "small_rotation"
    NO_SECONDARY = "no_secondary"
    PAGE_SHARE = "page_share"
    BUSY_SHIFT = "busy_shift"
    CONSECUTIVE = "consecutive_shifts"


@dataclass(frozen=True)
class CareWarning:
    kind: Kind
    message: str  # what is wrong, with the numbers
    action: str  # what a lead does about it
    source: str  # where the rule comes from


def rotation_size_warning(*, rotation: str, people: int) -> CareWarning | None:
    if not too_few_people(people):
        return None
    every = f"every {_ordinal(people)} week" if people > 1 else "every week"
    return CareWarning(
        kind=Kind.SMALL_ROTATION,
        message=f"Rotation {rotation} has {people} {_people(people)}: each is on call {every}.",
        action=f"Add {MIN_ROTATION_PEOPLE - people} more {_people(MIN_ROTATION_PEOPLE - people)} "
        "to the rotation, or share it with a neighbouring team.",
        source=BOOK,
    )


def secondary_warning(*, rotation: str, has_secondary: bool, people: int) -> CareWarning | None:
    if not lacks_secondary(has_secondary=has_secondary, people=people):
        return None
    return CareWarning(
        kind=Kind.NO_SECONDARY,
        message=f"Rotation {rotation} has no secondary: nobody backs the primary up.",
        action="Turn on a secondary for the rotation, so a missed page reaches a second person.",
        source=BOOK,
    )


def share_limit(people: int) -> float:
    """The share of the pages over which one person carries too much: twice the fair
    share. With four people or more that is LARGE_SHARE (half the pages) or less, so
    anyone over half is always flagged there."""
    return FAIR_SHARE_TIMES / people


def page_share_warnings(people: list[PersonLoad], *, paged_people: int) -> list[CareWarning]:
    total = sum(p.pages for p in people)
    if total < PAGE_SHARE_MIN_PAGES or paged_people < PAGE_SHARE_MIN_PEOPLE:
        return []
    limit = share_limit(paged_people)
    return [
        CareWarning(
            kind=Kind.PAGE_SHARE,
            message=f"{p.name} took {p.pages} of {total} pages ({p.pages / total:.0%}); a fair "
            f"share among {paged_people} people is {1 / paged_people:.0%}.",
            action=f"Look at the rules that paged {p.name} and at how shifts are handed out; "
            "move some of the load to others.",
            source=FAIRNESS,
        )
        for p in people
        if p.user_id is not None and p.pages / total > limit
    ]


def busy_shift_warnings(
    shifts: list[ShiftLoad], *, max_pages: int, zone: ZoneInfo
) -> list[CareWarning]:
    found = []
    for shift in shifts:
        if not shift.periods_over or shift.busiest_period_start is None:
            continue
        start = _when(shift.busiest_period_start, zone)
        periods = (
            f" ({shift.periods_over} periods over the limit)" if shift.periods_over > 1 else ""
        )
        found.append(
            CareWarning(
                kind=Kind.BUSY_SHIFT,
                message=f"{shift.person} got {shift.busiest_period_pages} out-of-hours pages in "
                f"the 12 hours from {start}; the team's limit is {max_pages}{periods}.",
                action="Find the rules behind those pages and quiet them, or bring in the "
                "secondary to share the night.",
                source=SRE_BOOK,
            )
        )
    return found


def consecutive_warnings(people: list[PersonLoad], *, zone: ZoneInfo) -> list[CareWarning]:
    return [
        CareWarning(
            kind=Kind.CONSECUTIVE,
            message=f"{p.name} was primary {p.consecutive_shifts} weeks in a row"
            + (f", until {_when(p.consecutive_until, zone)}." if p.consecutive_until else "."),
            action=f"Give {p.name} at least a week off call before their next shift, and "
            "swap shifts so no one is primary two weeks running.",
            source=REST,
        )
        for p in people
        if p.consecutive_shifts > MAX_CONSECUTIVE_SHIFTS
    ]


def rotation_warnings(rotations: list[RotationLoad]) -> list[CareWarning]:
    found = []
    for rotation in rotations:
        for warning in (
            rotation_size_warning(rotation=rotation.name, people=rotation.people),
            secondary_warning(
                rotation=rotation.name, has_secondary=rotation.has_secondary, people=rotation.people
            ),
        ):
            if warning is not None:
                found.append(warning)
    return found


def care_warnings(load: TeamLoad) -> list[CareWarning]:
    """Every warning for a team's load over its window, the rotations' first."""
    paged = len([p for p in load.attributed if p.pages or p.primary_shifts])
    in_rotations = sum(r.people for r in load.rotations)
    return [
        *rotation_warnings(load.rotations),
        *page_share_warnings(load.people, paged_people=max(paged, in_rotations)),
        *busy_shift_warnings(load.shifts, max_pages=load.max_pages_per_shift, zone=load.zone),
        *consecutive_warnings(load.people, zone=load.zone),
    ]


def _people(n: int) -> str:
    return "person" if n == 1 else "people"


def _ordinal(n: int) -> str:
    return {2: "second", 3: "third"}.get(n, f"{n}th")


def _when(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%a %d %b %H:%M")

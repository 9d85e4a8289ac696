"""A rotation's weekly turns, computed (no database): who is primary and secondary in
which week, handed over at `handoff_weekday` `handoff_hour` in the rotation's time zone.

Handoffs are local wall-clock times turned into instants one by one, so a handoff at
10:00 in Europe/Berlin stays at 10:00 there across daylight saving time (the week around
the change is an hour shorter or longer in UTC). The first turn starts on `starts_on` at
the handoff hour and lasts until the first handoff weekday after it; every later turn
lasts a week.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from postmortems.alerting.oncall.models import Role, Rotation


@dataclass(frozen=True)
class Turn:
    """One planned shift: `index` counts turns from the first handoff."""

    index: int
    role: str
    user_id: int
    starts_at: datetime
    ends_at: datetime


def handoff_at(rotation: Rotation, day: date) -> datetime:
    """The instant of the handoff hour on a local day. A handoff hour skipped by a DST
    change (02:00 on the spring-forward night) falls an hour later, as zoneinfo reads it."""
    return datetime.combine(day, time(rotation.handoff_hour), tzinfo=ZoneInfo(rotation.time_zone))


def handoff_days(rotation: Rotation, from_index: int = 0) -> Iterator[tuple[int, date]]:
    """(index, local day) of each handoff from the `from_index`th on, endlessly."""
    first = rotation.starts_on
    ahead = (rotation.handoff_weekday - first.weekday()) % 7 or 7
    second = first + timedelta(days=ahead)
    index = from_index
    while True:
        yield index, first if index == 0 else second + timedelta(weeks=index - 1)
        index += 1


def turn_index_at(rotation: Rotation, moment: datetime) -> int | None:
    """The index of the turn under way at `moment` (None before the first handoff)."""
    local = moment.astimezone(ZoneInfo(rotation.time_zone)).date()
    days = (local - rotation.starts_on).days
    start = max(days // 7 - 1, 0)  # a few turns early: the loop below finds the right one
    current = None
    for index, day in handoff_days(rotation, start):
        if handoff_at(rotation, day) > moment:
            return current
        current = index
    return None  # unreachable: handoff_days never ends


def next_handoff(rotation: Rotation, now: datetime) -> datetime:
    """The first handoff after `now`, in UTC."""
    index = turn_index_at(rotation, now)
    for _, day in handoff_days(rotation, 0 if index is None else index + 1):
        moment = handoff_at(rotation, day)
        if moment > now:
            return moment.astimezone(UTC)
    raise AssertionError("unreachable")


def turns(
    rotation: Rotation, *, member_ids: list[int], since: datetime, until: datetime
) -> list[Turn]:
    """Every turn overlapping [since, until): the member at the turn's position is
    primary, the next one secondary (when the rotation has one and two or more members)."""
    if not member_ids:
        return []
    count = len(member_ids)
    with_secondary = rotation.has_secondary and count >= 2
    index = turn_index_at(rotation, since)
    found: list[Turn] = []
    days = handoff_days(rotation, index or 0)
    _, day = next(days)
    start = handoff_at(rotation, day)
    for number, following in days:
        end = handoff_at(rotation, following)
        if start >= until:
            break
        if end > since:
            turn = number - 1
            # Stored and compared in UTC: Python subtracts two datetimes of one zone
            # by wall clock, which would hide the DST hour.
            start, end = start.astimezone(UTC), end.astimezone(UTC)
            found.append(Turn(turn, Role.PRIMARY, member_ids[turn % count], start, end))
            if with_secondary:
                secondary = member_ids[(turn + 1) % count]
                found.append(Turn(turn, Role.SECONDARY, secondary, start, end))
        start = end
    return found

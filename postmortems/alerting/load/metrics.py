"""On-call load: what each person carried, and the rules that count it.

What is counted (selectors.py reads the rows, this module turns them into numbers):
- A *page* is a firing whose channel was `phone` (the team's notification policy when it
  fired), attributed to the person who was primary on call then (Firing.on_call).
- *Out of hours* and *at night* are the marks each firing got when it fired, by the
  team's policy then (oncall/policy.py, the one place those rules live).
- A *night interrupted* is a local night (the team's zone) with at least one page in the
  night hours. A night is named by the evening it starts: a page at 02:00 on Tuesday
  interrupts Monday's night.
- *Hours worked out of hours*: each out-of-hours page counts from when it fired to when
  it resolved; a page never resolved counts UNRESOLVED_WORK from its acknowledgement
  (or from when it fired), and no page counts more than PAGE_WORK_CAP (an alert left
  firing for two days is not two days of work). One person's overlapping pages count
  once (merged), and only the part outside the team's working hours counts (the
  current policy's working days and hours).
- *Consecutive shifts*: the longest stretch of primary shifts back to back (each
  starting within BACK_TO_BACK of the previous one's end), in weeks. Secondary shifts
  are left out: a rotation with a secondary makes every primary week follow a
  secondary week.
- *12-hour periods*: each primary shift is cut into 12-hour periods from its start;
  the out-of-hours pages of each period are compared with the team's
  `max_pages_per_shift` (Google's SRE book: at most two incidents per 12-hour shift).
"""

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from postmortems.alerting.oncall.models import OnCallPolicy

UNRESOLVED_WORK = timedelta(hours=1)
PAGE_WORK_CAP = timedelta(hours=4)
BACK_TO_BACK = timedelta(hours=1)
PERIOD = timedelta(hours=12)
WEEK = timedelta(days=7)

Interval = tuple[datetime, datetime]


@dataclass(frozen=True)
class OutOfHoursPage:
    """A page out of hours or at night: the rows the Python below works on (few: one
    team's out-of-hours pages over a month)."""

    on_call_id: int | None
    fired_at: datetime
    acknowledged_at: datetime | None
    resolved_at: datetime | None
    out_of_hours: bool
    at_night: bool


@dataclass
class PersonLoad:
    user_id: int | None  # None: pages when nobody with an account was on call
    name: str
    email: str = ""
    primary_shifts: int = 0
    secondary_shifts: int = 0
    on_call: timedelta = timedelta(0)
    pages: int = 0
    out_of_hours_pages: int = 0
    nights_interrupted: int = 0
    worked_out_of_hours: timedelta = timedelta(0)
    consecutive_shifts: int = 0  # weeks in a row as primary
    consecutive_until: datetime | None = None  # the end of that stretch
    last_shift_end: datetime | None = None  # of the latest shift started before now
    on_call_now: bool = False

    @property
    def shifts(self) -> int:
        return self.primary_shifts + self.secondary_shifts

    @property
    def on_call_hours(self) -> float:
        return round(self.on_call.total_seconds() / 3600, 1)

    @property
    def worked_hours(self) -> float:
        return round(self.worked_out_of_hours.total_seconds() / 3600, 2)

    @property
    def time_off_in_lieu(self) -> float:
        """Suggested time off in lieu, in hours: the hours worked out of hours, rounded
        up to the next half hour (a 10-minute page at 3 a.m. is worth half an hour)."""
        return suggested_time_off(self.worked_out_of_hours)


@dataclass
class ShiftLoad:
    rotation_name: str
    role: str
    user_id: int | None
    person: str
    starts_at: datetime
    ends_at: datetime
    pages: int = 0
    out_of_hours_pages: int = 0
    busiest_period_pages: int = 0  # the most out-of-hours pages in one 12-hour period
    busiest_period_start: datetime | None = None
    periods_over: int = 0  # 12-hour periods over the team's max_pages_per_shift


@dataclass
class RotationLoad:
    name: str
    source: str
    people: int  # members in order, or the people the feed named in the window
    has_secondary: bool


@dataclass
class TeamLoad:
    since: datetime
    until: datetime
    now: datetime
    zone: ZoneInfo
    max_pages_per_shift: int
    people: list[PersonLoad] = field(default_factory=list)
    shifts: list[ShiftLoad] = field(default_factory=list)
    rotations: list[RotationLoad] = field(default_factory=list)

    @property
    def pages(self) -> int:
        return sum(p.pages for p in self.people)

    @property
    def attributed(self) -> list[PersonLoad]:
        return [p for p in self.people if p.user_id is not None]


def suggested_time_off(worked: timedelta) -> float:
    half_hours = math.ceil(round(worked.total_seconds() / 1800, 6))
    return half_hours / 2


def night_of(policy: OnCallPolicy, zone: ZoneInfo, moment: datetime) -> date:
    """The night a moment in the night hours belongs to, named by its evening."""
    here = moment.astimezone(zone)
    wraps = policy.night_start > policy.night_end
    if wraps and here.hour < policy.night_end:
        return here.date() - timedelta(days=1)
    return here.date()


def nights_interrupted(
    policy: OnCallPolicy, zone: ZoneInfo, pages: Iterable[OutOfHoursPage]
) -> dict[int | None, int]:
    nights: dict[int | None, set[date]] = {}
    for page in pages:
        if page.at_night:
            nights.setdefault(page.on_call_id, set()).add(night_of(policy, zone, page.fired_at))
    return {person: len(found) for person, found in nights.items()}


def page_work(page: OutOfHoursPage) -> Interval:
    """The time one page counts as work (module docstring)."""
    start = page.fired_at
    if page.resolved_at is not None:
        end = max(page.resolved_at, start)
    else:
        end = (page.acknowledged_at or start) + UNRESOLVED_WORK
    return start, min(end, start + PAGE_WORK_CAP)


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    merged: list[Interval] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


class WorkingHours:
    """The team's working hours day by day in its zone, each day worked out once (a
    month's out-of-hours pages ask about the same few days again and again)."""

    def __init__(self, policy: OnCallPolicy, zone: ZoneInfo) -> None:
        self.policy, self.zone = policy, zone
        self._days: dict[date, Interval | None] = {}

    def of_day(self, day: date) -> Interval | None:
        if day not in self._days:
            policy, zone = self.policy, self.zone
            if day.weekday() not in policy.work_weekdays:
                self._days[day] = None
            else:
                opens = datetime.combine(day, time(policy.workday_start), tzinfo=zone)
                closes = (
                    datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
                    if policy.workday_end == 24
                    else datetime.combine(day, time(policy.workday_end), tzinfo=zone)
                )
                self._days[day] = (opens, closes)
        return self._days[day]

    def out_of_hours_part(self, interval: Interval) -> timedelta:
        """How much of `interval` lies outside working hours."""
        start, end = interval
        total = end - start
        day = start.astimezone(self.zone).date() - timedelta(days=1)
        last = end.astimezone(self.zone).date()
        while day <= last:
            hours = self.of_day(day)
            if hours is not None:
                overlap = min(end, hours[1]) - max(start, hours[0])
                if overlap > timedelta(0):
                    total -= overlap
            day += timedelta(days=1)
        return max(total, timedelta(0))


def worked_out_of_hours(
    policy: OnCallPolicy, zone: ZoneInfo, pages: Iterable[OutOfHoursPage]
) -> dict[int | None, timedelta]:
    per_person: dict[int | None, list[Interval]] = {}
    for page in pages:
        if page.out_of_hours:
            per_person.setdefault(page.on_call_id, []).append(page_work(page))
    hours = WorkingHours(policy, zone)
    return {
        person: sum((hours.out_of_hours_part(part) for part in merge(intervals)), timedelta(0))
        for person, intervals in per_person.items()
    }


def longest_stretch(shifts: Iterable[Interval]) -> tuple[int, datetime | None]:
    """Weeks in a row of back-to-back shifts, and when that stretch ended. A week is
    counted when begun: DST makes a week 167 or 169 hours, so an hour is forgiven."""
    stretches: list[Interval] = []
    for start, end in sorted(shifts):
        if stretches and start <= stretches[-1][1] + BACK_TO_BACK:
            stretches[-1] = (stretches[-1][0], max(stretches[-1][1], end))
        else:
            stretches.append((start, end))
    best, best_end = 0, None
    for start, end in stretches:
        weeks = max(1, math.ceil((end - start - BACK_TO_BACK) / WEEK))
        if weeks > best:
            best, best_end = weeks, end
    return best, best_end


def busiest_periods(
    shift: ShiftLoad, pages: list[datetime], *, limit: int
) -> tuple[int, datetime | None, int]:
    """The most out-of-hours pages in one 12-hour period of the shift, that period's
    start, and how many periods had more than `limit`."""
    counts: dict[int, int] = {}
    for fired_at in pages:
        if shift.starts_at <= fired_at < shift.ends_at:
            index = (fired_at - shift.starts_at) // PERIOD
            counts[index] = counts.get(index, 0) + 1
    if not counts:
        return 0, None, 0
    index, most = max(counts.items(), key=lambda item: (item[1], -item[0]))
    over = sum(1 for n in counts.values() if n > limit)
    return most, shift.starts_at + index * PERIOD, over


def clipped(interval: Interval, since: datetime, until: datetime) -> timedelta:
    return max(min(interval[1], until) - max(interval[0], since), timedelta(0))

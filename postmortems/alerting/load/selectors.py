"""Reads of on-call load: a team's people and shifts over a window (metrics.py says
what each number means).

Eight queries, however many firings: the policy, the rotations, their members, the
shifts overlapping the window (each with its pages counted by the database through
index pm_firing_on_call), each person's latest shift, the pages per person (one
aggregate over index pm_firing_team_fired), the out-of-hours and night pages (the only
rows read into Python: one team's over the window, for nights, hours worked and
12-hour periods) and the people's names.
"""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Count, IntegerField, Max, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce

from accounts.models import Team, User
from lib.months import month_bounds, parse_month
from postmortems.alerting.firings.models import Firing
from postmortems.alerting.load.metrics import (
    OutOfHoursPage,
    PersonLoad,
    RotationLoad,
    ShiftLoad,
    TeamLoad,
    busiest_periods,
    clipped,
    longest_stretch,
    nights_interrupted,
    worked_out_of_hours,
)
from postmortems.alerting.oncall.models import (
    Channel,
    OnCallPolicy,
    Role,
    Rotation,
    RotationMember,
    Shift,
)
from postmortems.alerting.oncall.policy import team_policy

PAGE = Q(channel=Channel.PHONE)


def team_pages(*, team_ids: list[int], since: datetime, until: datetime):
    return Firing.objects.filter(
        PAGE, team_id__in=team_ids, fired_at__gte=since, fired_at__lt=until
    )


def pages_per_person(*, team_ids: list[int], since: datetime, until: datetime) -> list[dict]:
    """Pages (`n_pages`) and out-of-hours pages (`n_out_of_hours`) per person on call
    (`on_call_id`, None for pages nobody with an account was on call for), one
    aggregate."""
    return list(
        team_pages(team_ids=team_ids, since=since, until=until)
        .values("on_call_id")
        .annotate(n_pages=Count("pk"), n_out_of_hours=Count("pk", filter=Q(out_of_hours=True)))
        .order_by()
    )


def people_pages(*, team_ids: list[int], since: datetime, until: datetime) -> list[PersonLoad]:
    """Pages and out-of-hours pages per person, the most first (the dashboard's
    section): the aggregate and the names, two queries."""
    counted = pages_per_person(team_ids=team_ids, since=since, until=until)
    ids = [row["on_call_id"] for row in counted if row["on_call_id"] is not None]
    names = {
        pk: (name or email, email)
        for pk, name, email in User.objects.filter(pk__in=ids).values_list(
            "pk", "display_name", "email"
        )
    } if ids else {}  # fmt: skip
    people = []
    for row in counted:
        name, email = names.get(row["on_call_id"], ("Nobody on call", ""))
        people.append(
            PersonLoad(
                user_id=row["on_call_id"], name=name, email=email, pages=row["n_pages"],
                out_of_hours_pages=row["n_out_of_hours"],
            )
        )  # fmt: skip
    return sorted(
        people,
        key=lambda p: (p.user_id is None, -p.pages, -p.out_of_hours_pages, p.name.lower()),
    )


def _count_pages(extra: Q):
    """Pages of the shift's person within the shift, counted by the database."""
    pages = (
        Firing.objects.filter(
            PAGE,
            extra,
            team_id=OuterRef("rotation__team_id"),
            on_call_id=OuterRef("user_id"),
            fired_at__gte=OuterRef("starts_at"),
            fired_at__lt=OuterRef("ends_at"),
        )
        .order_by()
        .values("on_call_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(pages, output_field=IntegerField()), Value(0))


def default_month(now: datetime, zone: ZoneInfo) -> date:
    """Last month in the team's zone: the page's default window."""
    first = now.astimezone(zone).date().replace(day=1)
    return (first - timedelta(days=1)).replace(day=1)


def chosen_month(value: str, *, now: datetime, policy: OnCallPolicy) -> date:
    """`?month=YYYY-MM`, or last month in the team's zone when absent or not a month."""
    return parse_month(value) or default_month(now, ZoneInfo(policy.time_zone))


def team_load(
    *,
    team: Team,
    since: datetime,
    until: datetime,
    now: datetime,
    policy: OnCallPolicy | None = None,
) -> TeamLoad:
    policy = policy if policy is not None else team_policy(team)
    zone = ZoneInfo(policy.time_zone)
    load = TeamLoad(
        since=since, until=until, now=now, zone=zone,
        max_pages_per_shift=policy.max_pages_per_shift,
    )  # fmt: skip
    rotations = list(Rotation.objects.filter(team=team).order_by("name"))
    members = list(
        RotationMember.objects.filter(rotation__team=team).values_list("rotation_id", "user_id")
    )
    shifts = list(
        Shift.objects.filter(rotation__team=team, starts_at__lt=until, ends_at__gt=since)
        .annotate(
            pages=_count_pages(Q()),
            out_of_hours_pages=_count_pages(Q(out_of_hours=True)),
        )
        .values_list(
            "rotation_id", "role", "user_id", "person", "starts_at", "ends_at", "pages",
            "out_of_hours_pages",
        )
        .order_by("starts_at", "role", "pk")
    )  # fmt: skip
    last_shifts = dict(
        Shift.objects.filter(rotation__team=team, user__isnull=False, starts_at__lte=now)
        .values("user_id")
        .annotate(last=Max("ends_at"))
        .order_by()
        .values_list("user_id", "last")
    )
    counted = pages_per_person(team_ids=[team.pk], since=since, until=until)
    out_of_hours = [
        OutOfHoursPage(*row)
        for row in team_pages(team_ids=[team.pk], since=since, until=until)
        .filter(Q(out_of_hours=True) | Q(at_night=True))
        .order_by("fired_at")
        .values_list(
            "on_call_id", "fired_at", "acknowledged_at", "resolved_at", "out_of_hours", "at_night"
        )
    ]

    user_ids = (
        {user for _, user in members}
        | {row[2] for row in shifts if row[2] is not None}
        | {row["on_call_id"] for row in counted if row["on_call_id"] is not None}
    )
    names = {
        pk: (name or email, email)
        for pk, name, email in User.objects.filter(pk__in=user_ids).values_list(
            "pk", "display_name", "email"
        )
    }
    people: dict[int | None, PersonLoad] = {
        pk: PersonLoad(user_id=pk, name=name, email=email) for pk, (name, email) in names.items()
    }

    rotation_names = {r.pk: r.name for r in rotations}
    primary_spans: dict[int, list[tuple[datetime, datetime]]] = {}
    ooh_by_person: dict[int | None, list[datetime]] = {}
    for page in out_of_hours:
        if page.out_of_hours:
            ooh_by_person.setdefault(page.on_call_id, []).append(page.fired_at)
    for rotation_id, role, user_id, named, starts, ends, pages, ooh_pages in shifts:
        shift = ShiftLoad(
            rotation_name=rotation_names.get(rotation_id, ""),
            role=role,
            user_id=user_id,
            person=names[user_id][0] if user_id in names else named,
            starts_at=starts,
            ends_at=ends,
            pages=pages if role == Role.PRIMARY else 0,
            out_of_hours_pages=ooh_pages if role == Role.PRIMARY else 0,
        )
        if role == Role.PRIMARY and user_id is not None:
            most, start, over = busiest_periods(
                shift, ooh_by_person.get(user_id, []), limit=policy.max_pages_per_shift
            )
            shift.busiest_period_pages, shift.busiest_period_start = most, start
            shift.periods_over = over
            primary_spans.setdefault(user_id, []).append((starts, ends))
        load.shifts.append(shift)
        found = people.get(user_id)
        if found is not None:
            if role == Role.PRIMARY:
                found.primary_shifts += 1
            else:
                found.secondary_shifts += 1
            found.on_call += clipped((starts, ends), since, until)

    for row in counted:
        person = people.get(row["on_call_id"])
        if person is None:
            person = people[None] = PersonLoad(user_id=None, name="Nobody on call")
        person.pages, person.out_of_hours_pages = row["n_pages"], row["n_out_of_hours"]
    for person_id, nights in nights_interrupted(policy, zone, out_of_hours).items():
        if person_id in people:
            people[person_id].nights_interrupted = nights
    for person_id, worked in worked_out_of_hours(policy, zone, out_of_hours).items():
        if person_id in people:
            people[person_id].worked_out_of_hours = worked
    for person_id, spans in primary_spans.items():
        weeks, until_end = longest_stretch(spans)
        people[person_id].consecutive_shifts = weeks
        people[person_id].consecutive_until = until_end
    for person_id, last_end in last_shifts.items():
        if person_id in people:
            people[person_id].last_shift_end = last_end
            people[person_id].on_call_now = last_end > now

    load.people = sorted(
        people.values(),
        key=lambda p: (p.user_id is None, -p.pages, -p.out_of_hours_pages, p.name.lower()),
    )
    load.rotations = [_rotation_load(r, members, shifts) for r in rotations]
    return load


def _rotation_load(rotation: Rotation, members, shifts) -> RotationLoad:
    if rotation.source == Rotation.Source.ICAL:
        mine = [row for row in shifts if row[0] == rotation.pk]
        people = {row[2] or row[3] for row in mine}
        has_secondary = any(row[1] == Role.SECONDARY for row in mine)
    else:
        people = {user for rotation_id, user in members if rotation_id == rotation.pk}
        has_secondary = rotation.has_secondary and len(people) > 1
    return RotationLoad(
        name=rotation.name, source=rotation.source, people=len(people), has_secondary=has_secondary
    )


def month_load(
    *, team: Team, month: date, now: datetime, policy: OnCallPolicy | None = None
) -> TeamLoad:
    """A calendar month in the team's zone."""
    policy = policy if policy is not None else team_policy(team)
    since, until = month_bounds(month, ZoneInfo(policy.time_zone))
    return team_load(team=team, since=since, until=until, now=now, policy=policy)

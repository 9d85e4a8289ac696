"""Review health over the last 12 months, month by month, in the viewer's time zone.

Every number is an SQL aggregate (four statements per range of months, whatever the
size of the data):
1. incidents per month: by severity, the share of required reviews started within
   POSTMORTEM_DUE_HOURS and published within 7 days, mean time to detect and resolve;
2. the median time from the incident's clock to the first draft, per month, with
   window functions (portable: PostgreSQL and SQLite);
3. action items opened per month;
4. action items finished per month, how many of them were done by their due date,
   and of those done whose verification date has come (or whose outcome is in), how
   many fixes were found to work ("fixes verified", services/outcomes.py).
Python only lays the (at most 12) rows side by side.

For the dashboard, months are read from HealthRollup by
review_health_refreshing_rollups (a read that writes, as its name says): settled
months are counted once (and refreshed hourly by a Celery task), the months still
moving are recounted when their stored numbers are older than HEALTH_LIVE_SECONDS.
Over all teams the twelve months aggregate hundreds of thousands of rows, which no
page should do per view (bench/README.md has the numbers).
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import (
    Avg,
    Count,
    DateTimeField,
    DurationField,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
    Window,
)
from django.db.models.functions import Coalesce, RowNumber, TruncDate, TruncMonth

from accounts.models import Team, User
from lib.months import last_months, month_bounds
from postmortems.insights.dashboard import ONE, team_action_items
from postmortems.insights.models import HealthRollup
from postmortems.models.actions import ActionItem, committed_condition
from postmortems.models.incidents import Incident, Severity, not_deleted, review_clock
from postmortems.models.reviews import Postmortem
from postmortems.permissions import visibility_filter, visible_incidents

MONTHS = 12
PUBLISH_WITHIN = timedelta(days=7)
# A month's numbers stop moving once the reviews of its last incidents were due to be
# published: a day for the 24-hour clock, then the 7 days to publish.
SETTLES_AFTER = PUBLISH_WITHIN + timedelta(days=1)
# What a rollup stores of a Month (the backlog is derived from today's open count).
STORED = (
    "incidents", "by_severity", "reviews_due", "started_in_time", "publish_due",
    "published_in_time", "median_to_draft", "mttd", "mttr", "items_opened", "items_closed",
    "items_done_with_due", "items_done_on_time", "items_verify_due", "items_verified",
)  # fmt: skip
DURATIONS = {"median_to_draft", "mttd", "mttr"}


@dataclass
class Month:
    start: date  # first day, viewer's zone
    incidents: int = 0
    by_severity: dict[str, int] = field(default_factory=dict)
    reviews_due: int = 0  # required reviews whose 24-hour deadline has passed
    started_in_time: int = 0
    publish_due: int = 0  # required reviews whose 7-day mark has passed
    published_in_time: int = 0
    median_to_draft: timedelta | None = None
    mttd: timedelta | None = None
    mttr: timedelta | None = None
    items_opened: int = 0
    items_closed: int = 0
    items_done_with_due: int = 0
    items_done_on_time: int = 0
    # Done items (by completion month) whose outcome is due (verification date come,
    # or an outcome recorded early), and of them those whose fix worked.
    items_verify_due: int = 0
    items_verified: int = 0
    backlog: int = 0  # open items at the end of the month

    @property
    def key(self) -> str:
        return self.start.strftime("%Y-%m")

    @property
    def started_share(self) -> float | None:
        return self.started_in_time / self.reviews_due if self.reviews_due else None

    @property
    def published_share(self) -> float | None:
        return self.published_in_time / self.publish_due if self.publish_due else None

    @property
    def on_time_share(self) -> float | None:
        if not self.items_done_with_due:
            return None
        return self.items_done_on_time / self.items_done_with_due

    @property
    def verified_share(self) -> float | None:
        """Fixes verified: of the done items whose outcome is due, the share that worked."""
        return self.items_verified / self.items_verify_due if self.items_verify_due else None


def _duration(expression) -> ExpressionWrapper:
    return ExpressionWrapper(expression, output_field=DurationField())


def _plus(expression, delta: timedelta) -> ExpressionWrapper:
    return ExpressionWrapper(expression + delta, output_field=DateTimeField())


def _month_key(value: datetime | date, tz: ZoneInfo) -> date:
    if isinstance(value, datetime):
        value = value.astimezone(tz)
    return date(value.year, value.month, 1)


def _in_range(field: str, since: datetime, until: datetime | None) -> Q:
    condition = Q(**{f"{field}__gte": since})
    return condition & Q(**{f"{field}__lt": until}) if until is not None else condition


def _incident_rows(incidents, since, until, now, tz):
    required = Q(postmortem_not_needed=False, severity__in=settings.POSTMORTEM_REQUIRED_SEVERITIES)
    due = timedelta(hours=settings.POSTMORTEM_DUE_HOURS)
    return (
        incidents.filter(_in_range("started_at", since, until))
        .annotate(month=TruncMonth("started_at", tzinfo=tz), clock=review_clock())
        .values("month")
        .annotate(
            total=Count("pk"),
            **{f"sev_{value}": Count("pk", filter=Q(severity=value)) for value in Severity.values},
            reviews_due=Count("pk", filter=required & Q(clock__lte=now - due)),
            started_in_time=Count(
                "pk",
                filter=required
                & Q(clock__lte=now - due, postmortem__created_at__lte=_plus(F("clock"), due)),
            ),
            publish_due=Count("pk", filter=required & Q(clock__lte=now - PUBLISH_WITHIN)),
            published_in_time=Count(
                "pk",
                filter=required
                & Q(
                    clock__lte=now - PUBLISH_WITHIN,
                    postmortem__published_at__lte=_plus(F("clock"), PUBLISH_WITHIN),
                ),
            ),
            mttd=Avg(_duration(F("detected_at") - F("started_at"))),
            mttr=Avg(_duration(F("resolved_at") - F("started_at"))),
        )
        .order_by("month")
    )


def _median_rows(postmortems, since, until, tz):
    """The middle one or two delays of each month (their mean is the median)."""
    return (
        postmortems.filter(_in_range("incident__started_at", since, until))
        .annotate(
            month=TruncMonth("incident__started_at", tzinfo=tz),
            delay=_duration(
                F("created_at") - Coalesce("incident__resolved_at", "incident__started_at")
            ),
        )
        .annotate(
            row=Window(RowNumber(), partition_by=[F("month")], order_by=F("delay").asc()),
            n=Window(Count("pk"), partition_by=[F("month")]),
        )
        .filter(row__gte=(F("n") + 1) / 2, row__lte=(F("n") + 2) / 2)
        .values_list("month", "delay")
    )


@dataclass
class _Rows:
    """The incidents, postmortems and action items a review health counts: what `user`
    may see of `teams` (None: every team); `user=None`: everything. Each queryset is
    built when first asked for: a dashboard whose months are all stored asks for none."""

    user: User | None
    teams: list[Team] | None

    @classmethod
    def of(cls, *, user: User | None, teams: list[Team] | None) -> "_Rows":
        return cls(user, teams)

    @cached_property
    def incidents(self) -> QuerySet[Incident]:
        incidents = visible_incidents(self.user) if self.user else Incident.objects.all()
        return incidents if self.teams is None else incidents.filter(team__in=self.teams)

    @cached_property
    def postmortems(self) -> QuerySet[Postmortem]:
        postmortems = Postmortem.objects.filter(not_deleted("incident__"))
        if self.user:
            postmortems = postmortems.filter(visibility_filter(self.user, prefix="incident__"))
        if self.teams is not None:
            postmortems = postmortems.filter(incident__team__in=self.teams)
        return postmortems

    @cached_property
    def items(self) -> QuerySet[ActionItem]:
        # Commitments only: an idea is neither opened nor closed work.
        return team_action_items(user=self.user, teams=self.teams).filter(committed_condition())


def _count(months: dict[date, Month], rows: _Rows, *, since, until, now, tz) -> None:
    """Fill `months` with the numbers of [since, until) (until None: open-ended)."""
    for row in _incident_rows(rows.incidents, since, until, now, tz):
        month = months.get(_month_key(row["month"], tz))
        if month is None:
            continue
        month.incidents = row["total"]
        month.by_severity = {value: row[f"sev_{value}"] for value in Severity.values}
        for name in ("reviews_due", "started_in_time", "publish_due", "published_in_time"):
            setattr(month, name, row[name])
        month.mttd, month.mttr = row["mttd"], row["mttr"]

    middles: dict[date, list[timedelta]] = {}
    for month_start, delay in _median_rows(rows.postmortems, since, until, tz):
        middles.setdefault(_month_key(month_start, tz), []).append(delay)
    for key, delays in middles.items():
        if key in months:
            months[key].median_to_draft = sum(delays, timedelta()) / len(delays)

    opened = (
        rows.items.filter(_in_range("created_at", since, until))
        .annotate(month=TruncMonth("created_at", tzinfo=tz))
        .values("month")
        .annotate(n=Count(ONE))
    )
    for row in opened:
        if (month := months.get(_month_key(row["month"], tz))) is not None:
            month.items_opened = row["n"]
    done = Q(status=ActionItem.Status.DONE, due_date__isnull=False)
    today = now.astimezone(tz).date()
    # Items done before verification dates existed have none, and are not counted.
    verify_due = Q(status=ActionItem.Status.DONE, verify_on__isnull=False) & (
        Q(verify_on__lte=today) | ~Q(outcome="")
    )
    closed = (
        rows.items.filter(_in_range("completed_at", since, until))
        .exclude(status__in=ActionItem.UNFINISHED)
        .annotate(
            month=TruncMonth("completed_at", tzinfo=tz),
            completed_on=TruncDate("completed_at", tzinfo=tz),
        )
        .values("month")
        .annotate(
            n=Count(ONE),
            with_due=Count(ONE, filter=done),
            on_time=Count(ONE, filter=done & Q(completed_on__lte=F("due_date"))),
            verify_due=Count(ONE, filter=verify_due),
            verified=Count(ONE, filter=verify_due & Q(outcome=ActionItem.Outcome.WORKED)),
        )
    )
    for row in closed:
        if (month := months.get(_month_key(row["month"], tz))) is not None:
            month.items_closed = row["n"]
            month.items_done_with_due = row["with_due"]
            month.items_done_on_time = row["on_time"]
            month.items_verify_due = row["verify_due"]
            month.items_verified = row["verified"]


def settled(month: date, tz: ZoneInfo, now: datetime) -> bool:
    """Whether `month`'s numbers have stopped moving (but for edits of old records)."""
    return month_bounds(month, tz)[1] + SETTLES_AFTER <= now


def fresh(month: date, computed_at: datetime, tz: ZoneInfo, now: datetime) -> bool:
    """Whether stored numbers of `month` can be shown: a settled month's if counted
    after it settled, a moving month's if counted less than HEALTH_LIVE_SECONDS ago."""
    settles_at = month_bounds(month, tz)[1] + SETTLES_AFTER
    if settles_at <= now:
        return computed_at >= settles_at
    return now - computed_at < timedelta(seconds=settings.HEALTH_LIVE_SECONDS)


def _dump(month: Month) -> dict:
    values = {name: getattr(month, name) for name in STORED}
    for name in DURATIONS:
        values[name] = values[name].total_seconds() if values[name] is not None else None
    return values


def _load(month: Month, numbers: dict) -> None:
    for name in STORED:
        value = numbers.get(name)
        if name in DURATIONS and value is not None:
            value = timedelta(seconds=value)
        setattr(month, name, value if value is not None or name in DURATIONS else 0)


def _stored_months(
    months: dict[date, Month], rows: _Rows, *, scope: str, now: datetime, tz: ZoneInfo
) -> None:
    """Fill `months` from their rollups; count the missing or stale ones and store them.

    Settled months are counted once. The months still moving (this one, and the last
    one for SETTLES_AFTER) are stored too, for HEALTH_LIVE_SECONDS: over all teams they
    aggregate tens of thousands of rows, which every view of a busy dashboard would
    otherwise repeat for a trend that moves by the day (bench/README.md)."""
    zone = str(tz)
    stored = HealthRollup.objects.filter(scope=scope, time_zone=zone, month__in=list(months))
    found = set()
    for month_start, numbers, computed_at in stored.values_list("month", "numbers", "computed_at"):
        # A rollup stored before a number existed lacks it: counted again, as missing.
        if fresh(month_start, computed_at, tz, now) and numbers.keys() >= set(STORED):
            _load(months[month_start], numbers)
            found.add(month_start)
    missing = [start for start in months if start not in found]
    if not missing:
        return
    since = month_bounds(missing[0], tz)[0]
    until = month_bounds(missing[-1], tz)[1]
    _count(months, rows, since=since, until=until, now=now, tz=tz)
    _store(scope, zone, {start: months[start] for start in missing}, now=now)


def _store(scope: str, zone: str, months: dict[date, Month], *, now: datetime) -> None:
    """Insert or replace the rollups of `months` in one statement. Views and the hourly
    refresh may store the same month at the same moment: an upsert cannot collide on
    the unique key (a read-then-insert could), and the last count stored wins."""
    HealthRollup.objects.bulk_create(
        [
            HealthRollup(
                scope=scope, time_zone=zone, month=start, numbers=_dump(month), computed_at=now
            )
            for start, month in months.items()
        ],
        update_conflicts=True,
        unique_fields=["scope", "time_zone", "month"],
        update_fields=["numbers", "computed_at"],
    )


def rollup_scope(teams: list[Team] | None) -> str | None:
    """The HealthRollup scope of a dashboard: every team, or one (else None: no rollups)."""
    if teams is None:
        return "all"
    return f"team:{teams[0].pk}" if len(teams) == 1 else None


def review_health(
    *,
    user: User | None,
    teams: list[Team] | None,
    now: datetime,
    tz: ZoneInfo,
    open_now: int | None = None,
) -> list[Month]:
    """The last MONTHS months of `teams` (None: every team), as `user` may see them
    (None: everything, for a dashboard scope that sees everything), counted now. It
    writes nothing. `open_now`, the open action item count, saves a query when the
    caller has it."""
    months = _empty_months(now, tz)
    rows = _Rows.of(user=user, teams=teams)
    since = month_bounds(next(iter(months)), tz)[0]
    _count(months, rows, since=since, until=None, now=now, tz=tz)
    return _with_backlog(months, rows, open_now)


def review_health_refreshing_rollups(
    *,
    user: User | None,
    teams: list[Team] | None,
    now: datetime,
    tz: ZoneInfo,
    open_now: int | None = None,
) -> list[Month]:
    """review_health() read from HealthRollup, and a write: the months not stored yet,
    or stored too long ago, are counted and STORED (see _stored_months), although the
    dashboard calls this on a GET. That is on purpose, and why the name says so:

    - The rollups are shared by everyone who opens the same scope (every team, or one)
      in the same time zone; only a view knows which pairs are wanted. Moved to the
      hourly task, every first view of a pair would count all twelve months each time
      until the task ran (admin, all teams: several times the page's usual cost;
      bench/README.md, "Action item rows rendered in Python, and loaded with only
      their columns", first view), and the months still moving would need a task
      every HEALTH_LIVE_SECONDS.
    - The write is one upsert that cannot collide with another view's or the task's
      (_store), and only what a count would show anyway is stored.

    Only for a dashboard scope (permissions.get_dashboard_scope_for_user), whose viewers
    all see every incident of its teams, so the numbers are the same for each of them;
    a scope of several teams has no rollups and is counted, storing nothing."""
    scope = rollup_scope(teams)
    if scope is None:
        return review_health(user=user, teams=teams, now=now, tz=tz, open_now=open_now)
    months = _empty_months(now, tz)
    rows = _Rows.of(user=user, teams=teams)
    _stored_months(months, rows, scope=scope, now=now, tz=tz)
    return _with_backlog(months, rows, open_now)


def _empty_months(now: datetime, tz: ZoneInfo) -> dict[date, Month]:
    today = now.astimezone(tz).date()
    return {start: Month(start=start) for start in last_months(today, MONTHS)}


def _with_backlog(months: dict[date, Month], rows: _Rows, open_now: int | None) -> list[Month]:
    """The backlog at each month's end, walking back from today's open count."""
    backlog = (
        rows.items.filter(status__in=ActionItem.UNFINISHED).count()
        if open_now is None
        else open_now
    )
    for month in reversed(months.values()):
        month.backlog = backlog
        backlog -= month.items_opened - month.items_closed
    return list(months.values())


def refresh_rollups(*, now: datetime) -> int:
    """Recount every stored rollup of the last MONTHS months (edits of old incidents and
    items reach the dashboard this way) and drop older ones. Returns the rows written."""
    oldest = (now - timedelta(days=31 * (MONTHS + 1))).date().replace(day=1)
    HealthRollup.objects.filter(month__lt=oldest).delete()
    teams = Team.objects.in_bulk()
    written = 0
    pairs = HealthRollup.objects.values_list("scope", "time_zone").distinct()
    for scope, zone in list(pairs):
        team = None if scope == "all" else teams.get(int(scope.removeprefix("team:")))
        if scope != "all" and team is None:
            HealthRollup.objects.filter(scope=scope).delete()
            continue
        tz = ZoneInfo(zone)
        months = {
            start: Month(start=start)
            for start in last_months(now.astimezone(tz).date(), MONTHS)
            if settled(start, tz, now)
        }
        if not months:
            continue
        starts = list(months)
        rows = _Rows.of(user=None, teams=None if team is None else [team])
        since, until = month_bounds(starts[0], tz)[0], month_bounds(starts[-1], tz)[1]
        _count(months, rows, since=since, until=until, now=now, tz=tz)
        _store(scope, zone, months, now=now)
        written += len(months)
    return written

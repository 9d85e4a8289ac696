"""Review health over the last 12 months, month by month, in the viewer's time zone.

Every number is an SQL aggregate (four statements, whatever the size of the data):
1. incidents per month: by severity, the share of required reviews started within
   POSTMORTEM_DUE_HOURS and published within 7 days, mean time to detect and resolve;
2. the median time from the incident's clock to the first draft, per month, with
   window functions (portable: PostgreSQL and SQLite);
3. action items opened per month;
4. action items finished per month, and how many of them were done by their due date.
Python only lays the (at most 12) rows side by side.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
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
    Window,
)
from django.db.models.functions import Coalesce, RowNumber, TruncDate, TruncMonth

from accounts.models import Team, User
from postmortems.dashboard import team_action_items
from postmortems.models import ActionItem, Postmortem, Severity
from postmortems.months import last_months, month_bounds
from postmortems.permissions import visibility_filter, visible_incidents

MONTHS = 12
PUBLISH_WITHIN = timedelta(days=7)


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


def _duration(expression) -> ExpressionWrapper:
    return ExpressionWrapper(expression, output_field=DurationField())


def _plus(expression, delta: timedelta) -> ExpressionWrapper:
    return ExpressionWrapper(expression + delta, output_field=DateTimeField())


def _month_key(value: datetime | date, tz: ZoneInfo) -> date:
    if isinstance(value, datetime):
        value = value.astimezone(tz)
    return date(value.year, value.month, 1)


def _incident_rows(incidents, since, now, tz):
    required = Q(postmortem_not_needed=False, severity__in=settings.POSTMORTEM_REQUIRED_SEVERITIES)
    due = timedelta(hours=settings.POSTMORTEM_DUE_HOURS)
    return (
        incidents.filter(started_at__gte=since)
        .annotate(
            month=TruncMonth("started_at", tzinfo=tz), clock=Coalesce("resolved_at", "started_at")
        )
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


def _median_rows(user, teams, since, tz):
    """The middle one or two delays of each month (their mean is the median)."""
    postmortems = Postmortem.objects.filter(
        visibility_filter(user, prefix="incident__"), incident__started_at__gte=since
    )
    if teams is not None:
        postmortems = postmortems.filter(incident__team__in=teams)
    return (
        postmortems.annotate(
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


def review_health(
    *,
    user: User,
    teams: list[Team] | None,
    now: datetime,
    tz: ZoneInfo,
    open_now: int | None = None,
) -> list[Month]:
    """The last MONTHS months of `teams` (None: every team), as `user` may see them.
    `open_now`, the open action item count, saves a query when the caller has it."""
    today = now.astimezone(tz).date()
    months = {start: Month(start=start) for start in last_months(today, MONTHS)}
    since = month_bounds(next(iter(months)), tz)[0]

    incidents = visible_incidents(user)
    if teams is not None:
        incidents = incidents.filter(team__in=teams)
    for row in _incident_rows(incidents, since, now, tz):
        month = months.get(_month_key(row["month"], tz))
        if month is None:
            continue
        month.incidents = row["total"]
        month.by_severity = {value: row[f"sev_{value}"] for value in Severity.values}
        for name in ("reviews_due", "started_in_time", "publish_due", "published_in_time"):
            setattr(month, name, row[name])
        month.mttd, month.mttr = row["mttd"], row["mttr"]

    middles: dict[date, list[timedelta]] = {}
    for month_start, delay in _median_rows(user, teams, since, tz):
        middles.setdefault(_month_key(month_start, tz), []).append(delay)
    for key, delays in middles.items():
        if key in months:
            months[key].median_to_draft = sum(delays, timedelta()) / len(delays)

    items = team_action_items(user=user, teams=teams)
    opened = (
        items.filter(created_at__gte=since)
        .annotate(month=TruncMonth("created_at", tzinfo=tz))
        .values("month")
        .annotate(n=Count("pk"))
    )
    for row in opened:
        if (month := months.get(_month_key(row["month"], tz))) is not None:
            month.items_opened = row["n"]
    done = Q(status=ActionItem.Status.DONE, due_date__isnull=False)
    closed = (
        items.filter(completed_at__gte=since)
        .exclude(status__in=ActionItem.UNFINISHED)
        .annotate(
            month=TruncMonth("completed_at", tzinfo=tz),
            completed_on=TruncDate("completed_at", tzinfo=tz),
        )
        .values("month")
        .annotate(
            n=Count("pk"),
            with_due=Count("pk", filter=done),
            on_time=Count("pk", filter=done & Q(completed_on__lte=F("due_date"))),
        )
    )
    for row in closed:
        if (month := months.get(_month_key(row["month"], tz))) is not None:
            month.items_closed = row["n"]
            month.items_done_with_due = row["with_due"]
            month.items_done_on_time = row["on_time"]

    # The backlog at each month's end, walking back from today's open count.
    backlog = (
        items.filter(status__in=ActionItem.UNFINISHED).count() if open_now is None else open_now
    )
    for month in reversed(months.values()):
        month.backlog = backlog
        backlog -= month.items_opened - month.items_closed
    return list(months.values())

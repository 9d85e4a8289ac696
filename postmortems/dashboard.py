"""Reads for the team lead dashboard and "My work": what is slipping, and for whom.

Every list is scoped twice: to the teams on the page, and by the visibility rule of
postmortems/permissions.py, so a restricted incident's items reach only insiders.
"Today" and "overdue" are the viewer's: callers pass the viewer's local date.
Each list is cut at LIST_LIMIT rows with an exact count beside it; the full list
is the action item list and its CSV export (postmortems/views/dashboard.py).
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import groupby

from django.conf import settings
from django.db.models import Count, Min, Q, QuerySet
from django.db.models.functions import Coalesce

from accounts.models import Team, User
from postmortems.models import ActionItem, Incident, Postmortem
from postmortems.models.incidents import ReminderStage
from postmortems.months import month_bounds
from postmortems.permissions import visibility_filter

OPEN = [ActionItem.Status.OPEN, ActionItem.Status.IN_PROGRESS]
DUE_SOON_DAYS = 7
LIST_LIMIT = 25


def stale_draft_days() -> int:
    """Drafts older than this are stale: the same rule as the lead digest."""
    return max(1, settings.STALE_DRAFT_DAYS // 2)


@dataclass(frozen=True)
class ItemFilters:
    """The action item list behind the dashboard, its charts and the CSV export."""

    state: str = "open"  # open, overdue, due_soon, unplanned, done, all
    owner: str = ""  # user pk, or "none"
    created_month: date | None = None  # first day of a month, viewer's zone
    completed_month: date | None = None


STATES = {
    "open": "Open",
    "overdue": "Overdue",
    "due_soon": f"Due in the next {DUE_SOON_DAYS} days",
    "unplanned": "Without an owner or a due date",
    "done": "Finished",
    "all": "All",
}


def team_action_items(*, user: User, teams: list[Team] | None) -> QuerySet[ActionItem]:
    """Action items of the teams' incidents that `user` may see (`teams=None`: every team)."""
    items = ActionItem.objects.filter(visibility_filter(user, prefix="postmortem__incident__"))
    if teams is not None:
        items = items.filter(postmortem__incident__team__in=teams)
    return items


def with_row_data(items: QuerySet[ActionItem]) -> QuerySet[ActionItem]:
    """What a row shows: the owner, the incident and its team, in the same query."""
    return items.select_related("owner", "postmortem__incident__team").defer(
        "description", "postmortem__summary", "postmortem__impact",
        "postmortem__contributing_factors", "postmortem__went_well",
        "postmortem__went_wrong", "postmortem__got_lucky", "postmortem__lessons",
        "postmortem__search_text", "postmortem__incident__description",
    )  # fmt: skip


def overdue(items: QuerySet[ActionItem], today: date) -> QuerySet[ActionItem]:
    return items.filter(status__in=OPEN, due_date__lt=today)


def due_soon(items: QuerySet[ActionItem], today: date) -> QuerySet[ActionItem]:
    horizon = today + timedelta(days=DUE_SOON_DAYS)
    return items.filter(status__in=OPEN, due_date__gte=today, due_date__lte=horizon)


def unplanned(items: QuerySet[ActionItem]) -> QuerySet[ActionItem]:
    """Open items nobody owns or nobody dated: imported or legacy ones."""
    return items.filter(Q(owner__isnull=True) | Q(due_date__isnull=True), status__in=OPEN)


def filtered_items(
    items: QuerySet[ActionItem], filters: ItemFilters, *, today: date, tz
) -> QuerySet[ActionItem]:
    match filters.state:
        case "overdue":
            items = overdue(items, today)
        case "due_soon":
            items = due_soon(items, today)
        case "unplanned":
            items = unplanned(items)
        case "done":
            items = items.exclude(status__in=OPEN)
        case "all":
            pass
        case _:
            items = items.filter(status__in=OPEN)
    if filters.owner == "none":
        items = items.filter(owner__isnull=True)
    elif filters.owner.isdigit():
        items = items.filter(owner_id=int(filters.owner))
    if filters.created_month:
        start, end = month_bounds(filters.created_month, tz)
        items = items.filter(created_at__gte=start, created_at__lt=end)
    if filters.completed_month:
        start, end = month_bounds(filters.completed_month, tz)
        items = items.filter(completed_at__gte=start, completed_at__lt=end)
    return items.order_by("due_date", "pk")


@dataclass
class OwnerGroup:
    owner: User | None
    items: list[ActionItem]


def group_by_owner(items: list[ActionItem]) -> list[OwnerGroup]:
    """Owners in the order of their oldest overdue item, each owner's items oldest first."""
    ordered = sorted(items, key=lambda i: (i.owner_id or 0, i.due_date, i.pk))
    groups = [
        OwnerGroup(owner=rows[0].owner, items=rows)
        for rows in (list(g) for _, g in groupby(ordered, key=lambda i: i.owner_id))
    ]
    return sorted(groups, key=lambda g: g.items[0].due_date)


def overdue_load(items: QuerySet[ActionItem], today: date) -> QuerySet:
    """Overdue items per owner, most first: who is overloaded."""
    return (
        overdue(items, today)
        .values("owner_id", "owner__display_name")
        .annotate(n=Count("pk"), oldest=Min("due_date"))
        .order_by("-n", "oldest")
    )


def incidents_missing_review(
    *, user: User, teams: list[Team] | None, now: datetime
) -> QuerySet[Incident]:
    """Incidents past their postmortem deadline with no postmortem, longest waiting first.
    The partial index pm_incident_missing_review keeps this small however many incidents."""
    incidents = Incident.objects.filter(visibility_filter(user))
    if teams is not None:
        incidents = incidents.filter(team__in=teams)
    return (
        incidents.annotate(clock=Coalesce("resolved_at", "started_at"))
        .filter(
            reminder_stage__lt=ReminderStage.REVIEW_STARTED,
            postmortem_not_needed=False,
            severity__in=settings.POSTMORTEM_REQUIRED_SEVERITIES,
            clock__lte=now - timedelta(hours=settings.POSTMORTEM_DUE_HOURS),
            postmortem__isnull=True,
        )
        .select_related("team", "owner")
        .only(
            "number",
            "title",
            "severity",
            "started_at",
            "resolved_at",
            "team__name",
            "owner__display_name",
        )
        .order_by("clock")
    )


def stale_drafts(*, user: User, teams: list[Team] | None, now: datetime) -> QuerySet[Postmortem]:
    """Reviews started but unpublished after stale_draft_days(), oldest first."""
    postmortems = Postmortem.objects.filter(visibility_filter(user, prefix="incident__"))
    if teams is not None:
        postmortems = postmortems.filter(incident__team__in=teams)
    return (
        postmortems.filter(created_at__lte=now - timedelta(days=stale_draft_days()))
        .exclude(status=Postmortem.Status.PUBLISHED)
        .select_related("incident__team")
        .only(
            "status",
            "created_at",
            "updated_at",
            "incident__number",
            "incident__title",
            "incident__severity",
            "incident__started_at",
            "incident__resolved_at",
            "incident__team__name",
        )
        .order_by("created_at")
    )

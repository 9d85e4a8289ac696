"""Reads for the team lead dashboard and "My work": what is slipping, and for whom.

Every list is scoped twice: to the teams on the page, and by the visibility rule of
postmortems/permissions.py, so a restricted incident's items reach only insiders.
"Today" and "overdue" are the viewer's: callers pass the viewer's local date.
Each list is cut at LIST_LIMIT rows with an exact count beside it; the full list
is the action item list and its CSV export (postmortems/insights/views.py).
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import groupby

from django.db.models import Count, Min, Q, QuerySet, Value

from accounts.models import Team, User
from lib.months import month_bounds
from postmortems.insights.item_rows import ItemRow
from postmortems.models.actions import (
    ActionItem,
    committed_condition,
    due_before,
    overdue_condition,
)
from postmortems.models.incidents import Incident, not_deleted
from postmortems.models.reviews import Postmortem
from postmortems.permissions import visibility_filter
from postmortems.selectors import deleted_postmortems, past_review_deadline, stale_drafts

DUE_SOON_DAYS = 7
LIST_LIMIT = 25


@dataclass(frozen=True)
class ItemFilters:
    """The action item list behind the dashboard, its charts and the CSV export."""

    state: str = "open"  # open, overdue, due_soon, unplanned, done, unverified, all, ideas
    owner: str = ""  # user pk, or "none"
    created_month: date | None = None  # first day of a month, viewer's zone
    completed_month: date | None = None


STATES = {
    "open": "Open",
    "overdue": "Overdue",
    "due_soon": f"Due in the next {DUE_SOON_DAYS} days",
    "unplanned": "Without an owner or a due date",
    "done": "Finished",
    # Done, and the day to say whether the fix worked has come (insights/unverified.py).
    "unverified": "Done, outcome due",
    "all": "All",
    "ideas": "Ideas (not committed)",
}


# COUNT(1) rather than COUNT(id): an aggregate that reads no column lets PostgreSQL
# count from an index alone (an index-only scan) instead of visiting every row.
ONE = Value(1)


def team_action_items(*, user: User | None, teams: list[Team] | None) -> QuerySet[ActionItem]:
    """Action items of the teams' incidents that `user` may see (`teams=None`: every
    team; `user=None`: all of them, see DashboardScope.sees_everything). The team is
    the item's copy of its incident's team, so no join is needed."""
    items = ActionItem.objects.all()
    if user is not None:
        items = items.filter(visibility_filter(user, prefix="postmortem__incident__"))
    else:
        # visibility_filter leaves out deleted incidents; without it, a subquery over
        # the few deleted ones (pm_incident_deleted) does, with no join per item.
        items = items.exclude(postmortem__in=deleted_postmortems())
    if teams is not None:
        items = items.filter(team__in=teams)
    return items


# What the dashboard's lists and headline counts mean, once: conditions on open items.
# Overdue is the rule of postmortems/models/actions.py (due_before is its date half).
def _due_soon(today: date) -> Q:
    return Q(due_date__gte=today, due_date__lte=today + timedelta(days=DUE_SOON_DAYS))


def _unplanned() -> Q:
    """Nobody owns it or nobody dated it: imported or legacy items."""
    return Q(owner__isnull=True) | Q(due_date__isnull=True)


def open_items(items: QuerySet[ActionItem]) -> QuerySet[ActionItem]:
    """Unfinished items: the partial index pm_action_open_due holds only these."""
    return items.filter(status__in=ActionItem.UNFINISHED)


def overdue(items: QuerySet[ActionItem], today: date) -> QuerySet[ActionItem]:
    return items.filter(overdue_condition(today))


def due_soon(items: QuerySet[ActionItem], today: date) -> QuerySet[ActionItem]:
    return open_items(items).filter(_due_soon(today))


def unplanned(items: QuerySet[ActionItem]) -> QuerySet[ActionItem]:
    return open_items(items).filter(_unplanned())


def headline_counts(items: QuerySet[ActionItem], today: date) -> dict[str, int]:
    """Open, overdue, due soon and unplanned items, in one aggregate statement.
    It reads only columns of the partial index pm_action_open_due (see ONE), so
    PostgreSQL answers from the index alone."""
    return open_items(items).aggregate(
        open=Count(ONE),
        overdue=Count(ONE, filter=due_before(today)),
        due_soon=Count(ONE, filter=_due_soon(today)),
        unplanned=Count(ONE, filter=_unplanned()),
    )


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
            items = items.filter(status__in=ActionItem.FINISHED)
        case "unverified":
            items = items.filter(status=ActionItem.Status.DONE, outcome="", verify_on__lte=today)
        case "all":
            items = items.filter(committed_condition())
        case "ideas":  # kept apart: no state above holds them
            items = items.filter(status=ActionItem.Status.IDEA)
        case _:
            items = open_items(items)
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
    items: list[ItemRow]


def _owner(row: ItemRow) -> User | None:
    """The row's owner as a User holding the columns the row read, as .only() loads
    one (from_db takes the values in the order of the model's fields)."""
    if row.owner_id is None:
        return None
    read = {"id": row.owner_id, "display_name": row.owner_display_name, "email": row.owner_email}
    names = [f.attname for f in User._meta.concrete_fields if f.attname in read]
    return User.from_db(None, names, [read[name] for name in names])


def group_by_owner(items: list[ItemRow]) -> list[OwnerGroup]:
    """Owners in the order of their oldest overdue item, each owner's items oldest first."""
    ordered = sorted(items, key=lambda i: (i.owner_id or 0, i.due_date, i.pk))
    groups = [
        OwnerGroup(owner=_owner(rows[0]), items=rows)
        for rows in (list(g) for _, g in groupby(ordered, key=lambda i: i.owner_id))
    ]
    # An overdue item always has a due date (date.min only satisfies the type).
    return sorted(groups, key=lambda g: g.items[0].due_date or date.min)


def overdue_load(items: QuerySet[ActionItem], today: date, *, limit: int) -> list[dict]:
    """Overdue items per owner, most first: who is overloaded (`owner_id`, `owner_name`,
    `n`, `oldest`). The names are read afterwards for the rows shown: joining the
    owners before grouping doubled the time over all teams' 68,000 overdue items,
    which are otherwise counted from the index alone."""
    rows = list(
        overdue(items, today)
        .values("owner_id")
        .annotate(n=Count(ONE), oldest=Min("due_date"))  # index-only, as above
        .order_by("-n", "oldest")[:limit]
    )
    owners = {row["owner_id"] for row in rows} - {None}
    names = dict(User.objects.filter(pk__in=owners).values_list("pk", "display_name"))
    for row in rows:
        row["owner_name"] = names.get(row["owner_id"], "")
    return rows


def incidents_missing_review(
    *, user: User | None, teams: list[Team] | None, now: datetime
) -> QuerySet[Incident]:
    """Incidents past their postmortem deadline with no postmortem, longest waiting first
    (`user=None`: no visibility filter, as in team_action_items)."""
    incidents = past_review_deadline(now)
    if user is not None:
        incidents = incidents.filter(visibility_filter(user))
    if teams is not None:
        incidents = incidents.filter(team__in=teams)
    return incidents.select_related("team", "owner").only(
        "number", "title", "severity", "started_at", "resolved_at", "team__name",
        "owner__display_name",
    )  # fmt: skip


def team_stale_drafts(
    *, user: User | None, teams: list[Team] | None, now: datetime
) -> QuerySet[Postmortem]:
    """Stale drafts (selectors.stale_drafts) of the teams that `user` may see
    (`user=None`: no visibility filter, as in team_action_items)."""
    postmortems = stale_drafts(now)
    if user is not None:
        postmortems = postmortems.filter(visibility_filter(user, prefix="incident__"))
    if teams is not None:
        postmortems = postmortems.filter(incident__team__in=teams)
    return postmortems.select_related("incident__team").only(
        "status", "created_at", "updated_at", "incident__number", "incident__title",
        "incident__severity", "incident__started_at", "incident__resolved_at",
        "incident__team__name",
    )  # fmt: skip


def my_open_items(user: User) -> QuerySet[ActionItem]:
    """The open items `user` owns (and may see), soonest due first."""
    items = open_items(
        ActionItem.objects.filter(
            visibility_filter(user, prefix="postmortem__incident__"), owner=user
        )
    )
    return items.order_by("due_date", "pk")


def my_drafts(user: User) -> QuerySet[Postmortem]:
    """Unpublished reviews `user` writes or whose incident they own, oldest first.

    The two ways in are a UNION of ids, each read from its own index: an OR across the
    author join made PostgreSQL join every unpublished review to its incident and
    authors first, for anyone (bench/README.md, "My work, and a sweep of every page at
    this size", point 1)."""
    authored = Postmortem.authors.through.objects.filter(user=user).values("postmortem_id")
    owned = Postmortem.objects.filter(incident__owner=user).values("pk")
    return (
        Postmortem.objects.filter(pk__in=authored.union(owned))
        .filter(not_deleted("incident__"))
        .exclude(status=Postmortem.Status.PUBLISHED)
        .select_related("incident__team")
        .only(
            "status",
            "created_at",
            "updated_at",
            "incident__number",
            "incident__title",
            "incident__severity",
            "incident__team__name",
        )
        .order_by("created_at")
    )

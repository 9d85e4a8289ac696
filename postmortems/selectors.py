"""Reads: querysets with their joins already decided, so views never build queries."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from typing import TYPE_CHECKING, Any, TypedDict

from django.conf import settings
from django.db.models import (
    BooleanField,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Q,
    QuerySet,
)
from django.utils import timezone

from accounts.models import Membership, User
from accounts.people_fields import name_only
from lib.months import month_bounds
from lib.prepared import Prepared, attach
from postmortems.models.actions import ActionItem
from postmortems.models.catalog import Service, Tag
from postmortems.models.incidents import Incident, ReminderStage, not_deleted, review_clock
from postmortems.models.reviews import Postmortem, TimelineEvent
from postmortems.models.revisions import SectionRevision
from postmortems.permissions import visible_incidents

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


class ReviewClock(TypedDict):
    clock: datetime  # see incidents_awaiting_review


@dataclass(frozen=True)
class IncidentFilters:
    status: str = ""
    severity: str = ""
    team: str = ""  # team slug
    has_postmortem: str = ""  # "yes", "no" or ""
    q: str = ""
    month: date | None = None  # started in this month (first day), in the viewer's zone
    service: str = ""  # service slug (the JSON API's filter)
    started_after: datetime | None = None  # the JSON API's range, inclusive
    started_before: datetime | None = None  # exclusive
    updated_after: datetime | None = None  # the JSON API's sync filter, inclusive


def incident_list(*, user: User, filters: IncidentFilters) -> QuerySet[Incident]:
    incidents = (
        visible_incidents(user)
        .select_related("team", "owner", "postmortem")
        .prefetch_related("services")
        # From the postmortem joined for the row, not an EXISTS per incident: PostgreSQL
        # answered that by hashing every review's incident first (bench/README.md,
        # "My work, and a sweep of every page at this size", point 5).
        .annotate(has_postmortem=ExpressionWrapper(Q(postmortem__isnull=False), BooleanField()))
        .order_by("-started_at", "-number")
    )
    if filters.status:
        incidents = incidents.filter(status=filters.status)
    if filters.severity:
        incidents = incidents.filter(severity=filters.severity)
    if filters.team:
        incidents = incidents.filter(team__slug=filters.team)
    # Filtered by EXISTS, which PostgreSQL turns into a (anti-)semi-join: cheaper than
    # testing the joined row for the few incidents still missing a review.
    started = Exists(Postmortem.objects.filter(incident=OuterRef("pk")))
    if filters.has_postmortem == "yes":
        incidents = incidents.filter(started)
    elif filters.has_postmortem == "no":
        incidents = incidents.filter(~started)
    if filters.q:
        incidents = incidents.filter(title__icontains=filters.q)
    if filters.month:
        start, end = month_bounds(filters.month, timezone.get_current_timezone())
        incidents = incidents.filter(started_at__gte=start, started_at__lt=end)
    if filters.service:
        incidents = incidents.filter(
            Exists(
                Incident.services.through.objects.filter(
                    incident_id=OuterRef("pk"), service__slug=filters.service
                )
            )
        )
    if filters.started_after:
        incidents = incidents.filter(started_at__gte=filters.started_after)
    if filters.started_before:
        incidents = incidents.filter(started_at__lt=filters.started_before)
    if filters.updated_after:
        incidents = incidents.filter(updated_at__gte=filters.updated_after)
    return incidents


# What the editor, the read view and the Markdown export show of an action item's owner:
# the name, else the email (which the anonymised export also matches). The person's
# other columns (the password hash, two timestamps to parse) cost every item of every
# load; another one read would cost a statement per item (tests/core pin the counts).
_OWNER_SHOWN = ("display_name", "email")


@cache
def _item_columns_and_owner() -> tuple[str, ...]:
    every_column = (field.name for field in ActionItem._meta.concrete_fields)
    return (*every_column, *(f"owner__{name}" for name in _OWNER_SHOWN))


def _items_with_owners() -> QuerySet[ActionItem]:
    return ActionItem.objects.select_related("owner").only(*_item_columns_and_owner())


# What postmortem_with_content reads on every editor and read-view load, compiled once
# per process (lib/prepared.py): the rows prefetch_related would read, in its order.
_AUTHORS = Prepared(lambda postmortem: User.objects.filter(authored_postmortems=postmortem))
_TAGS = Prepared(lambda postmortem: Tag.objects.filter(postmortems=postmortem))
_EVENTS = Prepared(
    lambda postmortem: TimelineEvent.objects.filter(postmortem=postmortem).order_by(
        "occurred_at", "created_at"
    )
)
_ITEMS = Prepared(
    lambda postmortem: (
        _items_with_owners().filter(postmortem=postmortem).order_by("due_date", "created_at")
    )
)
_SERVICES = Prepared(lambda incident: Service.objects.filter(incidents=incident))


def postmortem_with_content(postmortem: Postmortem) -> Postmortem:
    """Attach what the editor and the read view show (as prefetch_related would), in a
    fixed number of queries; a relation already read is not read again."""
    read = getattr(postmortem, "_prefetched_objects_cache", {})
    for relation, statement in (
        ("authors", _AUTHORS),
        ("tags", _TAGS),
        ("timeline_events", _EVENTS),
        ("action_items", _ITEMS),
    ):
        if relation not in read:
            attach(postmortem, relation, statement(postmortem=postmortem.pk))
    incident = postmortem.incident
    if "services" not in getattr(incident, "_prefetched_objects_cache", {}):
        attach(incident, "services", _SERVICES(incident=incident.pk))
    return postmortem


def incidents_awaiting_review() -> "QuerySet[WithAnnotations[Incident, ReviewClock]]":
    """Incidents that need a postmortem and have none, annotated with `clock`: when
    their POSTMORTEM_DUE_HOURS deadline started to run (resolution, else the start).
    The partial index pm_incident_missing_review keeps this small. The lead digest,
    the dashboard and My work all read it."""
    return Incident.objects.annotate(clock=review_clock()).filter(
        reminder_stage__lt=ReminderStage.REVIEW_STARTED,
        postmortem_not_needed=False,
        severity__in=settings.POSTMORTEM_REQUIRED_SEVERITIES,
        postmortem__isnull=True,
    )


def past_review_deadline(now: datetime) -> "QuerySet[WithAnnotations[Incident, ReviewClock]]":
    """Incidents awaiting a review whose deadline has passed, longest waiting first."""
    deadline = now - timedelta(hours=settings.POSTMORTEM_DUE_HOURS)
    return incidents_awaiting_review().filter(clock__lte=deadline).order_by("clock")


def deleted_postmortems() -> QuerySet[Postmortem, Any]:  # rows of {"pk": ...}
    """Reviews of deleted incidents, as a subquery: the deleted incidents are few and
    found by the partial index pm_incident_deleted."""
    return Postmortem.objects.filter(
        incident__in=Incident.all_objects.filter(deleted_at__isnull=False).values("pk")
    ).values("pk")


def stale_draft_days() -> int:
    """Reviews unpublished this long after they were started are stale (half of the
    STALE_DRAFT_DAYS after which the authors themselves are reminded)."""
    return max(1, settings.STALE_DRAFT_DAYS // 2)


def stale_drafts(now: datetime) -> QuerySet[Postmortem]:
    """Reviews started more than stale_draft_days() ago and not published, oldest first."""
    return (
        Postmortem.objects.filter(
            not_deleted("incident__"), created_at__lte=now - timedelta(days=stale_draft_days())
        )
        .exclude(status=Postmortem.Status.PUBLISHED)
        .order_by("created_at")
    )


def attach_assignees(items: Iterable[ActionItem], *, chosen: str | None = None) -> None:
    """Set `item.assignees`, the (user pk as text, name) of the active members of the
    item's incident team, and `item.assignee_chosen`, the pk to show selected: the owner,
    or `chosen` (a value the user submitted). One query however many items and teams;
    each item needs `postmortem.incident` loaded. The options are rendered by the row's
    template (postmortems/templates/postmortems/includes/item_table.html)."""
    items = list(items)
    team_ids = {item.postmortem.incident.team_id for item in items}
    by_team: dict[int, list[tuple[str, str]]] = defaultdict(list)
    members = (
        Membership.objects.filter(team_id__in=team_ids, user__is_active=True)
        .order_by("user__display_name", "user__email")
        .values_list("team_id", "user_id", "user__display_name", "user__email")
    )
    for team_id, user_id, name, email in members:
        by_team[team_id].append((str(user_id), name_only(name, email)))
    for item in items:
        item.assignees = by_team.get(item.postmortem.incident.team_id, [])
        item.assignee_chosen = chosen if chosen is not None else str(item.owner_id)


HISTORY_ROWS = 200


def section_revisions(*, postmortem: Postmortem, section: str = "") -> list[SectionRevision]:
    """The newest HISTORY_ROWS revisions of a postmortem (or of one section), with authors."""
    revisions = SectionRevision.objects.filter(postmortem=postmortem).select_related("author")
    if section:
        revisions = revisions.filter(section=section)
    return list(revisions.order_by("-saved_at", "-number")[:HISTORY_ROWS])


def section_revisions_by_number(
    *, postmortem: Postmortem, section: str, numbers: Iterable[int]
) -> dict[int, SectionRevision]:
    revisions = SectionRevision.objects.filter(
        postmortem=postmortem, section=section, number__in=list(numbers)
    ).select_related("author")
    return {revision.number: revision for revision in revisions}


def timeline_import_keys_stored(*, postmortem: Postmortem, keys: Iterable[str]) -> set[str]:
    """Which of these import keys the postmortem's timeline already has (one query, on
    the unique (postmortem, import_key) index)."""
    keys = list(keys)
    if not keys:
        return set()
    return {
        key
        for key in TimelineEvent.objects.filter(
            postmortem=postmortem, import_key__in=keys
        ).values_list("import_key", flat=True)
        if key is not None  # never: the filter names keys
    }

"""Reads: querysets with their joins already decided, so views never build queries."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Exists, OuterRef, Prefetch, QuerySet, prefetch_related_objects
from django.utils import timezone

from accounts.models import User
from postmortems.models import ActionItem, Incident, OutboundEmail, Postmortem, TimelineEvent
from postmortems.months import month_bounds
from postmortems.permissions import visible_incidents


@dataclass(frozen=True)
class IncidentFilters:
    status: str = ""
    severity: str = ""
    team: str = ""  # team slug
    has_postmortem: str = ""  # "yes", "no" or ""
    q: str = ""
    month: date | None = None  # started in this month (first day), in the viewer's zone


def incident_list(*, user: User, filters: IncidentFilters) -> QuerySet[Incident]:
    incidents = (
        visible_incidents(user)
        .select_related("team", "owner", "postmortem")
        .prefetch_related("services")
        .annotate(has_postmortem=Exists(Postmortem.objects.filter(incident=OuterRef("pk"))))
        .order_by("-started_at", "-number")
    )
    if filters.status:
        incidents = incidents.filter(status=filters.status)
    if filters.severity:
        incidents = incidents.filter(severity=filters.severity)
    if filters.team:
        incidents = incidents.filter(team__slug=filters.team)
    if filters.has_postmortem == "yes":
        incidents = incidents.filter(has_postmortem=True)
    elif filters.has_postmortem == "no":
        incidents = incidents.filter(has_postmortem=False)
    if filters.q:
        incidents = incidents.filter(title__icontains=filters.q)
    if filters.month:
        start, end = month_bounds(filters.month, timezone.get_current_timezone())
        incidents = incidents.filter(started_at__gte=start, started_at__lt=end)
    return incidents


def postmortem_with_content(postmortem: Postmortem) -> Postmortem:
    """Attach what the editor and the read view show, in a fixed number of queries."""
    prefetch_related_objects(
        [postmortem],
        "authors",
        "tags",
        Prefetch(
            "timeline_events",
            queryset=TimelineEvent.objects.order_by("occurred_at", "created_at"),
        ),
        Prefetch(
            "action_items",
            queryset=ActionItem.objects.select_related("owner").order_by("due_date", "created_at"),
        ),
    )
    prefetch_related_objects([postmortem.incident], "services")
    return postmortem


def reminders_sent(incident: Incident) -> QuerySet[OutboundEmail]:
    """Reminders and escalations already delivered about this incident or its review."""
    return (
        OutboundEmail.objects.filter(incident=incident, status=OutboundEmail.Status.SENT)
        .select_related("recipient")
        .only("kind", "sent_at", "to_address", "recipient__display_name")
        .order_by("sent_at")
    )

"""Reads of notifications: reminders sent about an incident, the outbox's state, beat's
heartbeat."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import (
    Count,
    Q,
    QuerySet,
)
from django.utils.functional import SimpleLazyObject

from accounts.models import User
from lib.prepared import Prepared
from postmortems.models.incidents import Incident
from postmortems.models.reviews import Postmortem
from postmortems.notifications.models import BeatHeartbeat, OutboundMessage
from postmortems.permissions import about_visible


def reminders_sent(incident: Incident | int) -> QuerySet[OutboundMessage]:
    """Reminders and escalations already delivered about this incident or its review."""
    return (
        OutboundMessage.objects.filter(
            incident=incident,
            status=OutboundMessage.Status.SENT,
            channel=OutboundMessage.Channel.EMAIL,
        )
        .select_related("recipient")
        .only("kind", "sent_at", "to_address", "recipient__display_name")
        .order_by("sent_at")
    )


def last_beat_heartbeat() -> datetime | None:
    """When a worker last ran beat's heartbeat task (None: never since the database began)."""
    return BeatHeartbeat.objects.values_list("beat_at", flat=True).first()


@dataclass(frozen=True)
class OutboxTrouble:
    failed: int  # failed for good (since `failed_since`, when given)
    deferred: int  # still queued, first failed over OUTBOX_DEFERRED_WARNING_SECONDS ago


def outbox_deferred_since(now: datetime) -> datetime:
    return now - timedelta(seconds=settings.OUTBOX_DEFERRED_WARNING_SECONDS)


def outbox_trouble(*, now: datetime, failed_since: datetime | None = None) -> OutboxTrouble:
    """One query over the failed and queued rows (the status index), for the outbox page
    and /readyz."""
    failed = Q(status=OutboundMessage.Status.FAILED)
    if failed_since is not None:
        failed &= Q(failed_at__gte=failed_since)
    deferred = Q(
        status=OutboundMessage.Status.QUEUED, deferred_since__lte=outbox_deferred_since(now)
    )
    counts = OutboundMessage.objects.filter(failed | deferred).aggregate(
        failed=Count("pk", filter=failed), deferred=Count("pk", filter=deferred)
    )
    return OutboxTrouble(failed=counts["failed"], deferred=counts["deferred"])


def outbox_rows(*, status: str, now: datetime, viewer: User) -> QuerySet[OutboundMessage]:
    """The outbox page: newest first, filtered by status or "deferred" (long-deferred).
    Each row says whether `viewer` may see the incident it is about (`about_visible`)."""
    emails = (
        OutboundMessage.objects.select_related("incident", "team")
        .annotate(about_visible=about_visible(viewer, "incident", "postmortem__incident"))
        .order_by("-created_at")
    )
    if status == "deferred":
        emails = emails.filter(
            status=OutboundMessage.Status.QUEUED, deferred_since__lte=outbox_deferred_since(now)
        )
    elif status in OutboundMessage.Status.values:
        emails = emails.filter(status=status)
    return emails.defer("body_text", "body_html")


def reminders_for_incident_page(*, incident: Incident, user: User | None = None) -> dict:
    """PAGE_EXTRAS["incident"]: the reminders sent about it (read when shown: an htmx
    answer of the page shows none)."""
    return {"reminders": SimpleLazyObject(lambda: _REMINDERS(incident=incident.pk))}


def reminders_for_review_page(*, postmortem: Postmortem, user: User | None = None) -> dict:
    """PAGE_EXTRAS["review-edit"]: the reminders sent about its incident (read when
    shown: an htmx answer of the editor shows none)."""
    return {"reminders": SimpleLazyObject(lambda: _REMINDERS(incident=postmortem.incident_id))}


# Read by every incident page and editor load: compiled once (lib/prepared.py).
_REMINDERS = Prepared(reminders_sent)

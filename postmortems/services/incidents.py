from datetime import datetime, timedelta

from django.db import IntegrityError, connection, transaction
from django.db.models import Max
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import User
from audit.models import AuditEvent
from audit.services import audit_record
from lib.database_errors import retry_on_contention
from lib.extensions import handle_event
from postmortems.models.catalog import Service
from postmortems.models.incidents import RESTORE_DAYS, Incident
from postmortems.models.reviews import Postmortem
from postmortems.services.actions import action_items_follow_incident
from postmortems.services.edits import save_if_unchanged
from postmortems.services.locks import postmortem_lock
from postmortems.services.search_index import index_postmortem

INCIDENT_FIELDS = [
    "title",
    "severity",
    "status",
    "team",
    "owner",
    "description",
    "started_at",
    "detected_at",
    "mitigated_at",
    "resolved_at",
    "restricted",
    "postmortem_not_needed",
    "postmortem_not_needed_reason",
]


# The key of the PostgreSQL advisory lock that queues incident numbering.
NUMBER_LOCK = 0x50_4D_49_4E  # "PMIN"


def _next_number() -> int:
    """The next INC number. On PostgreSQL, creators first queue on an advisory lock
    held until their transaction ends: a number read from MAX() is only safe once the
    previous creator has committed. Without it, an alert storm opening incidents from
    every worker at once (bench/alert_ingest.py: 4 workers, one new group per
    delivery) made creators lose the unique constraint to each other five times in a
    row, one delivery in seven."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [NUMBER_LOCK])
    # Deleted incidents keep their numbers until purged (a restore brings them back).
    return (Incident.all_objects.aggregate(top=Max("number"))["top"] or 0) + 1


def incident_create(
    *, by: User | None, services: list[Service] | None = None, **fields
) -> Incident:
    """Create an incident with the next INC number.

    Two creations at once queue for the number on PostgreSQL (_next_number); elsewhere
    (or should one slip through) the unique constraint turns the loser's insert into an
    IntegrityError and it retries with the next number.
    """
    incident = Incident(created_by=by, **fields)
    incident.number = 0
    incident.full_clean(exclude=["number"])
    for _attempt in range(5):
        try:
            with transaction.atomic():
                incident.number = _next_number()
                incident.created_at = incident.updated_at = timezone.now()
                incident.save(force_insert=True)
                if services:
                    incident.services.set(services)
                # Every way an incident opens (the form, the API, alerts, the admin)
                # comes through here: recurrence detection listens.
                handle_event("incident-opened", incident_id=incident.pk)
            return incident
        except IntegrityError:
            if Incident.all_objects.filter(number=incident.number).exists():
                incident.pk = None
                continue
            raise
    raise RuntimeError("Could not allocate an incident number; try again.")


def incident_copies_follow(*, incident: Incident) -> None:
    """Bring what the postmortem copies of `incident` up to date: its action items'
    team, and its search entry (title, team, owner, severity, restriction, services;
    a deleted incident's review leaves the index, a restored one comes back).

    Called in the transaction that changed the incident, after the change: the
    incident row is locked by then, and the postmortem is locked here, before its
    items (the lock order in services/locks.py). A new action item takes its team
    under the same lock, so it is either moved here or made with the new team.
    """
    pk = Postmortem.objects.filter(incident=incident).values_list("pk", flat=True).first()
    if pk is None:
        return  # no postmortem: no items, no index entry
    postmortem_lock(postmortem_id=pk)
    action_items_follow_incident(incident=incident)
    index_postmortem(pk)


@retry_on_contention
def incident_update(
    *, incident: Incident, expected_revision: int, services: list[Service] | None = None
) -> Incident:
    """Save the edited fields of `incident` (already set by the form)."""
    incident.full_clean(exclude=["number"])
    with transaction.atomic():
        save_if_unchanged(
            incident,
            expected_revision=expected_revision,
            fields=[*INCIDENT_FIELDS, "updated_at"],
            touch=True,
        )
        if services is not None:
            incident.services.set(services)
            handle_event("incident-signals-changed", incident_id=incident.pk)
        incident_copies_follow(incident=incident)  # the team, title, services...
    return incident


def incident_resolve(
    *, incident: Incident, expected_revision: int, resolved_at: datetime | None = None
) -> Incident:
    """Mark `incident` resolved at `resolved_at` (now when not given). Resolving starts
    the postmortem clock. Resolving again without a time keeps the first time."""
    incident.status = Incident.Status.RESOLVED
    if resolved_at is not None or incident.resolved_at is None:
        incident.resolved_at = resolved_at or timezone.now()
    return incident_update(incident=incident, expected_revision=expected_revision)


def incident_delete(
    *, incident: Incident, by: User | None, request: HttpRequest | None = None
) -> Incident:
    """Soft-delete `incident` and with it its postmortem: gone from every page, list,
    search, feed, count, sweep and the API; admins restore it for RESTORE_DAYS."""
    with transaction.atomic():
        incident.deleted_at = timezone.now()
        incident.deleted_by = by
        incident.save(update_fields=["deleted_at", "deleted_by"])
        incident_copies_follow(incident=incident)
        audit_record(
            action=AuditEvent.Action.INCIDENT_DELETED,
            actor=by,
            target=incident,
            request=request,
            soft=True,
        )
    return incident


def incident_restore(
    *, incident: Incident, by: User | None, request: HttpRequest | None = None
) -> Incident:
    with transaction.atomic():
        deleted_at = incident.deleted_at
        incident.deleted_at = None
        incident.deleted_by = None
        incident.save(update_fields=["deleted_at", "deleted_by"])
        incident_copies_follow(incident=incident)
        audit_record(
            action=AuditEvent.Action.INCIDENT_RESTORED,
            actor=by,
            target=incident,
            request=request,
            deleted_at=deleted_at,
        )
    return incident


def incidents_purge(*, now: datetime) -> int:
    """Hard-delete incidents deleted more than RESTORE_DAYS ago, with everything that
    hangs off them (cascades). State-based: a missed run is caught up by the next."""
    cutoff = now - timedelta(days=RESTORE_DAYS)
    purged = 0
    for incident in Incident.all_objects.filter(deleted_at__lt=cutoff).order_by("pk"):
        with transaction.atomic():
            audit_record(
                action=AuditEvent.Action.INCIDENT_PURGED,
                actor=None,
                target=incident,
                deleted_at=incident.deleted_at,
            )
            incident.delete()
        purged += 1
    return purged

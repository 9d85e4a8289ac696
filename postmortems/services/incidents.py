from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from accounts.models import User
from postmortems.models import Incident, Postmortem, Service
from postmortems.search_index import index_postmortem
from postmortems.services.actions import action_items_follow_incident
from postmortems.services.edits import save_if_unchanged

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
]


def _next_number() -> int:
    return (Incident.objects.aggregate(top=Max("number"))["top"] or 0) + 1


def incident_create(
    *, by: User | None, services: list[Service] | None = None, **fields
) -> Incident:
    """Create an incident with the next INC number.

    Two creations at once may pick the same number; the unique constraint turns the
    loser's insert into an IntegrityError and it retries with the next number.
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
            return incident
        except IntegrityError:
            if Incident.objects.filter(number=incident.number).exists():
                incident.pk = None
                continue
            raise
    raise RuntimeError("Could not allocate an incident number; try again.")


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
        action_items_follow_incident(incident=incident)  # the team may have changed
        # The title and the services are searched with the review.
        for pk in Postmortem.objects.filter(incident=incident).values_list("pk", flat=True):
            index_postmortem(pk)
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

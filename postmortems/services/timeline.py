from django.db import transaction
from django.utils import timezone

from accounts.models import User
from postmortems.models import AuditEvent, Postmortem, TimelineEvent
from postmortems.search_index import index_postmortem
from postmortems.services.audit import audit_record
from postmortems.services.edits import save_if_unchanged

EVENT_FIELDS = ["occurred_at", "kind", "text", "source_url"]


def timeline_event_create(*, postmortem: Postmortem, by: User, **fields) -> TimelineEvent:
    event = TimelineEvent(postmortem=postmortem, created_by=by, created_at=timezone.now(), **fields)
    event.full_clean()
    with transaction.atomic():
        event.save()
        index_postmortem(postmortem.pk)
    return event


def timeline_event_update(*, event: TimelineEvent, expected_revision: int) -> TimelineEvent:
    event.full_clean()
    with transaction.atomic():
        save_if_unchanged(event, expected_revision=expected_revision, fields=EVENT_FIELDS)
        index_postmortem(event.postmortem_id)
    return event


def timeline_event_delete(*, event: TimelineEvent, by: User) -> None:
    with transaction.atomic():
        audit_record(
            action=AuditEvent.Action.TIMELINE_EVENT_DELETED,
            actor=by,
            target=event,
            incident=event.postmortem.incident.reference,
            occurred_at=event.occurred_at,
            text=event.text[:200],
        )
        event.delete()
        index_postmortem(event.postmortem_id)


def timeline_events_import(
    *, postmortem: Postmortem, by: User, events: list[dict]
) -> list[TimelineEvent]:
    """Add many events at once (the chat import): all of them or, on an invalid one, none."""
    now = timezone.now()
    created = [
        TimelineEvent(postmortem=postmortem, created_by=by, created_at=now, **fields)
        for fields in events
    ]
    for event in created:
        event.full_clean()
    with transaction.atomic():
        TimelineEvent.objects.bulk_create(created)
        index_postmortem(postmortem.pk)
    return created

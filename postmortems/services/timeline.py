from django.db import transaction
from django.utils import timezone

from accounts.models import User
from config.database_errors import retry_on_contention
from postmortems.models import AuditEvent, Postmortem, TimelineEvent
from postmortems.search_index import index_postmortem
from postmortems.services.audit import audit_record
from postmortems.services.edits import save_if_unchanged
from postmortems.services.locks import postmortem_lock

EVENT_FIELDS = ["occurred_at", "kind", "text", "source_url"]

# Each write locks its postmortem first (services/locks.py: the one lock order), then
# writes the event and rebuilds the search index from what is committed.


@retry_on_contention
def timeline_event_create(*, postmortem: Postmortem, by: User, **fields) -> TimelineEvent:
    event = TimelineEvent(postmortem=postmortem, created_by=by, created_at=timezone.now(), **fields)
    event.full_clean()
    with transaction.atomic():
        postmortem_lock(postmortem_id=postmortem.pk)
        event.save()
        index_postmortem(postmortem.pk)
    return event


@retry_on_contention
def timeline_event_update(*, event: TimelineEvent, expected_revision: int) -> TimelineEvent:
    event.full_clean()
    with transaction.atomic():
        postmortem_lock(postmortem_id=event.postmortem_id)
        save_if_unchanged(event, expected_revision=expected_revision, fields=EVENT_FIELDS)
        index_postmortem(event.postmortem_id)
    return event


@retry_on_contention
def timeline_event_delete(*, event: TimelineEvent, by: User) -> None:
    with transaction.atomic():
        postmortem_lock(postmortem_id=event.postmortem_id)
        audit_record(
            action=AuditEvent.Action.TIMELINE_EVENT_DELETED,
            actor=by,
            target=event,
            incident=event.postmortem.incident.reference,
            occurred_at=event.occurred_at,
            text=event.text[:200],
        )
        # Not event.delete(): that clears event.pk even when the transaction is rolled
        # back afterwards, and a second run must find the event again.
        TimelineEvent.objects.filter(pk=event.pk).delete()
        index_postmortem(event.postmortem_id)


@retry_on_contention
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
        postmortem_lock(postmortem_id=postmortem.pk)
        TimelineEvent.objects.bulk_create(created)
        index_postmortem(postmortem.pk)
    return created

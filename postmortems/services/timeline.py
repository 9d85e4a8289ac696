from django.db import transaction
from django.utils import timezone

from accounts.models import User
from audit.models import AuditEvent
from audit.services import audit_record
from lib.database_errors import retry_on_contention
from postmortems.models.reviews import Postmortem, TimelineEvent
from postmortems.selectors import timeline_import_keys_stored
from postmortems.services.edits import save_if_unchanged
from postmortems.services.locks import postmortem_lock
from postmortems.services.search_index import index_postmortem

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
    """Add many events at once (the chat import): all of them or, on an invalid one, none.

    An event with an `import_key` that the postmortem already has is left out, so the
    same export imported twice adds only what is new. Two imports at the same moment:
    1. each validates its events outside the transaction;
    2. each locks the postmortem row (services/locks.py), so they run one after the other;
    3. under the lock each reads which of its keys are already stored, which includes
       everything the one before it committed, and inserts only the others;
    4. the unique constraint on (postmortem, import_key) backs this up: a writer that
       skipped the lock would fail, not duplicate.
    Returns the events added (none when everything was imported before).
    """
    now = timezone.now()
    created, keys = [], set()
    for fields in events:
        key = fields.get("import_key") or None
        if key is not None and key in keys:
            continue  # the same message twice in one upload
        keys.add(key)
        created.append(
            TimelineEvent(postmortem=postmortem, created_by=by, created_at=now, **fields)
        )
    for event in created:
        # Not full_clean(): it would look up the postmortem, the user and the new UUID
        # once per event (three queries each: 600 for a 200-message import). The two
        # rows are the ones in hand, `code` is a fresh UUID, and the import key is
        # checked in step 3.
        event.clean_fields(exclude=["postmortem", "created_by"])
        event.clean()
    with transaction.atomic():
        postmortem_lock(postmortem_id=postmortem.pk)
        stored = timeline_import_keys_stored(
            postmortem=postmortem, keys={key for key in keys if key is not None}
        )
        created = [event for event in created if event.import_key not in stored]
        if created:
            TimelineEvent.objects.bulk_create(created)
            index_postmortem(postmortem.pk)
    return created

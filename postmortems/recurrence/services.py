"""Deciding a possible recurrence: its incident's authors confirm or dismiss it."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from audit.models import AuditEvent
from audit.services import audit_record
from lib.database_errors import retry_on_contention
from postmortems.recurrence.models import Recurrence

NOTE_MAX_CHARS = 2000
DECISIONS = {"confirm": Recurrence.Status.CONFIRMED, "dismiss": Recurrence.Status.DISMISSED}


class RecurrenceConflict(Exception):
    """Already decided otherwise by someone since the caller read it: nothing changed."""

    def __init__(self, current: Recurrence) -> None:
        super().__init__("Someone else decided this recurrence first; nothing was changed.")
        self.current = current


@retry_on_contention
def recurrence_decide(
    *,
    recurrence: Recurrence,
    decision: str,
    by: User,
    note: str = "",
    expected_revision: int | None = None,
) -> Recurrence:
    """Confirm or dismiss `recurrence` ("confirm" or "dismiss").

    1. Lock the row (FOR UPDATE): two people deciding at once go one after the other.
    2. Undecided: the decision is taken. Decided the same way: nothing changes (a
       repeated click or request is answered as done). Decided the other way: the
       decision changes only when the caller names the revision it saw
       (`expected_revision`, as the page's "change" button and the API do), else
       RecurrenceConflict carries the row as it is; a person who saw "suggested"
       never overwrites someone else's decision unknowingly.
    """
    status = DECISIONS.get(decision)
    if status is None:
        raise ValidationError("Decide confirm or dismiss.")
    note = note.strip()
    if len(note) > NOTE_MAX_CHARS:
        raise ValidationError(f"Keep the note under {NOTE_MAX_CHARS} characters.")
    with transaction.atomic():
        locked = Recurrence.objects.select_for_update().get(pk=recurrence.pk)
        if locked.status == status:
            return locked
        if locked.is_decided and expected_revision != locked.revision:
            raise RecurrenceConflict(locked)
        if not locked.is_decided and expected_revision not in (None, locked.revision):
            raise RecurrenceConflict(locked)
        locked.status = status
        locked.decided_by = by
        locked.decided_at = timezone.now()
        locked.note = note
        locked.revision += 1
        locked.full_clean(exclude=["incident", "earlier"])
        locked.save(update_fields=["status", "decided_by", "decided_at", "note", "revision"])
        # The row keeps the latest decision; the audit log keeps every one.
        audit_record(
            action=AuditEvent.Action.RECURRENCE_DECIDED,
            actor=by,
            target=locked,
            decision=status,
            incident=locked.incident_id,
            earlier=locked.earlier_id,
        )
    return locked

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from audit.models import AuditEvent
from audit.services import audit_record
from lib.database_errors import retry_on_contention
from postmortems.models.actions import ActionItem
from postmortems.models.incidents import Incident
from postmortems.models.reviews import Postmortem
from postmortems.services.action_changes import ensure_owner_sees_incident, record_changes, snapshot
from postmortems.services.commitments import ensure_commitment_kept
from postmortems.services.edits import EditConflict, save_if_unchanged
from postmortems.services.locks import postmortem_lock
from postmortems.services.search_index import index_postmortem
from postmortems.services.verification import VERIFY_FIELDS, stamp_verification

ITEM_FIELDS = [
    "title",
    "description",
    "owner",
    "due_date",
    "priority",
    "type",
    "status",
    "wont_do_reason",
    "tracker_url",
    "verification",
    "verification_plan",
    "completed_at",
    *VERIFY_FIELDS,
]


def _stamp_completion(item: ActionItem) -> None:
    """completed_at follows the status: set when finished, cleared when reopened."""
    if item.is_finished and item.completed_at is None:
        item.completed_at = timezone.now()
    elif not item.is_finished:
        item.completed_at = None
    if item.status != ActionItem.Status.WONT_DO:
        item.wont_do_reason = ""


@retry_on_contention
def action_item_create(*, postmortem: Postmortem, by: User, **fields) -> ActionItem:
    now = timezone.now()
    item = ActionItem(
        postmortem=postmortem,
        team_id=postmortem.incident.team_id,
        created_by=by,
        created_at=now,
        updated_at=now,
        **fields,
    )
    _stamp_completion(item)
    stamp_verification(item, was=None, by=by, now=now)
    item.full_clean()
    ensure_owner_sees_incident(item)
    with transaction.atomic():
        # The team is a copy of the incident's: take it under the postmortem's lock.
        # A move to another team locks the postmortem before it moves the items
        # (incident_copies_follow), so it either committed before this read or moves
        # this item after it commits.
        item.team_id = postmortem_lock(postmortem_id=postmortem.pk).incident.team_id
        item.save()
        index_postmortem(postmortem.pk)
    return item


def idea_create(
    *, postmortem: Postmortem, by: User, title: str, description: str = ""
) -> ActionItem:
    """Keep an idea: a title (and notes) only; no owner, date or type is needed, and
    nothing counts it until it is committed (services/commitments.py)."""
    return action_item_create(
        postmortem=postmortem,
        by=by,
        title=title,
        description=description,
        status=ActionItem.Status.IDEA,
    )


def action_items_follow_incident(*, incident: Incident) -> int:
    """Give the incident's action items its current team (ActionItem.team is a copy):
    every write that may move an incident to another team calls this, holding the
    postmortem's lock (services/locks.py). Returns the number of items moved.
    A move is a change a sync must see (the API shows the item's team): updated_at too."""
    return (
        ActionItem.objects.filter(postmortem__incident=incident)
        .exclude(team_id=incident.team_id)
        .update(team_id=incident.team_id, updated_at=timezone.now())
    )


@retry_on_contention
def action_item_update(
    *, item: ActionItem, by: User | None, expected_revision: int, source: str = ""
) -> ActionItem:
    """Save the editor's form; changes to the tracked fields go into the item's history.

    Also how a change made in the team's issue tracker arrives (trackers/sync.py):
    `source` names the tracker, `by` the mapped person or None."""
    _stamp_completion(item)
    item.full_clean()
    now = timezone.now()
    with transaction.atomic():
        postmortem_lock(postmortem_id=item.postmortem_id)
        # The form has already written its values into `item`: the old ones come from
        # the row. Read at the expected revision, they are exactly what this save
        # replaces; at any other revision the save would fail anyway, so fail now.
        current = ActionItem.objects.select_related("owner").get(pk=item.pk)
        if current.revision != expected_revision:
            raise EditConflict(current)
        ensure_commitment_kept(before=current, after=item)
        stamp_verification(item, was=current.status, by=by, now=now)
        if item.owner_id != current.owner_id:  # an owner set earlier stays editable
            ensure_owner_sees_incident(item)
        save_if_unchanged(item, expected_revision=expected_revision, fields=ITEM_FIELDS, touch=True)
        record_changes(item=item, before=snapshot(current), by=by, at=now, source=source)
        index_postmortem(item.postmortem_id)
    return item


@retry_on_contention
def action_item_delete(*, item: ActionItem, by: User) -> None:
    with transaction.atomic():
        postmortem_lock(postmortem_id=item.postmortem_id)
        audit_record(
            action=AuditEvent.Action.ACTION_ITEM_DELETED,
            actor=by,
            target=item,
            incident=item.postmortem.incident.reference,
            status=item.status,
            owner=item.owner.email if item.owner else "",
        )
        # Not item.delete(): it clears item.pk even if the transaction is rolled back.
        ActionItem.objects.filter(pk=item.pk).delete()
        index_postmortem(item.postmortem_id)

"""Quick actions on one action item (done, new date, new owner, nudge), each recorded.

Every change writes one ActionItemChange per field that changed: who, when, the old
and the new value as people read them, and the reason when one was given. Changes
go through the item's revision like every other edit (postmortems/services/edits.py):
the caller names the revision its form was rendered from, and a form that is out of
date gets EditConflict instead of overwriting what someone else saved.
"""

from collections.abc import Sequence
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import Membership, User
from lib.database_errors import retry_on_contention
from lib.extensions import handle_event
from postmortems.models.action_changes import ActionItemChange
from postmortems.models.actions import ActionItem
from postmortems.permissions import can_see_incident
from postmortems.services.edits import EditConflict, save_if_unchanged
from postmortems.services.locks import postmortem_lock
from postmortems.services.verification import VERIFY_FIELDS, stamp_verification

Field = ActionItemChange.Field
Snapshot = dict[str, tuple[object, str]]
REASON_REQUIRED = "Say why the date moves, so the team knows what changed."


def ensure_owner_sees_incident(item: ActionItem) -> None:
    """An owner who may not see the item's restricted incident would own an item
    that appears on none of their pages (it would vanish for them): refused, on every
    path that sets an owner (the editor, quick reassign, the API, the admin's forms)."""
    owner = item.owner
    if owner is not None and not can_see_incident(owner, item.postmortem.incident):
        raise ValidationError(
            {
                "owner": f"{owner} cannot see this restricted incident, so they cannot own "
                "its action items. Choose someone in the owning team, or an author."
            }
        )


def owner_name(user: User | None) -> str:
    return str(user) if user is not None else ""


def verification_text(item: ActionItem) -> str:
    """How we will know it worked, as people read it: "A test: <the plan>"."""
    if not item.verification:
        return item.verification_plan
    label = item.get_verification_display()
    return f"{label}: {item.verification_plan}" if item.verification_plan else label


def snapshot(item: ActionItem) -> Snapshot:
    """The tracked fields of `item`: field -> (value compared, text recorded)."""
    due = item.due_date
    return {
        Field.TITLE: (item.title, item.title),
        Field.STATUS: (item.status, item.get_status_display()),
        Field.OWNER: (item.owner_id, owner_name(item.owner)),
        Field.DUE_DATE: (due, due.isoformat() if due else ""),
        Field.VERIFICATION: (
            (item.verification, item.verification_plan),
            verification_text(item),
        ),
    }


def _field_of(field: str, old: object) -> str:
    """An idea's status moving on is its commitment: recorded as such."""
    if field == Field.STATUS and old == ActionItem.Status.IDEA:
        return Field.COMMITMENT
    return field


def record_changes(
    *,
    item: ActionItem,
    before: Snapshot,
    by: User | None,
    at: datetime,
    reason: str = "",
    source: str = "",
) -> list[ActionItemChange]:
    """One history row per tracked field whose value differs from `before`; `source`
    names the tracker a change came from ("" for here).

    A change of status is announced ("action-item-status-changed", in this
    transaction): the item's tracker issue is closed or reopened to match."""
    after = snapshot(item)
    changes = [
        ActionItemChange(
            action_item=item,
            changed_by=by,
            changed_at=at,
            field=_field_of(field, old),
            old_value=old_text,
            new_value=after[field][1],
            reason=reason,
            source=source,
        )
        for field, (old, old_text) in before.items()
        if after[field][0] != old
    ]
    ActionItemChange.objects.bulk_create(changes)
    if any(change.field == Field.STATUS for change in changes):
        handle_event("action-item-status-changed", item=item, source=source)
    return changes


def _ensure_current(item: ActionItem, expected_revision: int) -> None:
    """The form was rendered from an older revision: someone else changed the item since."""
    if item.revision != expected_revision:
        raise EditConflict(item)


def ensure_open(item: ActionItem) -> None:
    if item.is_idea:
        raise ValidationError(
            "This is an idea, not a commitment yet: commit it first, with an owner, a due "
            "date, a type and how we will know it worked."
        )
    if item.is_finished:
        raise ValidationError(
            f"This action item is already {item.get_status_display().lower()}. "
            "Reopen it in the editor to change it."
        )


def local_today(user: User, now: datetime) -> date:
    return now.astimezone(user.zone).date()


@retry_on_contention
def save_tracked(
    item: ActionItem,
    *,
    before: Snapshot,
    by: User,
    now: datetime,
    expected_revision: int,
    fields: list[str],
    reason: str = "",
    extra: Sequence[ActionItemChange] = (),
) -> ActionItem:
    # Validate what this change touches: the fields it writes and the constraints on
    # them. The rest of the row is as saved, and re-checking it costs a query a field.
    untouched = [f.name for f in ActionItem._meta.concrete_fields if f.name not in fields]
    item.full_clean(exclude=untouched, validate_unique=False)
    with transaction.atomic():
        # The postmortem first, then the item: the one lock order (services/locks.py),
        # which a move of the incident to another team takes too.
        postmortem_lock(postmortem_id=item.postmortem_id)
        # The conditional UPDATE is the real check: a save that landed after this
        # request loaded the item makes it fail, and nothing is written.
        save_if_unchanged(item, expected_revision=expected_revision, fields=fields, touch=True)
        record_changes(item=item, before=before, by=by, at=now, reason=reason)
        # History rows of changes the snapshot does not track (a verification date).
        ActionItemChange.objects.bulk_create(extra)
    return item


def action_item_mark_done(*, item: ActionItem, by: User, expected_revision: int) -> ActionItem:
    _ensure_current(item, expected_revision)
    ensure_open(item)
    now = timezone.now()
    before = snapshot(item)
    was = item.status
    item.status = ActionItem.Status.DONE
    item.completed_at = now
    item.wont_do_reason = ""
    stamp_verification(item, was=was, by=by, now=now)
    return save_tracked(
        item,
        before=before,
        by=by,
        now=now,
        expected_revision=expected_revision,
        fields=["status", "completed_at", "wont_do_reason", *VERIFY_FIELDS],
    )


def action_item_extend(
    *, item: ActionItem, by: User, due_date: date, reason: str, expected_revision: int
) -> ActionItem:
    """Move the due date later, saying why. "Today" is the date where `by` is."""
    _ensure_current(item, expected_revision)
    ensure_open(item)
    now = timezone.now()
    reason = (reason or "").strip()
    errors = {}
    if not reason:
        errors["reason"] = REASON_REQUIRED
    if due_date < local_today(by, now):
        errors["due_date"] = "The new due date is in the past. Pick today or a later day."
    elif item.due_date is not None and due_date <= item.due_date:
        errors["due_date"] = (
            f"Pick a date after the current one ({item.due_date:%b} {item.due_date.day}, "
            f"{item.due_date.year})."
        )
    if errors:
        raise ValidationError(errors)
    before = snapshot(item)
    item.due_date = due_date
    return save_tracked(
        item,
        before=before,
        by=by,
        now=now,
        expected_revision=expected_revision,
        fields=["due_date"],
        reason=reason,
    )


def action_item_reassign(
    *, item: ActionItem, by: User, owner: User, expected_revision: int
) -> ActionItem:
    """Hand the item to someone in the incident's team (or to an admin)."""
    _ensure_current(item, expected_revision)
    ensure_open(item)
    team_id = item.postmortem.incident.team_id
    if not owner.is_active:
        raise ValidationError({"owner": f"{owner} can no longer sign in; choose someone else."})
    if owner.pk == item.owner_id:
        raise ValidationError({"owner": f"{owner} already owns this action item."})
    is_member = Membership.objects.filter(user=owner, team_id=team_id).exists()
    if not (is_member or owner.is_superuser):
        raise ValidationError(
            {"owner": f"{owner} is not in {item.postmortem.incident.team}; choose a team member."}
        )
    now = timezone.now()
    before = snapshot(item)
    item.owner = owner
    ensure_owner_sees_incident(item)
    return save_tracked(
        item, before=before, by=by, now=now, expected_revision=expected_revision, fields=["owner"]
    )

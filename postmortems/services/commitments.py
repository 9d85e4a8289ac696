"""Ideas and commitments: an idea becomes a commitment in one step, and every
committed item says how we will know it worked.

A review produces more ideas than commitments. An idea needs only a title
(postmortems.services.actions.idea_create); nothing counts it as work. Committing it
sets what a commitment needs, all at once: an owner, a due date, a type, and the
verification (a test, an alert, a metric, a drill, or no check possible with the
reason) with its plan. commitment_errors() is that rule, used by the commit form,
the API's commit and the editor's full form when an idea's status moves on.
A commitment is never turned back into an idea: "won't do" with a reason records
that decision instead. The verification is set or changed like any other field of the
item (services/actions.action_item_update), and its history row says what changed.

A commit goes through the item's revision (services/edits.py): of two people
committing the same idea at once, one wins and the other gets EditConflict.
"""

from datetime import date

from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import User
from postmortems.models.actions import ActionItem
from postmortems.services.action_changes import (
    ensure_owner_sees_incident,
    local_today,
    save_tracked,
    snapshot,
)
from postmortems.services.edits import EditConflict

COMMIT_FIELDS = [
    "owner",
    "due_date",
    "type",
    "priority",
    "verification",
    "verification_plan",
    "status",
]
NOT_AN_IDEA = "This action item is already committed."
NO_UNCOMMIT = (
    "A committed action item cannot go back to being an idea. If it will not be done, "
    "mark it “won't do” and say why."
)


def commitment_errors(item: ActionItem, *, today: date | None = None) -> dict[str, str]:
    """What `item` lacks to be a commitment, by field ({} when it has it all).
    With `today` (the committer's date), a due date before it is refused too."""
    errors = {}
    if item.owner is None:
        errors["owner"] = "Choose who owns it: one person who makes sure it happens."
    elif not item.owner.is_active:
        errors["owner"] = f"{item.owner} can no longer sign in; choose someone else."
    if item.due_date is None:
        errors["due_date"] = "Choose the due date."
    elif today is not None and item.due_date < today:
        errors["due_date"] = "The due date is in the past. Pick today or a later day."
    if not item.type:
        errors["type"] = (
            "Choose whether it prevents a recurrence, detects it sooner, mitigates it "
            "faster, or changes a process."
        )
    if not item.verification:
        errors["verification"] = (
            "Choose how we will know it worked: a test, an alert, a metric, a drill, "
            "or no check possible."
        )
    elif not item.verification_plan.strip():
        errors["verification_plan"] = (
            "Say why no check is possible."
            if item.verification == ActionItem.Verification.NONE
            else "Describe the check: which test, alert, metric or drill, and what it shows."
        )
    return errors


def ensure_commitment_kept(*, before: ActionItem, after: ActionItem) -> None:
    """An edit of the whole item (the editor's form, the API's PATCH) may commit an
    idea, if it brings everything a commitment needs; it may not uncommit an item."""
    if before.is_idea and not after.is_idea:
        if errors := commitment_errors(after):
            raise ValidationError(errors)
    elif not before.is_idea and after.is_idea:
        raise ValidationError({"status": NO_UNCOMMIT})


def action_item_commit(
    *,
    item: ActionItem,
    by: User,
    owner: User | None,
    due_date: date | None,
    type: str,
    verification: str,
    verification_plan: str,
    expected_revision: int,
    priority: str | None = None,
) -> ActionItem:
    """Make the idea `item` a commitment (status open) in one step; one history row
    for the commitment, and one for each of owner, due date and verification."""
    if item.revision != expected_revision:
        raise EditConflict(item)
    if not item.is_idea:
        raise ValidationError(NOT_AN_IDEA)
    now = timezone.now()
    before = snapshot(item)
    item.owner = owner
    item.due_date = due_date
    item.type = type or ""
    item.verification = verification or ""
    item.verification_plan = (verification_plan or "").strip()
    if priority:
        item.priority = priority
    if errors := commitment_errors(item, today=local_today(by, now)):
        raise ValidationError(errors)
    ensure_owner_sees_incident(item)
    item.status = ActionItem.Status.OPEN
    return save_tracked(
        item,
        before=before,
        by=by,
        now=now,
        expected_revision=expected_revision,
        fields=COMMIT_FIELDS,
    )

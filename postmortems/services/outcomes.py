"""Proven fixes, the outcome side: did the fix of a done action item work?

On the verification date (services/verification.py) the owner says what they found:

- worked: with evidence, a link (a dashboard, a test run, a drill report) and/or a
  note saying what was seen;
- did not work: then either the item is reopened (back to open through
  action_item_update, its verification date and outcome cleared, as every reopening
  does), or it stays done with this
  outcome and a new committed item follows it (`follow_up_of`), pre-filled from it
  and owned by the same person;
- cannot tell: with a note saying why.

Each is one ActionItemChange OUTCOME in the item's history (the note as its reason),
saved through the item's revision like every edit: a form rendered before someone
else's save gets EditConflict and nothing is written.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from accounts.models import User
from lib.database_errors import retry_on_contention
from postmortems.models.action_changes import ActionItemChange
from postmortems.models.actions import ActionItem
from postmortems.services.action_changes import _ensure_current, local_today, save_tracked, snapshot
from postmortems.services.actions import action_item_create, action_item_update
from postmortems.services.verification import VERIFY_FIELDS

Outcome = ActionItem.Outcome
FOLLOW_UP_PREFIX = "Follow-up: "


class Then(models.TextChoices):
    """What follows a fix that did not work."""

    REOPEN = "reopen", "Reopen this action item"
    FOLLOW_UP = "follow_up", "Keep it done and start a new action item"


@dataclass
class OutcomeRecorded:
    item: ActionItem
    follow_up: ActionItem | None = None


def _day(value: date | None) -> str:
    return value.isoformat() if value else ""


def _validate(*, outcome: str, evidence: str, note: str, then: str) -> dict[str, str]:
    errors = {}
    if outcome not in Outcome.values:
        errors["outcome"] = "Choose what you found: it worked, it did not work, or cannot tell."
    elif outcome == Outcome.WORKED and not (evidence or note):
        errors["evidence"] = (
            "Show how you know it worked: a link to the evidence (a graph, a test run, a "
            "drill report), a note on what you saw, or both."
        )
    elif outcome == Outcome.DID_NOT_WORK and then not in Then.values:
        errors["then"] = "Choose what happens next: reopen this item, or start a new one."
    elif outcome == Outcome.CANNOT_TELL and not note:
        errors["note"] = "Say why it cannot be told, so the team can decide what to do."
    return errors


@retry_on_contention
def action_item_record_outcome(
    *,
    item: ActionItem,
    outcome: str,
    evidence: str = "",
    note: str = "",
    by: User,
    revision: int,
    then: str = "",
    follow_up_due: date | None = None,
) -> OutcomeRecorded:
    """Record what the owner found (module docstring). Only a done item has an
    outcome; recording one again replaces it (both stay in the history)."""
    _ensure_current(item, revision)
    evidence, note = (evidence or "").strip(), (note or "").strip()
    if item.status != ActionItem.Status.DONE:
        raise ValidationError("Only a done action item has an outcome to record.")
    errors = _validate(outcome=outcome, evidence=evidence, note=note, then=then)
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    reopen = outcome == Outcome.DID_NOT_WORK and then == Then.REOPEN
    before = snapshot(item)
    old_outcome = item.get_outcome_display() if item.outcome else ""
    history = ActionItemChange(
        action_item=item,
        changed_by=by,
        changed_at=now,
        field=ActionItemChange.Field.OUTCOME,
        old_value=old_outcome,
        new_value=Outcome(outcome).label,
        reason="\n".join(part for part in (note, evidence) if part),
    )
    if reopen:
        # Through the editor's service, the one way an item is reopened (its side
        # effects, e.g. an issue tracker's, happen there); it clears the date and the
        # outcome (services/verification.py). The outcome's history row joins it.
        with transaction.atomic():
            item.status = ActionItem.Status.OPEN
            action_item_update(item=item, by=by, expected_revision=revision)
            history.save()
        return OutcomeRecorded(item=item)
    item.outcome = outcome
    item.outcome_evidence = evidence
    item.outcome_note = note
    item.outcome_at = now
    item.outcome_by = by
    follow_up = None
    with transaction.atomic():
        save_tracked(
            item,
            before=before,
            by=by,
            now=now,
            expected_revision=revision,
            fields=VERIFY_FIELDS,
            extra=[history],
        )
        if outcome == Outcome.DID_NOT_WORK and then == Then.FOLLOW_UP:
            follow_up = _follow_up(item, by=by, note=note, due=follow_up_due)
    return OutcomeRecorded(item=item, follow_up=follow_up)


def follow_up_title(item: ActionItem) -> str:
    limit = ActionItem._meta.get_field("title").max_length or 200
    title = item.title.removeprefix(FOLLOW_UP_PREFIX)
    return (FOLLOW_UP_PREFIX + title)[:limit]


def _follow_up(item: ActionItem, *, by: User, note: str, due: date | None) -> ActionItem:
    """A new committed item, pre-filled from the one whose fix did not work."""
    today = local_today(item.owner or by, timezone.now())
    lines = [f"The fix of “{item.title}” did not work."]
    if note:
        lines += ["", note]
    if item.description:
        lines += ["", "What was done:", "", item.description]
    return action_item_create(
        postmortem=item.postmortem,
        by=by,
        title=follow_up_title(item),
        description="\n".join(lines),
        owner=item.owner,
        priority=item.priority,
        type=item.type,
        verification=item.verification,
        verification_plan=item.verification_plan,
        due_date=due or today + timedelta(days=settings.ACTION_VERIFY_AFTER_DAYS),
        follow_up_of=item,
    )


def action_item_move_verification(
    *, item: ActionItem, by: User, verify_on: date, revision: int, reason: str = ""
) -> ActionItem:
    """Move the day the outcome is asked for: today or later, while it awaits one."""
    _ensure_current(item, revision)
    if not item.awaits_outcome or item.verify_on is None:
        raise ValidationError(
            "Only a done action item still waiting for its outcome has a verification date."
        )
    now = timezone.now()
    if verify_on < local_today(by, now):
        raise ValidationError({"verify_on": "Pick today or a later day."})
    if verify_on == item.verify_on:
        raise ValidationError({"verify_on": "That is already the verification date."})
    reason = (reason or "").strip()
    history = ActionItemChange(
        action_item=item,
        changed_by=by,
        changed_at=now,
        field=ActionItemChange.Field.VERIFICATION,
        old_value=_day(item.verify_on),
        new_value=_day(verify_on),
        reason=reason,
    )
    before = snapshot(item)
    item.verify_on = verify_on
    return save_tracked(
        item,
        before=before,
        by=by,
        now=now,
        expected_revision=revision,
        fields=["verify_on"],
        extra=[history],
    )

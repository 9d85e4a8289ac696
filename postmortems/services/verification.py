"""Proven fixes, the date side: when a done action item's outcome is asked for.

One rule, applied by every write that changes an item's status (the editor, the
inline row, the admin, the API, the quick "done" button, an issue tracker's sync,
all through services/actions.py and services/action_changes.py):

- An item that becomes done gets `verify_on`: the owner's local date (the person who
  completed it when nobody owns it) plus ACTION_VERIFY_AFTER_DAYS. On that day the
  owner is asked whether the fix worked (notifications/verify_reminders.py).
- An item that leaves "done" (reopened, or won't do) loses `verify_on` and any
  outcome: there is nothing to verify until it is done again. The outcome it had
  stays in its history (ActionItemChange OUTCOME).
- Ideas never get a date: they are not done work.
- An item done already keeps its date; items done before this existed have none,
  and nobody is asked about them.

The owner may move the date (services/outcomes.py, `action_item_move_verification`),
recorded in the item's history as VERIFICATION.
"""

from datetime import date, datetime, timedelta

from django.conf import settings
from django.utils import timezone

from accounts.models import User
from postmortems.models.actions import ActionItem

# The columns this rule writes: every save of a status lists them too.
VERIFY_FIELDS = [
    "verify_on",
    "outcome",
    "outcome_evidence",
    "outcome_note",
    "outcome_at",
    "outcome_by",
]


def verify_date(*, item: ActionItem, by: User | None, now: datetime) -> date:
    """The default verification day of an item done at `now`: in its owner's calendar."""
    person = item.owner if item.owner_id else by
    today = now.astimezone(person.zone).date() if person is not None else timezone.localdate(now)
    return today + timedelta(days=settings.ACTION_VERIFY_AFTER_DAYS)


def clear_outcome(item: ActionItem) -> None:
    item.outcome = ""
    item.outcome_evidence = ""
    item.outcome_note = ""
    item.outcome_at = None
    item.outcome_by = None


def stamp_verification(
    item: ActionItem, *, was: str | None, by: User | None, now: datetime
) -> None:
    """Apply the rule above to `item`, whose status was `was` (None: a new item)."""
    if item.status == ActionItem.Status.DONE:
        if was != ActionItem.Status.DONE:
            item.verify_on = verify_date(item=item, by=by, now=now)
            clear_outcome(item)
    elif item.verify_on is not None or item.outcome:
        item.verify_on = None
        clear_outcome(item)

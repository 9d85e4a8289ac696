"""Done, not yet verified: the dashboard's and "My work"'s reads of proven fixes.

A done item awaits its outcome from the day it is done (services/verification.py);
once its verification date has come, its owner is asked (notifications/
verify_reminders.py) and it is "due". Items done before verification dates existed
have none and are not listed. All reads go through the partial index
pm_action_verify_due (done, no outcome, by verification date).
"""

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from django.db.models import Count, Q, QuerySet

from accounts.models import User
from postmortems.insights.dashboard import ONE
from postmortems.models.actions import ActionItem
from postmortems.models.incidents import incident_reference
from postmortems.permissions import visibility_filter


def awaiting_outcome(items: QuerySet[ActionItem]) -> QuerySet[ActionItem]:
    return items.filter(status=ActionItem.Status.DONE, outcome="", verify_on__isnull=False)


def outcome_counts(items: QuerySet[ActionItem], today: date) -> dict[str, int]:
    """Done items awaiting their outcome, and those whose date has come: one statement."""
    return awaiting_outcome(items).aggregate(
        awaiting=Count(ONE), due=Count(ONE, filter=Q(verify_on__lte=today))
    )


@dataclass(slots=True)
class OutcomeRow:
    code: UUID
    title: str
    verify_on: date | None  # never None here: awaiting_outcome() has a date
    owner_name: str
    incident_number: int
    incident_title: str

    @property
    def incident_reference(self) -> str:
        return incident_reference(self.incident_number)


def outcome_rows(items: QuerySet[ActionItem]) -> list[OutcomeRow]:
    """`items` (filtered, ordered, sliced) as rows, in one query."""
    rows = items.values_list(
        "code",
        "title",
        "verify_on",
        "owner__display_name",
        "owner__email",
        "postmortem__incident__number",
        "postmortem__incident__title",
    )
    return [
        OutcomeRow(code, title, day, name or email or "", number, incident)
        for code, title, day, name, email, number, incident in rows
    ]


def due_outcome_rows(items: QuerySet[ActionItem], today: date, *, limit: int) -> list[OutcomeRow]:
    """Items whose verification date has come, the longest waiting first."""
    due = awaiting_outcome(items).filter(verify_on__lte=today).order_by("verify_on", "pk")
    return outcome_rows(due[:limit])


def my_awaiting_outcome(user: User) -> list[OutcomeRow]:
    """The done items `user` owns (and may see) waiting for their outcome, soonest first."""
    items = ActionItem.objects.filter(
        visibility_filter(user, prefix="postmortem__incident__"), owner=user
    )
    return outcome_rows(awaiting_outcome(items).order_by("verify_on", "pk"))

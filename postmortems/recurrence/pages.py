"""What recurrence adds to the pages of lower parts (PAGE_EXTRAS in config/settings.py):
the incident page, the review's editor and read view, and the archive."""

from django.db.models import QuerySet

from accounts.models import User
from postmortems.models.incidents import Incident
from postmortems.models.reviews import Postmortem
from postmortems.recurrence.selectors import (
    recurred_incident_ids,
    recurred_incidents,
    recurrences_for_incident,
)

# Where a decision made on a page goes back to without JavaScript.
BACK = {
    "incident": "pm-incident-detail",
    "edit": "pm-postmortem-edit",
    "read": "pm-postmortem-detail",
}


def recurrence_context(*, incident: Incident, user: User, can_decide: bool, back: str) -> dict:
    return {
        "recurrence": recurrences_for_incident(incident=incident, user=user),
        "recurrence_incident": incident,
        "recurrence_can_decide": can_decide,
        "recurrence_back": back,
    }


def recurrence_for_incident_page(*, incident: Incident, user: User | None = None) -> dict:
    """PAGE_EXTRAS["incident"]."""
    if user is None:
        return {}
    return recurrence_context(
        incident=incident, user=user, can_decide=incident.can_edit, back="incident"
    )


def _for_review(postmortem: Postmortem, user: User | None, back: str) -> dict:
    if user is None:  # the editor's partial renders: no panel in them
        return {}
    return recurrence_context(
        incident=postmortem.incident,
        user=user,
        can_decide=getattr(postmortem, "can_edit", False),
        back=back,
    )


def recurrence_for_review_edit(*, postmortem: Postmortem, user: User | None = None) -> dict:
    """PAGE_EXTRAS["review-edit"]."""
    return _for_review(postmortem, user, "edit")


def recurrence_for_review_read(*, postmortem: Postmortem, user: User) -> dict:
    """PAGE_EXTRAS["review-read"]."""
    return _for_review(postmortem, user, "read")


def recurred_for_archive_hits(*, user: User, incident_ids: list[int]) -> dict:
    """PAGE_EXTRAS["archive-hits"]: the hits whose incident recurred (confirmed)."""
    return {"recurred_ids": recurred_incident_ids(user=user, incident_ids=incident_ids)}


def recurred_for_archive_filter(*, user: User) -> dict[str, QuerySet]:
    """PAGE_EXTRAS["archive-recurred"]: the archive's "recurred" filter keeps the
    reviews whose incident has a confirmed recurrence `user` may see."""
    return {"recurred_incidents": recurred_incidents(user)}

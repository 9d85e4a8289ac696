"""Recording who is in a review's editor.

Each open editor reports every few seconds (static/js/presence.js). A report costs one
read (selectors.people_here, which the answer needs anyway) and at most one write:

1. The view reads the review's fresh rows, this person's among them.
2. Same section, seen within QUIET: nothing is written.
3. Otherwise one INSERT ... ON CONFLICT (postmortem, user) DO UPDATE: the row is
   created or updated in place, atomically, so two tabs of one person or two workers
   answering at once never meet the unique constraint as an error (last one wins).
4. When this person had no fresh row (they just arrived), the review's stale rows
   (tabs closed without a goodbye) are deleted in the same stroke, through the index
   on (postmortem, seen_at). Until then they are ignored: nothing reads a row older
   than FRESH.
"""

import datetime as dt

from django.db import transaction

from accounts.models import User
from postmortems.models.reviews import Postmortem
from postmortems.presence.models import ReviewPresence

# A row not refreshed for this long is someone who left (the poll is every 10 s).
FRESH = dt.timedelta(seconds=45)
# An unchanged report within this long is not written again.
QUIET = dt.timedelta(seconds=10)

# The parts of the editor a person can be editing, and how others see them named.
LISTS = {"timeline": "Timeline", "actions": "Action items"}


def editable_parts(postmortem: Postmortem) -> dict[str, str]:
    """The parts of this review's editor a person can be editing, named as others see
    them: the sections of its own layout (its template's), the timeline, the actions."""
    return {**{part["key"]: part["label"] for part in postmortem.layout}, **LISTS}


def presence_record(
    *,
    postmortem: Postmortem,
    user: User,
    section: str,
    now: dt.datetime,
    seen: ReviewPresence | None,
) -> bool:
    """Record that `user` is in the editor, editing `section` (blank: reading).
    `seen` is their fresh row as just read, or None. Returns whether it wrote."""
    if section not in editable_parts(postmortem):
        section = ""
    if seen is not None and seen.section == section and seen.seen_at > now - QUIET:
        return False
    with transaction.atomic():
        if seen is None:
            ReviewPresence.objects.filter(postmortem=postmortem, seen_at__lt=now - FRESH).delete()
        ReviewPresence.objects.bulk_create(
            [ReviewPresence(postmortem=postmortem, user=user, section=section, seen_at=now)],
            update_conflicts=True,
            unique_fields=["postmortem", "user"],
            update_fields=["section", "seen_at"],
        )
    return True


def presence_leave(*, postmortem: Postmortem, user: User) -> None:
    """The person closed or left the editor: the others see them go at their next poll."""
    ReviewPresence.objects.filter(postmortem=postmortem, user=user).delete()


def presence_prune(*, now: dt.datetime) -> int:
    """Delete every stale row (of reviews nobody opened since); returns how many."""
    deleted, _ = ReviewPresence.objects.filter(seen_at__lt=now - FRESH).delete()
    return deleted

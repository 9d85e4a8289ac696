"""A team that chose it gets an issue for each committed item when a review is first
published (EVENT_HANDLERS "review-first-published", config/settings.py)."""

from accounts.models import User
from postmortems.models.actions import ActionItem
from postmortems.models.reviews import Postmortem
from postmortems.trackers.models import TrackerConnection, TrackerIssue
from postmortems.trackers.requests import tracker_issue_create


def issues_on_first_publication(
    *, postmortem: Postmortem, by: User | None = None, **_: object
) -> int:
    """In the publication's transaction: outbox rows, sent after it commits. Ideas and
    items already linked are left out. Returns how many issues were asked for."""
    team_id = postmortem.incident.team_id
    tracker = TrackerConnection.objects.filter(
        team_id=team_id, auto_create=True, sync_enabled=True
    ).first()
    if tracker is None:
        return 0
    items = (
        ActionItem.objects.filter(postmortem=postmortem, status__in=ActionItem.UNFINISHED)
        .exclude(pk__in=TrackerIssue.objects.values("action_item_id"))
        .select_related("postmortem__incident")
    )
    count = 0
    for item in items:
        tracker_issue_create(item=item, by=by)
        count += 1
    return count

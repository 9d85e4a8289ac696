"""What the trackers part shows on core pages (PAGE_EXTRAS, config/settings.py)."""

from postmortems.models.actions import ActionItem
from postmortems.notifications.models import OutboundMessage
from postmortems.trackers.models import TrackerConnection, TrackerIssue

CONFLICT_RULE = (
    "Closing or reopening the issue always applies here. For the assignee and the due "
    "date, the later change wins (the issue's last update against the last change here); "
    "the other value stays in the history, marked \u201cchanged on both sides\u201d."
)


def tracker_for_item_page(*, item: ActionItem) -> dict:
    """PAGE_EXTRAS "action-item": the item's issue, its sync state and the last call."""
    link = TrackerIssue.objects.select_related("connection").filter(action_item=item).first()
    connection = (
        link.connection if link else TrackerConnection.objects.filter(team_id=item.team_id).first()
    )
    last_call = (
        OutboundMessage.objects.filter(
            channel=OutboundMessage.Channel.TRACKER, dedup_key__contains=str(item.code)
        )
        .order_by("-created_at")
        .only("status", "last_error", "subject", "next_attempt_at", "created_at")
        .first()
        if link
        else None
    )
    return {
        "tracker_link": link,
        "tracker_connection": connection,
        "tracker_last_call": last_call,
        "tracker_rule": CONFLICT_RULE,
    }

"""The outbox's deliverer for channel "tracker" (config/settings.py OUTBOX_DELIVERERS):
one row, one call to the team's tracker, its answer recorded on the item's link.

Exactly once: the outbox claims the row before this runs (one worker at a time) and
fences the outcome with the claim token (notifications/outbox.py). The one gap the
outbox leaves, a worker dying after the tracker made the issue but before "sent" was
recorded, is closed here: a create first asks the tracker for an issue carrying the
item's marker (find_by_marker) and links that one instead of making a second.

Failures: TrackerUnavailable (down, 429, 5xx) is retried with backoff by the outbox;
TrackerError (refused for good) fails the row at once, shown on the staff outbox page
and on the item (the link's `sync` and `last_error`). The token is never in either.
"""

import logging

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from postmortems.models.action_changes import ActionItemChange
from postmortems.models.actions import ActionItem
from postmortems.notifications.emails import absolute_url
from postmortems.notifications.models import OutboundMessage
from postmortems.trackers.adapters import adapter_for
from postmortems.trackers.adapters.base import (
    IssueDraft,
    RemoteIssue,
    TrackerError,
    TrackerUnavailable,
)
from postmortems.trackers.models import TrackerConnection, TrackerIssue, TrackerPerson
from postmortems.trackers.requests import CREATE, LINK, RECONCILE, STATE, connection_for
from postmortems.trackers.sync import issue_apply_remote

logger = logging.getLogger(__name__)


def marker_for(item: ActionItem) -> str:
    return f"postmortem-action-item:{item.code}"


def tracker_deliver(message: OutboundMessage) -> None:
    op = message.headers.get("op")
    tracker = TrackerConnection.objects.filter(pk=message.headers.get("connection")).first()
    if tracker is None:
        raise TrackerError("The team's tracker was disconnected; nothing to do.")
    if not tracker.sync_enabled:
        raise TrackerError(
            f"Sync is off for {tracker} (demo data or paused by a lead): nothing was sent."
        )
    if op == RECONCILE:
        from postmortems.trackers.reconcile import tracker_reconcile  # it uses this module

        tracker_reconcile(tracker=tracker, now=timezone.now())
        return
    link = (
        TrackerIssue.objects.select_related(
            "action_item__postmortem__incident", "action_item__owner"
        )
        .filter(action_item_id=message.headers.get("item"))
        .first()
    )
    if link is None:
        raise TrackerError("The action item or its link is gone; nothing to do.")
    adapter = adapter_for(connection_for(tracker))
    try:
        if op == CREATE:
            remote = link_create(link=link, adapter=adapter)
        elif op == LINK:
            remote = adapter.get_issue(link.key)
        elif op == STATE:
            if not link.key:
                raise TrackerUnavailable("The issue is still being created; closing it waits.")
            remote = adapter.set_closed(link.key, closed=bool(message.headers.get("closed")))
            _remember_pushed(link, remote)
            return
        else:
            raise TrackerError(f"Unknown tracker call {op!r}.")
    except TrackerError as error:
        _record_error(link, error, failed=op != STATE)
        raise
    except TrackerUnavailable as error:
        _record_error(link, error, failed=False)
        raise
    issue_apply_remote(link=link, remote=remote)


def link_create(*, link: TrackerIssue, adapter) -> RemoteIssue:
    if link.key:  # linked meanwhile (a retry of a create that did finish)
        return adapter.get_issue(link.key)
    item = link.action_item
    marker = marker_for(item)
    found = adapter.find_by_marker(marker)
    remote = found or adapter.create_issue(
        issue_draft(item=item, tracker=link.connection, marker=marker)
    )
    ActionItemChange.objects.create(
        action_item=item,
        field=ActionItemChange.Field.TRACKER,
        new_value=remote.key,
        reason="Issue created" if found is None else "Issue found after a retry",
        source=link.connection.source_name,
    )
    return remote


def issue_draft(*, item: ActionItem, tracker: TrackerConnection, marker: str) -> IssueDraft:
    incident = item.postmortem.incident
    review = absolute_url(reverse("pm-postmortem-detail", args=[incident.number]))
    review += f"#item-{item.code}"
    context = "\n".join(f"> {line}" for line in (item.description or "").splitlines() if line)
    body = f"Action item from the postmortem of **{incident.reference}: {incident.title}**.\n\n"
    if context:
        body += f"{context}\n\n"
    body += f"Review: {review}"
    return IssueDraft(
        title=item.title,
        body=body,
        assignee=account_for(tracker=tracker, user=item.owner),
        due_date=item.due_date,
        labels=tracker.label_list,
        marker=marker,
    )


def account_for(*, tracker: TrackerConnection, user) -> str:
    """The owner's account in the tracker: the leads' mapping, else (trackers that look
    people up by email address, per their adapter's option) the email, else nobody."""
    if user is None:
        return ""
    account = (
        TrackerPerson.objects.filter(connection=tracker, user=user)
        .values_list("account", flat=True)
        .first()
    )
    if account:
        return account
    return user.email if tracker.options.get("assign_by_email") else ""


def _remember_pushed(link: TrackerIssue, remote: RemoteIssue) -> None:
    """We closed or reopened it: that is now the last known state (no echo back)."""
    TrackerIssue.objects.filter(pk=link.pk).update(
        remote_closed=remote.closed,
        remote_updated_at=remote.updated_at or link.remote_updated_at,
        synced_at=timezone.now(),
        last_error="",
    )


def _record_error(link: TrackerIssue, error: Exception, *, failed: bool) -> None:
    fields: dict = {"last_error": f"{error}"[:2000]}
    if failed:
        fields["sync"] = TrackerIssue.Sync.FAILED
    else:
        fields["last_error"] = f"Retrying: {error}"[:2000]
    TrackerIssue.objects.filter(pk=link.pk).update(**fields)
    if settings.DEBUG:
        logger.info("Tracker call for item %s: %s", link.action_item_id, error)

"""Every call to a tracker is an outbox row (channel "tracker"), made here and delivered
by deliver.py: create an issue, read a linked one, close or reopen, reconcile.

Dedup keys name the logical call, so asking twice (a double click, two workers, a
second beat tick) makes one row: `tracker:create:<item>` once per item,
`tracker:state:<item>:<revision>` once per change of status, and
`tracker:reconcile:<connection>:<period>` once per TRACKER_RECONCILE_SECONDS.
"""

from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from postmortems.models.action_changes import ActionItemChange
from postmortems.models.actions import ActionItem
from postmortems.notifications.models import OutboundMessage
from postmortems.notifications.outbox import enqueue_after_commit, outbox_add, outbox_retry
from postmortems.trackers.adapters import adapter_for
from postmortems.trackers.adapters.base import Connection
from postmortems.trackers.models import TrackerConnection, TrackerIssue

CREATE, LINK, STATE, RECONCILE = "create", "link", "state", "reconcile"


def _row(
    *, connection: TrackerConnection, key: str, op: str, summary: str, **ids: object
) -> OutboundMessage:
    return OutboundMessage(
        channel=OutboundMessage.Channel.TRACKER,
        kind=OutboundMessage.Kind.TRACKER_SYNC,
        team_id=connection.team_id,
        dedup_key=key,
        subject=summary[:300],
        body_text="",
        body_html="",
        headers={"op": op, "connection": connection.pk, **ids},
    )


def _queue(row: OutboundMessage, *, item: ActionItem | None = None) -> bool:
    if item is not None:
        row.postmortem_id = item.postmortem_id
        row.incident_id = item.postmortem.incident_id
    ids = outbox_add([row])
    enqueue_after_commit(ids)
    return bool(ids)


def _ensure_syncable(item: ActionItem) -> TrackerConnection:
    if item.is_idea:
        raise ValidationError("Ideas are not sent to the tracker: commit to it first.")
    connection = TrackerConnection.objects.filter(team_id=item.team_id).first()
    if connection is None:
        raise ValidationError(
            "The team has no issue tracker connected (team settings, issue tracker)."
        )
    return connection


def _describe(connection: TrackerConnection, what: str, item: ActionItem) -> str:
    return f"{what} in {connection.get_kind_display()} {connection.project} for “{item.title}”"


@transaction.atomic
def tracker_issue_create(*, item: ActionItem, by: User | None) -> TrackerIssue:
    """One click: an issue for the item, made by a worker (the outbox). A second click
    while it is on its way changes nothing; after a failure it tries again."""
    connection = _ensure_syncable(item)
    link, made = TrackerIssue.objects.get_or_create(
        action_item=item, defaults={"connection": connection, "created_by": by}
    )
    if not made and link.key:
        raise ValidationError(f"This action item is already linked to {link.key}.")
    key = f"tracker:create:{item.code}"
    if not made and link.sync == TrackerIssue.Sync.FAILED:
        failed = OutboundMessage.objects.filter(dedup_key=key).first()
        if failed is not None:
            outbox_retry(email=failed, now=timezone.now())
        TrackerIssue.objects.filter(pk=link.pk).update(sync=TrackerIssue.Sync.PENDING)
        link.sync = TrackerIssue.Sync.PENDING
        return link
    summary = _describe(connection, "Create an issue", item)
    _queue(
        _row(connection=connection, key=key, op=CREATE, summary=summary, item=item.pk), item=item
    )
    return link


@transaction.atomic
def tracker_issue_link(*, item: ActionItem, reference: str, by: User | None) -> TrackerIssue:
    """Link an existing issue, by URL or key; a worker reads its state."""
    connection = _ensure_syncable(item)
    key = adapter_for(connection_for(connection)).key_from_reference(reference)
    if not key:
        raise ValidationError(
            {"reference": f"Not an issue of {connection.project}: paste its URL or key."}
        )
    if (
        TrackerIssue.objects.filter(connection=connection, key=key)
        .exclude(action_item=item)
        .exists()
    ):
        raise ValidationError({"reference": f"{key} is already linked to another action item."})
    link = TrackerIssue.objects.filter(action_item=item).first()
    if link is not None and link.key:
        raise ValidationError(f"This action item is already linked to {link.key}.")
    if link is None:
        link = TrackerIssue(action_item=item, connection=connection, created_by=by)
    link.key, link.sync, link.last_error = key, TrackerIssue.Sync.PENDING, ""
    link.save()
    ActionItemChange.objects.create(
        action_item=item, changed_by=by, field=ActionItemChange.Field.TRACKER, new_value=key
    )
    summary = _describe(connection, f"Read {key}", item)
    row = _row(
        connection=connection,
        key=f"tracker:link:{item.code}:{key}",
        op=LINK,
        summary=summary,
        item=item.pk,
    )
    _queue(row, item=item)
    return link


def connection_for(tracker: TrackerConnection) -> Connection:
    """What an adapter needs to reach the team's project. Also to read a pasted
    reference, where nothing is called: an adapter may still check its settings
    (Jira's needs the token and, on Cloud, the account's email)."""
    return Connection(
        kind=tracker.kind,
        base_url=tracker.base_url,
        project=tracker.project,
        token=tracker.token,
        webhook_secret=tracker.webhook_secret,
        options=dict(tracker.options or {}),
    )


def issue_follow_item_status(*, item: ActionItem, source: str = "") -> None:
    """EVENT_HANDLERS "action-item-status-changed": the item was finished or reopened
    here, so its issue is closed or reopened. A change that came from the tracker
    (`source`) is not sent back."""
    if source or item.is_idea:
        return
    link = TrackerIssue.objects.select_related("connection").filter(action_item=item).first()
    if link is None or link.sync == TrackerIssue.Sync.FAILED:
        return
    closed = item.is_finished
    what = "Close" if closed else "Reopen"
    summary = _describe(link.connection, f"{what} {link.key or 'the issue'}", item)
    row = _row(
        connection=link.connection,
        key=f"tracker:state:{item.code}:{item.revision}",
        op=STATE,
        summary=summary,
        item=item.pk,
        closed=closed,
    )
    _queue(row, item=item)


def reconcile_period(now: datetime) -> int:
    return int(now.timestamp()) // settings.TRACKER_RECONCILE_SECONDS


def tracker_reconcile_all(*, now: datetime) -> int:
    """Beat: one reconcile row per connection per period (a second tick adds none)."""
    period = reconcile_period(now)
    rows = [
        _row(
            connection=connection,
            key=f"tracker:reconcile:{connection.code}:{period}",
            op=RECONCILE,
            summary=f"Read changes from {connection.get_kind_display()} {connection.project}",
        )
        for connection in TrackerConnection.objects.filter(sync_enabled=True)
    ]
    with transaction.atomic():
        ids = outbox_add(rows)
        enqueue_after_commit(ids)
    return len(ids)

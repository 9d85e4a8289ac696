"""The periodic reconcile: what webhooks missed (the app was down, the hook was
misconfigured or never set up) is read from the tracker and applied like a delivery.

Each run asks for the project's issues changed since the last run (with an overlap of
RECONCILE_OVERLAP, so an update landing at the boundary is not skipped; applying one
twice changes nothing), then reads, one by one, a few linked issues not heard of for
a day (an issue moved out of the project, a tracker whose "changed since" misses
some changes).
"""

from datetime import datetime, timedelta

from django.utils import timezone

from postmortems.trackers.adapters import adapter_for
from postmortems.trackers.adapters.base import TrackerError, TrackerUnavailable
from postmortems.trackers.models import TrackerConnection, TrackerIssue
from postmortems.trackers.requests import connection_for
from postmortems.trackers.sync import issue_apply_remote

RECONCILE_OVERLAP = timedelta(minutes=5)
FIRST_LOOK_BACK = timedelta(days=1)
STALE_AFTER = timedelta(days=1)
STALE_PER_RUN = 20


def tracker_reconcile(*, tracker: TrackerConnection, now: datetime) -> int:
    """Returns how many linked issues were applied. Raises the adapter's errors for the
    outbox to retry or fail (and records them on the connection for its leads)."""

    adapter = adapter_for(connection_for(tracker))
    since = (tracker.last_reconciled_at or now - FIRST_LOOK_BACK) - RECONCILE_OVERLAP
    applied = 0
    try:
        remotes = {remote.key: remote for remote in adapter.changed_since(since)}
        links = TrackerIssue.objects.filter(connection=tracker).exclude(key="")
        for link in links.filter(key__in=list(remotes)):
            issue_apply_remote(link=link, remote=remotes[link.key])
            applied += 1
        stale = links.filter(sync=TrackerIssue.Sync.LINKED).exclude(key__in=list(remotes))
        stale = stale.filter(synced_at__lt=now - STALE_AFTER).order_by("synced_at")
        for link in stale[:STALE_PER_RUN]:
            issue_apply_remote(link=link, remote=adapter.get_issue(link.key))
            applied += 1
    except (TrackerError, TrackerUnavailable) as error:
        TrackerConnection.objects.filter(pk=tracker.pk).update(
            last_error=str(error)[:2000], last_error_at=now
        )
        raise
    TrackerConnection.objects.filter(pk=tracker.pk).update(last_reconciled_at=now, last_error="")
    return applied


def reconcile_now(*, tracker: TrackerConnection) -> int:
    return tracker_reconcile(tracker=tracker, now=timezone.now())

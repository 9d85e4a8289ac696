"""Telling a team's leads, once per run of failures, that its schedule feed keeps failing."""

from datetime import datetime

from django.db import transaction
from django.urls import reverse

from accounts.models import Membership, User
from postmortems.alerting.oncall.models import ScheduleFeed
from postmortems.notifications.emails import absolute_url, compose
from postmortems.notifications.models import OutboundMessage
from postmortems.notifications.outbox import enqueue_after_commit, outbox_add


def feed_failing_notify(*, feed: ScheduleFeed, now: datetime) -> list[int]:
    """One email per active lead of the rotation's team. The dedup key names the last
    success, so a second call for the same run of failures (a double beat tick, a retry)
    hits the unique key, and a feed that recovers and fails again is told about anew."""
    rotation = feed.rotation
    team = rotation.team
    since = f"{feed.last_success_at:%Y%m%dT%H%M%S}" if feed.last_success_at else "never"
    leads = User.objects.filter(
        memberships__team=team, memberships__role=Membership.Role.LEAD, is_active=True
    ).order_by("pk")
    url = absolute_url(reverse("pm-oncall-rotation", args=[team.slug, rotation.code]))
    emails = [
        compose(
            kind=OutboundMessage.Kind.ONCALL_FEED,
            recipient=lead,
            dedup_key=f"oncall-feed:{feed.pk}:{since}:{lead.pk}",
            reason=f"You get this because you lead {team.name}.",
            context={"feed": feed, "rotation": rotation, "url": url},
        )
        for lead in leads
    ]
    with transaction.atomic():
        created = outbox_add(emails)
        enqueue_after_commit(created)
    return created

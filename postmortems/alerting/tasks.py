"""The alerting Celery tasks: the delivery log's and the firings' retention, on-call
shifts ahead and the import of schedule feeds."""

from celery import shared_task
from django.utils import timezone

from postmortems.alerting.deliveries import deliveries_prune
from postmortems.alerting.firings.retention import firings_prune
from postmortems.alerting.oncall.ical_import import schedule_feed_import, schedule_feeds_import
from postmortems.alerting.oncall.models import ScheduleFeed
from postmortems.alerting.oncall.services import rotations_extend


@shared_task
def prune_alert_deliveries() -> int:
    """Hourly: forget delivery log rows older than ALERT_DELIVERY_RETENTION_DAYS."""
    return deliveries_prune(now=timezone.now())


@shared_task
def prune_alert_firings() -> tuple[int, int]:
    """Hourly: forget resolved firings no incident needs, older than
    ALERT_FIRING_RETENTION_DAYS, and rules left with none."""
    return firings_prune(now=timezone.now())


@shared_task
def extend_rotation_shifts() -> int:
    """Hourly: every member rotation's shifts ONCALL_SCHEDULE_WEEKS ahead (idempotent)."""
    return rotations_extend(now=timezone.now())


@shared_task
def import_schedule_feeds() -> int:
    """Every ONCALL_FEED_IMPORT_SECONDS: each enabled schedule feed; a failing feed is
    recorded on its row, never raised."""
    return schedule_feeds_import(now=timezone.now())


@shared_task
def import_schedule_feed(feed_id: int) -> bool:
    """Right after a lead sets a feed's address: import it once (recorded like the sweep)."""
    feed = ScheduleFeed.objects.select_related("rotation__team").filter(pk=feed_id).first()
    return feed is not None and schedule_feed_import(feed=feed, now=timezone.now())

"""The alerting Celery tasks: the delivery log's and the firings' retention."""

from celery import shared_task
from django.utils import timezone

from postmortems.alerting.deliveries import deliveries_prune
from postmortems.alerting.firings.retention import firings_prune


@shared_task
def prune_alert_deliveries() -> int:
    """Hourly: forget delivery log rows older than ALERT_DELIVERY_RETENTION_DAYS."""
    return deliveries_prune(now=timezone.now())


@shared_task
def prune_alert_firings() -> tuple[int, int]:
    """Hourly: forget resolved firings no incident needs, older than
    ALERT_FIRING_RETENTION_DAYS, and rules left with none."""
    return firings_prune(now=timezone.now())

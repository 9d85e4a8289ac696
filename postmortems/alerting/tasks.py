"""The alerting Celery task: the delivery log's retention."""

from celery import shared_task
from django.utils import timezone

from postmortems.alerting.deliveries import deliveries_prune


@shared_task
def prune_alert_deliveries() -> int:
    """Hourly: forget delivery log rows older than ALERT_DELIVERY_RETENTION_DAYS."""
    return deliveries_prune(now=timezone.now())

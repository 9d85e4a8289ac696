"""The trackers' Celery tasks: thin wrappers over the services."""

from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from postmortems.trackers.models import TrackerDelivery
from postmortems.trackers.requests import tracker_reconcile_all


@shared_task
def reconcile_trackers() -> int:
    """Beat, every TRACKER_RECONCILE_SECONDS: one reconcile row per connection (the
    outbox runs it, with its retries); forgets old webhook delivery ids."""
    now = timezone.now()
    cutoff = now - timedelta(days=settings.TRACKER_DELIVERY_RETENTION_DAYS)
    TrackerDelivery.objects.filter(received_at__lt=cutoff).delete()
    return tracker_reconcile_all(now=now)

"""The insights' Celery task: the dashboard's stored months."""

from celery import shared_task
from django.utils import timezone

from postmortems.insights.health import refresh_rollups


@shared_task
def refresh_health_rollups() -> int:
    """Recount the dashboard's stored months, so edits of old records show within the hour."""
    return refresh_rollups(now=timezone.now())

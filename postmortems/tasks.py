"""The core record's Celery task (each part keeps its own tasks.py; config/celery.py
finds them all)."""

from celery import shared_task
from django.utils import timezone

from postmortems.services.incidents import incidents_purge


@shared_task
def purge_deleted_incidents() -> int:
    """Hourly: remove incidents deleted more than RESTORE_DAYS ago."""
    return incidents_purge(now=timezone.now())

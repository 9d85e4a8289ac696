"""Presence's periodic work (run by beat, config/settings.py CELERY_BEAT_SCHEDULE)."""

from celery import shared_task
from django.utils import timezone

from postmortems.presence.services import presence_prune


@shared_task
def prune_presence() -> int:
    """Hourly: forget who was in an editor nobody has opened since (an arrival clears
    its own review's stale rows; this clears those of reviews nobody opens again)."""
    return presence_prune(now=timezone.now())

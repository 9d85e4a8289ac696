"""The API's Celery task: the idempotency keys' retention."""

from celery import shared_task
from django.utils import timezone

from postmortems.api.idempotency_store import idempotency_keys_prune


@shared_task
def prune_idempotency_keys() -> int:
    """Hourly: forget the API's idempotency keys older than 24 hours."""
    return idempotency_keys_prune(now=timezone.now())

"""Celery tasks: thin wrappers that take ids and call services."""

from celery import shared_task
from django.utils import timezone

from postmortems.alerting.services import deliveries_prune
from postmortems.api.idempotency_store import idempotency_keys_prune
from postmortems.insights.health import refresh_rollups
from postmortems.notifications.heartbeat import beat_heartbeat_record
from postmortems.notifications.outbox import (
    enqueue,
    outbox_requeue_stuck,
    outbox_send,
    outbox_take_for_dispatch,
)
from postmortems.notifications.outbox_failures import outbox_report_failures
from postmortems.notifications.reminders import reminders_sweep
from postmortems.services.incidents import incidents_purge


@shared_task
def sweep_reminders() -> int:
    """Beat runs this every REMINDER_SWEEP_SECONDS; it is safe to run twice at once."""
    return len(reminders_sweep(now=timezone.now()).created_ids)


@shared_task
def send_email(email_id: int) -> str:
    outcome = outbox_send(email_id)
    if outcome == "retry":
        from postmortems.notifications.models import OutboundEmail

        due = OutboundEmail.objects.values_list("next_attempt_at", flat=True).get(pk=email_id)
        # Also picked up by the dispatcher if this message is lost.
        enqueue([email_id], countdown=max((due - timezone.now()).total_seconds(), 0))
    return outcome


@shared_task
def dispatch_outbox() -> int:
    """Every minute: re-queue rows of dead workers, tell admins about rows that failed
    for good, enqueue due rows whose message is missing."""
    now = timezone.now()
    outbox_requeue_stuck(now=now)
    outbox_report_failures(now=now)
    return enqueue(outbox_take_for_dispatch(now=now))


@shared_task
def refresh_health_rollups() -> int:
    """Recount the dashboard's stored months, so edits of old records show within the hour."""
    return refresh_rollups(now=timezone.now())


@shared_task
def record_beat_heartbeat() -> None:
    """Beat sends this every BEAT_HEARTBEAT_SECONDS and once when it starts; /readyz
    reads the time it stores."""
    beat_heartbeat_record(now=timezone.now())


@shared_task
def purge_deleted_incidents() -> int:
    """Hourly: remove incidents deleted more than RESTORE_DAYS ago."""
    return incidents_purge(now=timezone.now())


@shared_task
def prune_alert_deliveries() -> int:
    """Hourly: forget delivery log rows older than ALERT_DELIVERY_RETENTION_DAYS."""
    return deliveries_prune(now=timezone.now())


@shared_task
def prune_idempotency_keys() -> int:
    """Hourly: forget the API's idempotency keys older than 24 hours."""
    return idempotency_keys_prune(now=timezone.now())

"""The notifications' Celery tasks: thin wrappers that take ids and call services.

Upgrading from a release where these were named postmortems.tasks.*: a message queued
under the old name is refused by the new worker, and its outbox row is taken again by
dispatch_outbox once OUTBOX_REENQUEUE_SECONDS have passed (outbox_take_for_dispatch),
so nothing is lost; the sweeps are state-based and catch up on their next tick."""

from celery import shared_task
from django.utils import timezone

from postmortems.notifications.heartbeat import beat_heartbeat_record
from postmortems.notifications.models import OutboundMessage
from postmortems.notifications.outbox import (
    enqueue,
    outbox_requeue_stuck,
    outbox_send,
    outbox_take_for_dispatch,
)
from postmortems.notifications.outbox_failures import outbox_report_failures
from postmortems.notifications.reminders import reminders_sweep


@shared_task
def sweep_reminders() -> int:
    """Beat runs this every REMINDER_SWEEP_SECONDS; it is safe to run twice at once."""
    return len(reminders_sweep(now=timezone.now()).created_ids)


@shared_task
def send_email(email_id: int) -> str:
    outcome = outbox_send(email_id)
    if outcome == "retry":
        due = OutboundMessage.objects.values_list("next_attempt_at", flat=True).get(pk=email_id)
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
def record_beat_heartbeat() -> None:
    """Beat sends this every BEAT_HEARTBEAT_SECONDS and once when it starts; /readyz
    reads the time it stores."""
    beat_heartbeat_record(now=timezone.now())

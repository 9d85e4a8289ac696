"""Delivery of outbox rows: exactly once in every case but one.

How one email goes out:
1. A sweep inserts the row (status queued) with a unique dedup key; a second
   insert of the same logical email is ignored by the database.
2. After commit, a task is enqueued for the row. If the broker is down the row
   simply stays queued: the dispatcher (every minute) enqueues due rows again.
3. A worker claims the row with a conditional UPDATE (queued -> sending). Only
   one claim can succeed, so two workers, two enqueued tasks or a double beat
   tick never send it twice.
4. The worker sends outside any transaction and records the outcome: sent, or
   queued again with a growing delay (failed after OUTBOX_MAX_ATTEMPTS).
5. A row left in "sending" for OUTBOX_SENDING_TIMEOUT_SECONDS belongs to a
   worker that died; the dispatcher puts it back to queued.

Guarantee: every row is delivered at least once as long as the mail server
eventually accepts it, and at most once, except in one case: a worker dies (or
its database write fails) after the mail server accepted the message but before
step 4 recorded "sent". Step 5 then sends it a second time. Closing that gap
would need the mail server to deduplicate, which SMTP does not offer.

Team chat messages (channel "webhook", postmortems/webhooks.py) are rows of the
same outbox and follow the same steps, with the same one gap: an incoming
webhook has no idempotency key either. A webhook that answers with an error,
a redirect or not within its timeout counts as a failed attempt.
"""

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from postmortems.emails import build_message
from postmortems.models import OutboundEmail
from postmortems.webhooks import post_webhook

logger = logging.getLogger(__name__)
Status = OutboundEmail.Status


def retry_delay(attempts: int) -> timedelta:
    """1, 2, 4, 8 ... times OUTBOX_RETRY_SECONDS, capped at six hours."""
    seconds = settings.OUTBOX_RETRY_SECONDS * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, 6 * 3600))


def outbox_add(emails: Iterable[OutboundEmail]) -> list[int]:
    """Insert rows whose dedup key is new; return the ids of the rows inserted now.

    Call inside the sweep's transaction. Duplicates (a concurrent sweep, a second
    beat tick) are dropped by the unique key, not by a prior check.
    """
    emails = list(emails)
    if not emails:
        return []
    OutboundEmail.objects.bulk_create(emails, ignore_conflicts=True)
    keys = [email.dedup_key for email in emails]
    started = min(email.created_at for email in emails)
    return list(
        OutboundEmail.objects.filter(
            dedup_key__in=keys, status=Status.QUEUED, created_at__gte=started
        ).values_list("pk", flat=True)
    )


def enqueue_after_commit(email_ids: list[int]) -> None:
    if email_ids:
        transaction.on_commit(lambda: enqueue(email_ids))


def enqueue(email_ids: Iterable[int]) -> int:
    """Hand rows to the workers. A broker outage is not an error: rows stay queued.

    One attempt per publish, no retry: this runs after commit in web requests, which
    must answer whether the broker is up, down or hung (its socket timeouts are in
    settings), and the dispatcher enqueues every due row again within a minute.
    """
    from postmortems.tasks import send_email  # tasks import services, not the reverse

    count = 0
    for email_id in email_ids:
        try:
            send_email.apply_async((email_id,), retry=False)
        except BrokerError:
            logger.warning("Broker unavailable; outbox rows stay queued for the dispatcher.")
            break
        count += 1
    return count


def outbox_send(email_id: int, *, now: datetime | None = None) -> str:
    """Claim, send and record one row. Returns "sent", "retry", "failed" or "skipped"."""
    now = now or timezone.now()
    claimed = OutboundEmail.objects.filter(
        pk=email_id, status=Status.QUEUED, next_attempt_at__lte=now
    ).update(status=Status.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    if not claimed:
        return "skipped"  # sent already, claimed by another worker, or not due yet
    email = OutboundEmail.objects.get(pk=email_id)
    try:
        _deliver(email)
    except Exception as error:  # any failure of the mail server, the webhook or the network
        return _record_failure(email, error, now)
    OutboundEmail.objects.filter(pk=email_id, status=Status.SENDING).update(
        status=Status.SENT, sent_at=timezone.now(), last_error=""
    )
    return "sent"


def _deliver(email: OutboundEmail) -> None:
    if email.channel == OutboundEmail.Channel.WEBHOOK:
        post_webhook(email.webhook_url, email.body_text)
    else:
        build_message(email).send()


def _record_failure(email: OutboundEmail, error: Exception, now: datetime) -> str:
    message = f"{type(error).__name__}: {error}"[:2000]
    final = email.attempts >= settings.OUTBOX_MAX_ATTEMPTS
    OutboundEmail.objects.filter(pk=email.pk, status=Status.SENDING).update(
        status=Status.FAILED if final else Status.QUEUED,
        next_attempt_at=now + retry_delay(email.attempts),
        last_error=message,
    )
    logger.warning("Outbox row %s attempt %s failed: %s", email.pk, email.attempts, message)
    return "failed" if final else "retry"


def outbox_requeue_stuck(*, now: datetime) -> int:
    """Rows whose worker died while sending go back to the queue (step 5 above)."""
    cutoff = now - timedelta(seconds=settings.OUTBOX_SENDING_TIMEOUT_SECONDS)
    return OutboundEmail.objects.filter(status=Status.SENDING, claimed_at__lt=cutoff).update(
        status=Status.QUEUED, next_attempt_at=now
    )


def outbox_due(*, now: datetime, limit: int = 500) -> list[int]:
    return list(
        OutboundEmail.objects.filter(status=Status.QUEUED, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )


def outbox_retry(*, email: OutboundEmail, now: datetime) -> bool:
    """Staff asked to try a failed email again."""
    retried = OutboundEmail.objects.filter(pk=email.pk, status=Status.FAILED).update(
        status=Status.QUEUED, next_attempt_at=now, attempts=0
    )
    if retried:
        enqueue_after_commit([email.pk])
    return bool(retried)

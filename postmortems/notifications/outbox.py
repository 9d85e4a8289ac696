"""Delivery of outbox rows: at least once, and a second copy only in one narrow case.

How one email goes out:
1. A sweep inserts the row (status queued) with a unique dedup key; a second
   insert of the same logical email is ignored by the database.
2. After commit, a task is enqueued for the row (`enqueued_at` says when). If the
   broker is down the row simply stays queued: the dispatcher (every minute)
   enqueues due rows whose message is missing or older than
   OUTBOX_REENQUEUE_SECONDS, so a lost message delays a row but never loses it,
   and a backlog is not multiplied by a new message per row per tick.
3. A worker claims the row with a conditional UPDATE (queued -> sending) that
   stores a new claim token and the real time of the claim. Only one claim can
   succeed, so two workers, two enqueued tasks or a double beat tick never send
   it twice.
4. The worker sends outside any transaction. As soon as the mail server has
   said yes (before QUIT, which can still fail or hang), it records "sent" with
   an UPDATE fenced by id + claim token, retried with backoff for up to
   OUTBOX_MARK_RETRY_SECONDS while the database fails. A failure is recorded the
   same way: temporary ones (SMTP 4xx, refused connections, timeouts, HTTP 429
   and 5xx) are retried with a doubling delay for OUTBOX_GIVE_UP_SECONDS,
   permanent ones (SMTP 5xx, other HTTP answers) fail at once.
5. A row left in "sending" for OUTBOX_SENDING_TIMEOUT_SECONDS belongs to a
   worker that died; the dispatcher puts it back to queued, or fails it once its
   workers died OUTBOX_MAX_CRASHES times (a row that kills its worker).
   A system check keeps that timeout well above the longest send, and a late
   mark from the old claimant is a no-op: it no longer holds the token.

Guarantee: every row is delivered at least once as long as the mail server
accepts it within OUTBOX_GIVE_UP_SECONDS (failures are shown to staff, mailed to
admins and can be retried), and at most once, except in one case: the worker
dies, or the database stays unwritable for longer than OUTBOX_MARK_RETRY_SECONDS,
between the mail server's "250 accepted" and step 4's "sent" reaching the
database. Step 5 then sends it a second time. SMTP offers no idempotency key, so
that window can be narrowed (it is one UPDATE long) but not closed; the copy
carries the same Message-ID (emails.message_id), so mail systems and people can
recognise it as the same message.

Team chat messages (channel "webhook", postmortems/notifications/chat.py) are rows of the
same outbox and follow the same steps, with the same one gap: an incoming
webhook has no idempotency key either. A webhook that answers with an error,
a redirect or not within its timeout counts as a failed attempt.

Channels of higher parts (issue tracker calls, channel "tracker") are rows of the same
outbox too, delivered by the function config/settings.py OUTBOX_DELIVERERS names. An
exception with a true `permanent` attribute fails the row at once; any other is
retried. Their duplicate window is closed by the deliverer itself where the far side
allows it (an issue is looked up by its marker before it is created again).
"""

import logging
import smtplib
import urllib.error
import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from time import sleep
from typing import Any

from django.conf import settings
from django.core.mail import get_connection
from django.db import DatabaseError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from lib.extensions import outbox_deliverer
from postmortems.notifications.chat import post_webhook
from postmortems.notifications.emails import build_message
from postmortems.notifications.models import OutboundMessage

logger = logging.getLogger(__name__)
Status = OutboundMessage.Status

# The first retry of a failed database write waits this long, then twice as long...
MARK_FIRST_DELAY_SECONDS = 0.5
MARK_MAX_DELAY_SECONDS = 8.0


def retry_delay(attempts: int) -> timedelta:
    """1, 2, 4, 8 ... times OUTBOX_RETRY_SECONDS, capped at OUTBOX_RETRY_MAX_DELAY_SECONDS."""
    seconds = settings.OUTBOX_RETRY_SECONDS * 2 ** min(max(attempts - 1, 0), 30)
    return timedelta(seconds=min(seconds, settings.OUTBOX_RETRY_MAX_DELAY_SECONDS))


def is_permanent(error: BaseException) -> bool:
    """What a mail server would bounce at once rather than keep in its queue."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _message in error.recipients.values()]
        return bool(codes) and all(500 <= code < 600 for code in codes)
    if isinstance(error, smtplib.SMTPResponseException):
        return 500 <= error.smtp_code < 600
    if getattr(error, "permanent", False):  # a deliverer's own word (OUTBOX_DELIVERERS)
        return True
    if isinstance(error, urllib.error.HTTPError):
        # A removed or misconfigured webhook answers 3xx/4xx; overload answers 429/5xx.
        return error.code != 429 and error.code < 500
    return False  # refused connections, timeouts, dropped connections: try again later


def describe(error: BaseException) -> str:
    """The error as staff read it: an SMTP answer as the server gave it."""
    if isinstance(error, smtplib.SMTPResponseException):
        text = error.smtp_error
        text = text.decode(errors="replace") if isinstance(text, bytes) else str(text)
        return f"{type(error).__name__}: {error.smtp_code} {text}"[:2000]
    return f"{type(error).__name__}: {error}"[:2000]


def outbox_add(emails: Iterable[OutboundMessage]) -> list[int]:
    """Insert rows whose dedup key is new; return the ids of the rows inserted now.

    Call inside the sweep's transaction. Duplicates (a concurrent sweep, a second
    beat tick) are dropped by the unique key, not by a prior check.
    """
    emails = list(emails)
    if not emails:
        return []
    OutboundMessage.objects.bulk_create(emails, ignore_conflicts=True)
    keys = [email.dedup_key for email in emails]
    started = min(email.created_at for email in emails)
    return list(
        OutboundMessage.objects.filter(
            dedup_key__in=keys, status=Status.QUEUED, created_at__gte=started
        ).values_list("pk", flat=True)
    )


def enqueue_after_commit(email_ids: list[int]) -> None:
    if email_ids:
        transaction.on_commit(lambda: enqueue(email_ids))


def enqueue(email_ids: Iterable[int], *, countdown: float | None = None) -> int:
    """Hand rows to the workers. A broker outage is not an error: rows stay queued.

    One attempt per publish, no retry: this runs after commit in web requests, which
    must answer whether the broker is up, down or hung (its socket timeouts are in
    settings). Rows that could not be published lose their `enqueued_at`, so the
    dispatcher enqueues them again on its next tick.
    """
    from postmortems.notifications.tasks import send_email  # tasks import services, not the reverse

    email_ids = list(email_ids)
    count = 0
    for email_id in email_ids:
        try:
            # None is no delay; celery-types types countdown as a float only.
            send_email.apply_async((email_id,), countdown=countdown, retry=False)  # type: ignore[arg-type]
        except BrokerError:
            logger.warning("Broker unavailable; outbox rows stay queued for the dispatcher.")
            _forget_enqueued(email_ids[count:])
            break
        count += 1
    return count


def _forget_enqueued(email_ids: list[int]) -> None:
    """The dispatcher's next tick takes these rows, rather than after
    OUTBOX_REENQUEUE_SECONDS. Best effort: this runs after a request's commit, which
    must answer anyway, and the longer wait loses nothing."""
    try:
        OutboundMessage.objects.filter(pk__in=email_ids, status=Status.QUEUED).update(
            enqueued_at=None
        )
    except DatabaseError as error:
        logger.warning("Could not mark outbox rows as not enqueued: %r", error)


def outbox_send(email_id: int) -> str:
    """Claim, send and record one row. Returns "sent", "retry", "failed" or "skipped"."""
    email = outbox_claim(email_id=email_id)
    if email is None:
        return "skipped"  # sent already, claimed by another worker, or not due yet
    try:
        mail_connection = _deliver(email)
    except Exception as error:  # any failure of the mail server, the webhook or the network
        return outbox_record_failure(email=email, error=error)
    try:
        outbox_record_sent(email=email)
    finally:
        _close_quietly(mail_connection)
    return "sent"


def outbox_claim(*, email_id: int) -> OutboundMessage | None:
    """Step 3: the row, claimed now with a new token, or None if it is not ours to send.

    The claim is stamped with the time it is made (not the time a command or
    task started), which is what the stuck-row timeout is measured from.
    """
    now = timezone.now()
    token = uuid.uuid4()
    claimed = OutboundMessage.objects.filter(
        pk=email_id, status=Status.QUEUED, next_attempt_at__lte=now
    ).update(
        status=Status.SENDING,
        claimed_at=now,
        claim_token=token,
        attempts=F("attempts") + 1,
        enqueued_at=None,
    )
    if not claimed:
        return None
    return OutboundMessage.objects.filter(pk=email_id, claim_token=token).first()


def outbox_record_sent(*, email: OutboundMessage) -> bool:
    """The mail server accepted the row: record it (step 4). False if the claim was lost."""
    marked = _update_claimed(
        email, status=Status.SENT, sent_at=timezone.now(), last_error="", deferred_since=None
    )
    if not marked:
        logger.warning("Outbox row %s was sent after its claim was taken over.", email.pk)
    return marked


def outbox_record_failure(*, email: OutboundMessage, error: Exception) -> str:
    """Retry a temporary failure later, fail a permanent one (step 4).

    Returns "retry", "failed", or "skipped" when the claim was lost meanwhile.
    """
    now = timezone.now()
    message = describe(error)
    deferred_since = email.deferred_since or now
    give_up_at = deferred_since + timedelta(seconds=settings.OUTBOX_GIVE_UP_SECONDS)
    fields: dict[str, Any]
    if is_permanent(error):
        outcome = "failed"
        fields = {"status": Status.FAILED, "failed_at": now, "last_error": message}
    elif now >= give_up_at:
        outcome = "failed"
        fields = {
            "status": Status.FAILED,
            "failed_at": now,
            "last_error": f"Gave up after {email.attempts} attempts since "
            f"{deferred_since:%Y-%m-%d %H:%M} UTC. {message}",
        }
    else:
        outcome = "retry"
        next_attempt_at = min(now + retry_delay(email.attempts), give_up_at)
        fields = {
            "status": Status.QUEUED,
            "next_attempt_at": next_attempt_at,
            "deferred_since": deferred_since,
            "last_error": message,
            # The task enqueues its own delayed retry (tasks.send_email).
            "enqueued_at": next_attempt_at,
        }
    if not _update_claimed(email, **fields):
        return "skipped"
    logger.warning("Outbox row %s attempt %s %s: %s", email.pk, email.attempts, outcome, message)
    return outcome


def _update_claimed(email: OutboundMessage, **fields: Any) -> bool:
    """Record an outcome, only if this worker's claim still holds (the fence of step 5).

    A database error is retried with a doubling delay for up to
    OUTBOX_MARK_RETRY_SECONDS in all: giving up after the mail server said yes is
    the one way a row gets sent twice, so it is worth waiting for the database.
    """
    claim = OutboundMessage.objects.filter(
        pk=email.pk, claim_token=email.claim_token, status=Status.SENDING
    )
    budget = float(settings.OUTBOX_MARK_RETRY_SECONDS)
    delay = MARK_FIRST_DELAY_SECONDS
    while True:
        try:
            return claim.update(**fields) == 1
        except DatabaseError as error:
            if delay > budget:
                raise
            logger.warning("Recording outbox row %s failed (%r); retrying.", email.pk, error)
            if not connection.in_atomic_block:
                connection.close()  # the next try opens a fresh connection
            sleep(delay)
            budget -= delay
            delay = min(delay * 2, MARK_MAX_DELAY_SECONDS)


def _deliver(email: OutboundMessage) -> Any:
    """Send the row; returns the mail connection, still open, for `_close_quietly`.

    The connection is closed only after "sent" is recorded: QUIT comes after the
    server accepted the message, and a failing or hanging QUIT must not turn an
    accepted message into a failed attempt that is sent again.
    """
    if email.channel == OutboundMessage.Channel.WEBHOOK:
        post_webhook(email.webhook_url, email.body_text)
        return None
    if email.channel != OutboundMessage.Channel.EMAIL:
        # A channel a higher part delivers (issue trackers): config/settings.py says who.
        outbox_deliverer(email.channel)(email)
        return None
    mail_connection = get_connection()
    try:
        mail_connection.open()
        if not mail_connection.send_messages([build_message(email)]):
            raise smtplib.SMTPException("The mail backend sent nothing.")
    except BaseException:
        _close_quietly(mail_connection)
        raise
    return mail_connection


def _close_quietly(mail_connection: Any) -> None:
    if mail_connection is None:
        return
    try:
        mail_connection.close()
    except Exception as error:  # the message is recorded already; only QUIT failed
        logger.info("Closing the mail connection failed: %r", error)


def outbox_requeue_stuck(*, now: datetime) -> int:
    """Rows whose worker died while sending go back to the queue (step 5 above).

    Returns how many were re-queued; those whose workers died OUTBOX_MAX_CRASHES
    times are failed instead, so a row that kills every worker stops doing so.
    """
    cutoff = now - timedelta(seconds=settings.OUTBOX_SENDING_TIMEOUT_SECONDS)
    stuck = OutboundMessage.objects.filter(status=Status.SENDING, claimed_at__lt=cutoff)
    crashes = settings.OUTBOX_MAX_CRASHES
    failed = stuck.filter(crashes__gte=crashes - 1).update(
        status=Status.FAILED,
        failed_at=now,
        claim_token=None,
        crashes=F("crashes") + 1,
        last_error=f"Its worker stopped while sending it {crashes} times (killed, out of "
        "memory or crashed); not retried automatically. Retry it once the cause is known.",
    )
    if failed:
        logger.error("%s outbox rows failed: their workers died while sending them.", failed)
    return stuck.update(
        status=Status.QUEUED,
        next_attempt_at=now,
        claim_token=None,
        crashes=F("crashes") + 1,
        enqueued_at=None,
    )


def outbox_due(*, now: datetime, limit: int = 500) -> list[int]:
    """Queued rows whose next attempt is due, whether or not a task is on its way."""
    return list(
        OutboundMessage.objects.filter(status=Status.QUEUED, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )


def outbox_take_for_dispatch(*, now: datetime, limit: int = 500) -> list[int]:
    """Due rows with no recent message on the broker, stamped as enqueued now (step 2).

    State-based: a row whose message the broker dropped is taken again once its
    stamp is OUTBOX_REENQUEUE_SECONDS old. Two dispatchers at once may both take a
    row; the claim (step 3) still sends it once.
    """
    stale = now - timedelta(seconds=settings.OUTBOX_REENQUEUE_SECONDS)
    ids = list(
        OutboundMessage.objects.filter(status=Status.QUEUED, next_attempt_at__lte=now)
        .filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=stale))
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    if ids:
        OutboundMessage.objects.filter(pk__in=ids).update(enqueued_at=now)
    return ids


RETRY_RESET = {
    "status": Status.QUEUED,
    "attempts": 0,
    "crashes": 0,
    "deferred_since": None,
    "failed_at": None,
    "failure_reported": False,
}


def outbox_retry(*, email: OutboundMessage, now: datetime) -> bool:
    """Staff asked to try a failed email again."""
    retried = OutboundMessage.objects.filter(pk=email.pk, status=Status.FAILED).update(
        next_attempt_at=now, enqueued_at=now, **RETRY_RESET
    )
    if retried:
        enqueue_after_commit([email.pk])
    return bool(retried)


def outbox_retry_failed(*, now: datetime) -> int:
    """Staff asked to try every failed email again. The dispatcher enqueues them on its
    next ticks (OUTBOX limit per tick), not this request, which may hold thousands."""
    return OutboundMessage.objects.filter(status=Status.FAILED).update(
        next_attempt_at=now, enqueued_at=None, **RETRY_RESET
    )

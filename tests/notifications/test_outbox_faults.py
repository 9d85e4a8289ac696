"""One email under faults: a crash or database error after the server said yes, slow
sends, long runs of send_reminders, temporary and permanent refusals, crashing rows
and a dispatcher under backlog. Mail goes through the real SMTP capture server
(tests/smtp_capture.py) unless a test needs a backend that misbehaves on purpose."""

import datetime as dt
import email as email_lib
import email.policy
import hashlib
import smtplib
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.core.checks import run_checks
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend
from django.core.management import call_command
from django.db import OperationalError
from django.db.models import QuerySet
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from postmortems.models import OutboundMessage
from postmortems.notifications.outbox import (
    enqueue,
    outbox_claim,
    outbox_record_failure,
    outbox_record_sent,
    outbox_requeue_stuck,
    outbox_send,
)
from postmortems.notifications.reminders import reminders_sweep
from postmortems.notifications.tasks import dispatch_outbox, send_email
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 4, 15, 0, tzinfo=dt.UTC)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def _overdue_incidents(team, owner, count: int = 1) -> list[int]:
    for _ in range(count):
        IncidentFactory(
            team=team,
            owner=owner,
            started_at=NOW - dt.timedelta(hours=30),
            resolved_at=NOW - dt.timedelta(hours=26),
        )
    return reminders_sweep(now=timezone.now()).created_ids


@pytest.fixture
def due_email(clock, team, owner):
    [email_id] = _overdue_incidents(team, owner)
    return email_id


def _row(email_id: int) -> OutboundMessage:
    return OutboundMessage.objects.get(pk=email_id)


def _past_the_stuck_timeout(clock, settings) -> None:
    clock.shift(dt.timedelta(seconds=settings.OUTBOX_SENDING_TIMEOUT_SECONDS + 1))


# --- A crash or database error after the server accepted the message ---------------


def test_a_worker_killed_after_the_server_accepted_while_saying_goodbye_sends_once(
    smtp_backend, due_email, clock, settings, monkeypatch
):
    def killed_during_quit(backend):
        backend.connection.close()  # the kernel closes the socket of a killed process
        raise SystemExit("SIGKILL")  # not an Exception: nothing after it runs

    monkeypatch.setattr(SmtpBackend, "close", killed_during_quit)
    with pytest.raises(SystemExit):
        outbox_send(due_email)
    monkeypatch.undo()
    assert len(smtp_backend.messages) == 1
    assert _row(due_email).status == "sent"  # recorded before QUIT
    _past_the_stuck_timeout(clock, settings)
    dispatch_outbox.apply()
    assert send_email.apply(args=(due_email,)).get() == "skipped"
    assert len(smtp_backend.messages) == 1


@pytest.fixture
def failing_sent_marks(monkeypatch):
    """The database refuses the first `failing["left"]` attempts to record "sent"."""
    failing: dict[str, Any] = {"left": 2, "sleeps": []}
    update = QuerySet.update

    def flaky_update(self, **fields):
        if self.model is OutboundMessage and fields.get("status") == "sent" and failing["left"]:
            failing["left"] -= 1
            raise OperationalError("server closed the connection unexpectedly")
        return update(self, **fields)

    monkeypatch.setattr(QuerySet, "update", flaky_update)
    # (raising=False: the test must reach the send, and fail there, without retries)
    monkeypatch.setattr(
        "postmortems.notifications.outbox.sleep", failing["sleeps"].append, raising=False
    )
    return failing


def test_a_database_error_after_the_server_accepted_is_retried_and_the_email_goes_out_once(
    smtp_backend, due_email, clock, settings, failing_sent_marks
):
    assert send_email.apply(args=(due_email,)).get() == "sent"
    assert failing_sent_marks["sleeps"] == [0.5, 1.0]  # backoff between the tries
    _past_the_stuck_timeout(clock, settings)
    dispatch_outbox.apply()
    send_email.apply(args=(due_email,))
    assert len(smtp_backend.messages) == 1
    assert _row(due_email).status == "sent"


def test_retrying_to_record_sent_gives_up_within_its_budget(
    smtp_backend, due_email, settings, failing_sent_marks
):
    settings.OUTBOX_MARK_RETRY_SECONDS = 10
    failing_sent_marks["left"] = 1000  # the database stays down
    with pytest.raises(OperationalError):
        outbox_send(due_email)
    assert failing_sent_marks["sleeps"] == [0.5, 1.0, 2.0, 4.0]  # 7.5 s; 8 more would pass 10
    assert _row(due_email).status == "sending"  # the stuck-row sweep takes it from here


def test_every_copy_of_a_message_carries_one_message_id_derived_from_its_dedup_key(
    smtp_backend, due_email, settings
):
    settings.EMAIL_MESSAGE_ID_DOMAIN = "pm.example.com"
    assert outbox_send(due_email) == "sent"
    # The rare repeat: "sent" never reached the database and the row was sent again.
    OutboundMessage.objects.filter(pk=due_email).update(status="queued")
    assert outbox_send(due_email) == "sent"
    ids = [
        email_lib.message_from_bytes(m["data"], policy=email_lib.policy.default)["Message-ID"]
        for m in smtp_backend.messages
    ]
    digest = hashlib.sha256(_row(due_email).dedup_key.encode()).hexdigest()[:32]
    assert ids == [f"<{digest}@pm.example.com>"] * 2


# --- Claims carry a token; only the claimant marks -----------------------------------


def test_a_claimant_that_outlived_the_stuck_timeout_cannot_overwrite_the_next_claim(
    due_email, clock, settings
):
    first = outbox_claim(email_id=due_email)
    _past_the_stuck_timeout(clock, settings)
    assert outbox_requeue_stuck(now=timezone.now()) == 1
    second = outbox_claim(email_id=due_email)
    assert first is not None
    assert second is not None
    assert second.claim_token != first.claim_token

    # The first worker's late outcomes, either way, are no-ops.
    error = smtplib.SMTPDataError(550, b"5.1.1 No such user")
    assert outbox_record_failure(email=first, error=error) == "skipped"
    assert outbox_record_sent(email=first) is False
    row = _row(due_email)
    assert (row.status, row.claim_token, row.last_error) == ("sending", second.claim_token, "")

    assert outbox_record_sent(email=second) is True
    assert _row(due_email).status == "sent"


def test_the_system_check_refuses_a_stuck_timeout_not_well_above_the_smtp_timeout(settings):
    settings.EMAIL_TIMEOUT = 20
    settings.OUTBOX_MARK_RETRY_SECONDS = 60
    settings.OUTBOX_SENDING_TIMEOUT_SECONDS = 30  # a slow send would be sent twice
    [error] = run_checks(tags=["outbox"])
    assert error.id == "postmortems.E002"
    assert "at least 120" in (error.hint or "")

    settings.OUTBOX_SENDING_TIMEOUT_SECONDS = 120
    assert run_checks(tags=["outbox"]) == []
    settings.EMAIL_TIMEOUT = None  # Django's default: a send may never end
    assert [e.id for e in run_checks(tags=["outbox"])] == ["postmortems.E001"]


def test_a_worker_logs_the_check_when_it_starts(settings, caplog):
    from config.celery import check_outbox_settings_when_a_worker_starts

    settings.OUTBOX_SENDING_TIMEOUT_SECONDS = 10
    with caplog.at_level("ERROR", logger="config.celery"):
        check_outbox_settings_when_a_worker_starts()
    assert "postmortems.E002" in caplog.text


# --- send_reminders beside beat -------------------------------------------------------

on_send: list = []


class SlowBackend(LocmemBackend):
    """Accepts like locmem, then runs `on_send` hooks: a slow server, beat ticking."""

    def send_messages(self, messages):
        sent = super().send_messages(messages)
        for hook in on_send:
            hook()
        return sent


@pytest.fixture
def slow_backend(settings):
    settings.EMAIL_BACKEND = f"{__name__}.SlowBackend"
    mail.outbox = []
    yield on_send
    on_send.clear()


def test_send_reminders_stamps_each_claim_so_a_long_run_sends_every_email_once(
    clock, team, owner, settings, slow_backend
):
    _overdue_incidents(team, owner, count=4)
    timeout = settings.OUTBOX_SENDING_TIMEOUT_SECONDS

    def slow_send_while_beat_runs_the_stuck_sweep():
        clock.shift(dt.timedelta(seconds=timeout // 2 + 1))
        outbox_requeue_stuck(now=timezone.now())

    slow_backend.append(slow_send_while_beat_runs_the_stuck_sweep)
    out = StringIO()
    call_command("send_reminders", stdout=out)  # runs for 2 stuck timeouts in all
    assert "delivery attempts: 4 sent." in out.getvalue()
    slow_backend.clear()
    dispatch_outbox.apply()
    for email_id in OutboundMessage.objects.values_list("pk", flat=True):
        assert send_email.apply(args=(email_id,)).get() == "skipped"
    assert len(mail.outbox) == 4
    assert set(OutboundMessage.objects.values_list("status", flat=True)) == {"sent"}


# --- Temporary failures are retried for days, permanent ones fail at once ------------


def _send_until_settled(email_id: int, clock) -> tuple[str, list[dt.timedelta]]:
    """Attempt the row each time it is due; returns the outcome and the delays."""
    delays = []
    while (outcome := send_email.apply(args=(email_id,)).get()) == "retry":
        due = _row(email_id).next_attempt_at
        delays.append(due - timezone.now())
        clock.move_to(due)
    return outcome, delays


def test_a_mail_server_answering_451_for_hours_still_gets_the_email_once(
    smtp_backend, due_email, clock
):
    smtp_backend.refuse_first = 12  # about six hours of 451 with the default backoff
    outcome, delays = _send_until_settled(due_email, clock)
    assert outcome == "sent"
    assert len(delays) == 12
    assert [d.total_seconds() for d in delays[:4]] == [60, 120, 240, 480]
    assert max(delays) == dt.timedelta(hours=1)  # the cap
    assert len(smtp_backend.messages) == 1
    row = _row(due_email)
    assert (row.status, row.deferred_since, row.last_error) == ("sent", None, "")


def test_a_temporary_failure_is_given_up_only_after_three_days(smtp_backend, due_email, clock):
    smtp_backend.refuse_first = 10_000
    outcome, delays = _send_until_settled(due_email, clock)
    assert outcome == "failed"
    assert len(delays) > 70  # hourly for days, not six attempts in half an hour
    row = _row(due_email)
    assert row.failed_at == NOW + dt.timedelta(days=3)
    assert row.last_error.startswith(f"Gave up after {row.attempts} attempts since 2026-11-04")
    assert "451 4.3.0 Try again later" in row.last_error


def test_a_permanent_refusal_fails_at_once(smtp_backend, due_email, clock):
    smtp_backend.refuse_first = 1
    smtp_backend.refusal = "550 5.1.1 No such user here"
    assert send_email.apply(args=(due_email,)).get() == "failed"
    row = _row(due_email)
    assert (row.status, row.attempts, row.failed_at) == ("failed", 1, NOW)
    assert "5.1.1 No such user here" in row.last_error


def test_a_refused_connection_is_temporary(settings, due_email, clock):
    from tests.smtp_capture import free_port

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()  # nobody listens
    assert send_email.apply(args=(due_email,)).get() == "retry"
    assert _row(due_email).deferred_since == NOW


# --- A row that kills its worker -----------------------------------------------------


class CrashingBackend(LocmemBackend):
    def send_messages(self, messages):
        raise SystemExit("killed while sending")  # not an Exception: nothing records it


def test_a_row_that_kills_its_worker_every_time_is_failed_after_three_crashes(
    due_email, clock, settings
):
    settings.EMAIL_BACKEND = f"{__name__}.CrashingBackend"
    for _ in range(3):
        with pytest.raises(SystemExit):
            outbox_send(due_email)
        assert _row(due_email).status == "sending"
        _past_the_stuck_timeout(clock, settings)
        dispatch_outbox.apply()
    row = _row(due_email)
    assert (row.status, row.attempts, row.crashes) == ("failed", 3, 3)
    assert "worker stopped while sending it 3 times" in row.last_error
    assert outbox_send(due_email) == "skipped"


# --- The dispatcher under backlog ----------------------------------------------------


@pytest.fixture
def published(monkeypatch):
    """What the dispatcher hands to the broker (nothing runs)."""
    ids: list[int] = []
    monkeypatch.setattr(send_email, "apply_async", lambda args, **kwargs: ids.append(args[0]))
    return ids


def test_the_dispatcher_enqueues_a_due_row_again_only_when_its_message_looks_lost(
    due_email, clock, settings, published
):
    # The sweep enqueued the row after its commit; the worker has not got to it yet.
    dispatch_outbox.apply()
    dispatch_outbox.apply()
    assert published == []
    # The broker lost the message: the row, still queued, is enqueued once more.
    clock.shift(dt.timedelta(seconds=settings.OUTBOX_REENQUEUE_SECONDS + 1))
    dispatch_outbox.apply()
    dispatch_outbox.apply()
    assert published == [due_email]


def test_a_row_whose_enqueue_failed_is_enqueued_on_the_next_tick_and_only_then(
    due_email, clock, monkeypatch, published
):
    def broker_down(*args, **kwargs):
        raise BrokerError("Connection refused.")

    with monkeypatch.context() as patch:
        patch.setattr(send_email, "apply_async", broker_down)
        assert enqueue([due_email]) == 0
    dispatch_outbox.apply()
    dispatch_outbox.apply()
    assert published == [due_email]

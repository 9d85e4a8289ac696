"""Delivery through a real SMTP server: refusals, retries, headers, unsubscribe."""

import datetime as dt
import email as email_lib

import pytest
import time_machine
from django.urls import reverse
from kombu.exceptions import OperationalError

from accounts.tokens import unsubscribe_token
from postmortems.models import OutboundMessage
from postmortems.notifications.outbox import enqueue, outbox_due
from postmortems.notifications.reminders import reminders_sweep
from postmortems.notifications.tasks import dispatch_outbox, send_email
from tests.factories import ActionItemFactory, IncidentFactory

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 4, 15, 0, tzinfo=dt.UTC)


@pytest.fixture
def due_email(team, owner):
    IncidentFactory(
        team=team,
        owner=owner,
        started_at=NOW - dt.timedelta(hours=30),
        resolved_at=NOW - dt.timedelta(hours=26),
    )
    [email_id] = reminders_sweep(now=NOW).created_ids
    return email_id


def test_a_refusing_mail_server_delays_the_email_and_it_goes_out_once(
    smtp_backend, due_email, settings
):
    smtp_backend.refuse_first = 2
    with time_machine.travel(NOW, tick=False) as clock:
        assert send_email.apply(args=(due_email,)).get() == "retry"
        row = OutboundMessage.objects.get(pk=due_email)
        assert (row.status, row.attempts) == ("queued", 1)
        assert "451" in row.last_error
        assert row.next_attempt_at == NOW + dt.timedelta(seconds=settings.OUTBOX_RETRY_SECONDS)

        assert send_email.apply(args=(due_email,)).get() == "skipped"  # not due yet
        clock.shift(dt.timedelta(seconds=settings.OUTBOX_RETRY_SECONDS))
        assert send_email.apply(args=(due_email,)).get() == "retry"
        clock.shift(dt.timedelta(seconds=2 * settings.OUTBOX_RETRY_SECONDS))  # backoff doubles
        assert send_email.apply(args=(due_email,)).get() == "sent"
        assert send_email.apply(args=(due_email,)).get() == "skipped"
    assert smtp_backend.attempts == 3
    assert len(smtp_backend.messages) == 1
    row = OutboundMessage.objects.get(pk=due_email)
    assert (row.status, row.attempts, row.last_error) == ("sent", 3, "")


def test_after_the_last_attempt_the_email_is_failed_and_staff_can_retry_it(
    smtp_backend, due_email, settings, client, admin_user
):
    settings.OUTBOX_GIVE_UP_SECONDS = 0  # no second attempt
    smtp_backend.refuse_first = 1
    with time_machine.travel(NOW, tick=False):
        assert send_email.apply(args=(due_email,)).get() == "failed"
    client.force_login(admin_user)
    page = client.get(reverse("pm-outbox"), {"status": "failed"}).content.decode()
    assert "4.3.0 Try again later" in page
    response = client.post(reverse("pm-outbox-retry", args=[due_email]))
    assert response.status_code == 302
    assert send_email.apply(args=(due_email,)).get() == "sent"
    assert len(smtp_backend.messages) == 1


def test_with_the_broker_down_rows_stay_queued_and_the_dispatcher_sends_them(
    due_email, monkeypatch, mailoutbox
):
    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(send_email, "apply_async", broker_down)
    assert enqueue([due_email]) == 0  # no exception reaches the caller
    assert OutboundMessage.objects.get(pk=due_email).status == "queued"

    monkeypatch.undo()  # the broker is back
    with time_machine.travel(NOW, tick=False):
        assert outbox_due(now=NOW) == [due_email]
        dispatch_outbox.apply()
        send_email.apply(args=(due_email,))
    assert len(mailoutbox) == 1


def test_saving_an_incident_never_needs_the_broker(client, owner, incident, monkeypatch):
    def broker_down(*args, **kwargs):
        raise OperationalError("Connection refused.")

    monkeypatch.setattr(send_email, "apply_async", broker_down)
    client.force_login(owner)
    form = client.get(reverse("pm-incident-edit", args=[incident.number])).context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None and k != "services"}
    data.update(team=incident.team_id, owner=owner.pk, started_at="2026-11-02T09:00",
                resolved_at="2026-11-02T11:00", title="Saved while the broker is down")  # fmt: skip
    assert client.post(reverse("pm-incident-edit", args=[incident.number]), data).status_code == 302
    incident.refresh_from_db()
    assert incident.title == "Saved while the broker is down"


def test_digests_carry_a_one_click_unsubscribe_that_the_app_honours(
    smtp_backend, postmortem, owner, client
):
    ActionItemFactory(postmortem=postmortem, owner=owner, due_date=dt.date(2026, 11, 2))
    monday_morning = dt.datetime(2026, 11, 9, 9, 30, tzinfo=dt.UTC)
    with time_machine.travel(monday_morning, tick=False):
        [email_id] = [
            e.pk
            for e in OutboundMessage.objects.filter(
                pk__in=reminders_sweep(now=monday_morning).created_ids, kind="action_digest"
            )
        ]
        send_email.apply(args=(email_id,))
    message = email_lib.message_from_bytes(smtp_backend.messages[0]["data"])
    assert message["Subject"] == "1 overdue action item"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = message["List-Unsubscribe"].strip().strip("<>")
    assert url.endswith(reverse("accounts-unsubscribe", args=[unsubscribe_token(owner)]))
    path = url.removeprefix("http://127.0.0.1:8000")

    assert client.get(path).status_code == 200  # a confirmation page; GET changes nothing
    owner.refresh_from_db()
    assert owner.receive_digests is True
    assert client.post(path).status_code == 200  # what mail clients do: POST, no session
    owner.refresh_from_db()
    assert owner.receive_digests is False

    next_day = monday_morning + dt.timedelta(days=1)
    assert [e.kind for e in reminders_sweep(now=next_day).emails] == []


def test_a_tampered_unsubscribe_link_changes_nothing(client, owner):
    token = unsubscribe_token(owner)[:-2] + "xx"
    response = client.post(reverse("accounts-unsubscribe", args=[token]))
    assert response.status_code == 404
    owner.refresh_from_db()
    assert owner.receive_digests is True

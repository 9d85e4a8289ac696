"""What staff learn about undelivered email, and how they send it again: the outbox
page, the alert to admins (which must never alert about itself) and the bulk retry."""

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from postmortems.models import OutboundMessage
from postmortems.notifications.reminders import reminders_sweep
from postmortems.notifications.tasks import dispatch_outbox, send_email
from tests.factories import IncidentFactory, UserFactory

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 4, 15, 0, tzinfo=dt.UTC)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def rejected_emails(clock, team, owner, smtp_backend):
    """Two reminders the mail server refused for good (550)."""
    for _ in range(2):
        IncidentFactory(
            team=team,
            owner=owner,
            started_at=NOW - dt.timedelta(hours=30),
            resolved_at=NOW - dt.timedelta(hours=26),
        )
    ids = reminders_sweep(now=NOW).created_ids
    smtp_backend.refuse_first = 1000
    smtp_backend.refusal = "550 5.7.1 Relaying denied"
    for email_id in ids:
        assert send_email.apply(args=(email_id,)).get() == "failed"
    return ids


def _alerts():
    return OutboundMessage.objects.filter(kind="outbox_failed").order_by("to_address")


def test_admins_are_emailed_once_about_failed_rows_and_a_failed_alert_does_not_loop(
    rejected_emails, settings, published
):
    settings.ADMINS = [("Ops", "ops@example.com"), ("On call", "oncall@example.com")]
    dispatch_outbox.apply()
    alerts = list(_alerts())
    assert [a.to_address for a in alerts] == ["oncall@example.com", "ops@example.com"]
    alert = alerts[0]
    assert alert.subject == "2 emails could not be delivered"
    assert "- SMTPDataError: 550 5.7.1 Relaying denied (2)" in alert.body_text
    assert "http://127.0.0.1:8000/outbox/?status=failed" in alert.body_text
    assert "Relaying denied" in alert.body_html
    assert all(OutboundMessage.objects.filter(pk__in=rejected_emails).values_list(
        "failure_reported", flat=True))  # fmt: skip

    dispatch_outbox.apply()  # nothing new failed: no second alert
    assert _alerts().count() == 2
    for alert in alerts:  # the alerts themselves are refused, and fail for good too
        assert send_email.apply(args=(alert.pk,)).get() == "failed"
    dispatch_outbox.apply()
    assert _alerts().count() == 2  # no alert about an alert


def test_without_admins_the_alert_goes_to_active_staff(rejected_emails, settings, admin_user):
    settings.ADMINS = []
    UserFactory(is_staff=True, is_active=False)
    UserFactory(is_staff=False)
    dispatch_outbox.apply()
    assert [a.to_address for a in _alerts()] == [admin_user.email]


@pytest.fixture
def published(monkeypatch):
    ids: list[int] = []
    monkeypatch.setattr(send_email, "apply_async", lambda args, **kwargs: ids.append(args[0]))
    return ids


def test_the_outbox_page_shows_failed_and_long_deferred_emails(
    rejected_emails, clock, client, admin_user, django_assert_num_queries
):
    OutboundMessage.objects.filter(pk=rejected_emails[1]).update(
        status="queued", deferred_since=NOW - dt.timedelta(hours=2)
    )
    client.force_login(admin_user)
    # session, user, the failed/deferred counts, the page's count and rows
    with django_assert_num_queries(5):
        page = client.get(reverse("pm-outbox")).content.decode()
    assert "1 email failed for good" in page
    assert "1 deferred for over an hour" in page
    assert "Retry all failed" in page
    assert 'deferred since <time datetime="2026-11-04T13:00:00+00:00">' in page
    deferred = client.get(reverse("pm-outbox"), {"status": "deferred"})
    assert [e.pk for e in deferred.context["page"].object_list] == [rejected_emails[1]]


def test_staff_retry_every_failed_email_at_once(
    rejected_emails, clock, client, admin_user, owner, published, smtp_backend
):
    url = reverse("pm-outbox-retry-failed")
    client.force_login(owner)
    assert client.post(url).status_code == 403
    client.force_login(admin_user)
    assert client.get(url).status_code == 405
    assert set(OutboundMessage.objects.values_list("status", flat=True)) == {"failed"}

    response = client.post(url, follow=True)
    assert "2 failed emails queued again" in response.content.decode()
    rows = OutboundMessage.objects.filter(pk__in=rejected_emails)
    assert {(r.status, r.attempts, r.failed_at, r.failure_reported) for r in rows} == {
        ("queued", 0, None, False)
    }
    dispatch_outbox.apply()  # the dispatcher enqueues them
    assert sorted(published) == sorted(rejected_emails)
    smtp_backend.refuse_first = 0
    for email_id in rejected_emails:
        assert send_email.apply(args=(email_id,)).get() == "sent"


def test_the_bulk_retry_needs_a_csrf_token(rejected_emails, admin_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    assert client.post(reverse("pm-outbox-retry-failed")).status_code == 403
    assert not OutboundMessage.objects.filter(status="queued").exists()


def test_an_idle_dispatcher_tick_costs_four_queries(db, clock, django_assert_num_queries):
    # stuck rows failed, stuck rows re-queued, unreported failures, due rows
    with django_assert_num_queries(4):
        assert dispatch_outbox.apply().get() == 0

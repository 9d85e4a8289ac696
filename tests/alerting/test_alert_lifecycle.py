"""Alerts open, resolve and reopen incidents; repeats and late deliveries change nothing."""

import datetime as dt
import threading

import pytest
import time_machine
from django.db import connection
from django.test import Client

from postmortems.models import AlertDelivery, Incident, OutboundMessage, TimelineEvent
from postmortems.notifications.reminders import reminders_sweep
from postmortems.services.postmortems import postmortem_start
from tests.alerting.support import alertmanager, make_hook

pytestmark = pytest.mark.django_db
FIRED = dt.datetime(2026, 11, 2, 10, 42, tzinfo=dt.UTC)
RESOLVED = dt.datetime(2026, 11, 2, 11, 30, tzinfo=dt.UTC)


@pytest.fixture
def hook(team):
    return make_hook(team, refire_window=30)


def _outcomes() -> list[str]:
    return list(AlertDelivery.objects.order_by("pk").values_list("outcome", flat=True))


def test_done_when_an_alertmanager_alert_opens_resolves_and_the_reminder_follows(
    client, team, lead
):
    """The issue's "done when": POST (as curl would) opens an incident, the same POST
    again changes nothing, the resolved message starts the 24-hour clock, and 24 hours
    later the reminder sweep puts the reminder in the outbox."""
    hook = make_hook(team)
    with time_machine.travel(FIRED + dt.timedelta(seconds=5), tick=False):
        first = hook.post(client, "alertmanager_firing")
        assert first.status_code == 200
        assert first.json()["outcome"] == "created"
        incident = Incident.objects.get()
        assert incident.team == team
        assert incident.severity == "SEV1"  # severity="critical"
        assert incident.title == "HighErrorRate: Checkout 5xx ratio above 5%"
        assert incident.started_at == FIRED
        assert incident.resolved_at is None

        second = hook.post(client, "alertmanager_firing")
        assert second.status_code == 200
        assert second.json()["outcome"] == "duplicate"
        unchanged = Incident.objects.get()
        assert unchanged.revision == incident.revision
        assert unchanged.updated_at == incident.updated_at

    with time_machine.travel(RESOLVED + dt.timedelta(seconds=5), tick=False):
        resolved = hook.post(client, "alertmanager_resolved")
    assert resolved.json()["outcome"] == "resolved"
    incident.refresh_from_db()
    assert incident.status == Incident.Status.RESOLVED
    assert incident.resolved_at == RESOLVED
    assert incident.review_clock_started_at == RESOLVED

    reminders_sweep(now=RESOLVED + dt.timedelta(hours=23, minutes=59))
    assert not OutboundMessage.objects.exists()
    reminders_sweep(now=RESOLVED + dt.timedelta(hours=24))
    email = OutboundMessage.objects.get()
    assert email.kind == OutboundMessage.Kind.POSTMORTEM_MISSING
    assert email.incident == incident
    assert email.to_address == lead.email  # no owner yet: the team's leads
    assert Incident.objects.count() == 1
    assert _outcomes() == ["created", "duplicate", "resolved"]


def test_alert_events_fill_the_timeline_when_the_postmortem_is_started(client, hook, owner):
    hook.post(client, "alertmanager_firing")
    hook.post(client, "alertmanager_resolved")
    incident = Incident.objects.get()
    assert not TimelineEvent.objects.exists()

    postmortem = postmortem_start(incident=incident, by=owner)
    events = list(postmortem.timeline_events.order_by("occurred_at"))
    assert [(e.occurred_at, e.kind, e.text) for e in events] == [
        (FIRED, "detection", "Alert HighErrorRate fired at 10:42 UTC"),
        (RESOLVED, "resolution", "Alert HighErrorRate resolved at 11:30 UTC"),
    ]
    assert events[0].source_url.startswith("http://prometheus.example.com:9090/graph")

    # Once the postmortem exists, the next alert event goes straight into its timeline.
    hook.post(client, alertmanager(startsAt="2026-11-02T11:45:00Z"))
    assert postmortem.timeline_events.count() == 3
    assert postmortem.timeline_events.last().text == (
        f"Alert HighErrorRate fired again at 11:45 UTC; {incident.reference} reopened"
    )
    # Starting it again copies nothing twice.
    postmortem_start(incident=incident, by=owner)
    assert postmortem.timeline_events.count() == 3


def test_a_pagerduty_resolution_delivered_before_the_triggering_opens_one_resolved_incident(
    client, team
):
    """PagerDuty's events carry the time of the change: a late triggered event is older
    than the resolution and changes nothing."""
    hook = make_hook(team, "pagerduty")
    assert hook.post(client, "pagerduty_resolved").json()["outcome"] == "created"
    late_firing = hook.post(client, "pagerduty_triggered")
    assert late_firing.json()["outcome"] == "ignored"
    incident = Incident.objects.get()
    assert incident.status == Incident.Status.RESOLVED
    assert incident.resolved_at == RESOLVED


def test_a_late_opsgenie_create_after_the_close_does_not_reopen(client, team):
    hook = make_hook(team, "opsgenie")
    hook.post(client, "opsgenie_create")
    hook.post(client, "opsgenie_close")
    hook.post(client, "opsgenie_create")  # a retry of the first delivery, late
    incident = Incident.objects.get()
    assert incident.resolved_at == RESOLVED
    assert _outcomes() == ["created", "resolved", "ignored"]


def test_an_alertmanager_firing_after_the_resolution_is_newer_even_with_its_first_start(
    client, hook
):
    """Alertmanager sends each group's notifications in order, the whole state each
    time: a firing delivered after the resolution is the newer state, even with the
    alert's original startsAt (resolved by resolve_timeout, then firing again)."""
    with time_machine.travel(FIRED + dt.timedelta(seconds=5), tick=False):
        hook.post(client, "alertmanager_firing")
    with time_machine.travel(RESOLVED + dt.timedelta(seconds=5), tick=False):
        hook.post(client, "alertmanager_resolved")
    with time_machine.travel(RESOLVED + dt.timedelta(minutes=5), tick=False):
        hook.post(client, "alertmanager_firing")
        hook.post(client, alertmanager(startsAt="2026-11-02T11:00:00Z"))  # the same state
    incident = Incident.objects.get()
    assert incident.resolved_at is None
    assert _outcomes() == ["created", "resolved", "reopened", "duplicate"]


def test_a_late_resolution_of_an_earlier_episode_does_not_resolve_the_reopened_incident(
    client, hook
):
    hook.post(client, "alertmanager_firing")
    hook.post(client, "alertmanager_resolved")
    hook.post(client, alertmanager(startsAt="2026-11-02T11:40:00Z"))  # reopens
    hook.post(client, "alertmanager_resolved")  # the first resolution again
    incident = Incident.objects.get()
    assert incident.resolved_at is None
    assert _outcomes() == ["created", "resolved", "reopened", "ignored"]


def test_a_refire_within_the_window_reopens_the_same_incident(client, hook):
    hook.post(client, "alertmanager_firing")
    hook.post(client, "alertmanager_resolved")
    response = hook.post(client, alertmanager(startsAt="2026-11-02T11:59:00Z"))  # 29 min later
    assert response.json()["outcome"] == "reopened"
    incident = Incident.objects.get()
    assert incident.status == Incident.Status.INVESTIGATING
    assert incident.resolved_at is None
    assert incident.started_at == FIRED

    hook.post(
        client,
        alertmanager(
            "alertmanager_resolved", startsAt="2026-11-02T11:59:00Z", endsAt="2026-11-02T12:10:00Z"
        ),
    )
    incident.refresh_from_db()
    assert incident.resolved_at == dt.datetime(2026, 11, 2, 12, 10, tzinfo=dt.UTC)


def test_a_refire_after_the_window_opens_a_new_incident(client, hook):
    hook.post(client, "alertmanager_firing")
    hook.post(client, "alertmanager_resolved")
    response = hook.post(client, alertmanager(startsAt="2026-11-02T12:01:00Z"))  # 31 min later
    assert response.json()["outcome"] == "created"
    first, second = Incident.objects.order_by("number")
    assert first.resolved_at == RESOLVED
    assert second.resolved_at is None
    assert second.started_at == dt.datetime(2026, 11, 2, 12, 1, tzinfo=dt.UTC)
    assert response.json()["alerts"][0]["incident"] == second.reference
    # The new episode's resolution resolves the new incident only.
    hook.post(
        client,
        alertmanager(
            "alertmanager_resolved", startsAt="2026-11-02T12:01:00Z", endsAt="2026-11-02T12:20:00Z"
        ),
    )
    second.refresh_from_db()
    assert second.resolved_at == dt.datetime(2026, 11, 2, 12, 20, tzinfo=dt.UTC)


def test_severity_is_mapped_and_alerts_below_open_from_open_nothing(client, team):
    hook = make_hook(
        team,
        open_from="SEV2",
        severity_map={"critical": "SEV1", "Warning": "SEV3"},
        default_severity="SEV4",
    )
    warning = alertmanager(labels={"alertname": "SlowDisk", "severity": "warning"})
    response = hook.post(client, warning)
    assert response.status_code == 200
    assert response.json()["outcome"] == "ignored"
    assert "SEV3 is below SEV2" in response.json()["message"]
    assert not Incident.objects.exists()
    unknown = alertmanager(labels={"alertname": "Odd", "severity": "whatever"}, fingerprint="f2")
    assert hook.post(client, unknown).json()["outcome"] == "ignored"  # default SEV4

    critical = alertmanager(fingerprint="f3")
    assert hook.post(client, critical).json()["outcome"] == "created"
    assert Incident.objects.get().severity == "SEV1"
    delivery = AlertDelivery.objects.order_by("pk").first()
    assert (delivery.outcome, delivery.incident) == ("ignored", None)
    assert "SlowDisk" in delivery.body


def test_a_more_severe_refiring_raises_the_incidents_severity(client, hook):
    hook.post(client, alertmanager(labels={"alertname": "HighErrorRate", "severity": "warning"}))
    assert Incident.objects.get().severity == "SEV3"
    assert hook.post(client, "alertmanager_firing").json()["outcome"] == "updated"
    assert Incident.objects.get().severity == "SEV1"


def test_one_delivery_with_several_alerts_of_a_group_opens_one_incident(client, hook):
    body = alertmanager()
    second = dict(body["alerts"][0], fingerprint="0123456789abcdef")
    second["labels"] = dict(second["labels"], instance="checkout-2:8080")
    body["alerts"].append(second)
    response = hook.post(client, body)
    assert [a["outcome"] for a in response.json()["alerts"]] == ["created", "created"]
    incident = Incident.objects.get()
    assert incident.title == "HighErrorRate: Checkout 5xx ratio above 5% (and 1 more alert)"
    assert hook.post(client, body).json()["outcome"] == "duplicate"


@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicate_deliveries_open_one_incident(postgres, team):
    """Two deliveries of the same alert at the same moment, on PostgreSQL: the unique
    alert key makes the second one find the first one's incident."""
    hook = make_hook(team)
    barrier = threading.Barrier(2)
    statuses = []

    def deliver():
        try:
            barrier.wait(timeout=10)
            statuses.append(hook.post(Client(), "alertmanager_firing").status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert statuses == [200, 200]
    assert Incident.objects.count() == 1
    created, other = sorted(_outcomes())
    # The second applies after the first: a duplicate, or, if it was received a moment
    # before the first, out of date (Alertmanager: the newest delivery is the truth).
    assert (created, other in ("duplicate", "ignored")) == ("created", True)


def test_an_incident_opened_by_an_alert_says_where_it_came_from(client, hook):
    hook.post(client, "alertmanager_firing")
    incident = Incident.objects.get()
    assert incident.owner is None
    assert incident.created_by is None
    assert incident.description == (
        "5.3% of checkout requests failed over the last 5 minutes.\n\n"
        "Opened by the alert integration alertmanager receiver (Prometheus Alertmanager)."
    )

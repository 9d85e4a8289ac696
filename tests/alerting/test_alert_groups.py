"""Alerts grouped as the tool groups them, newest Alertmanager delivery wins, the
services and owner an alert names, priority changes, and the review clock of an
incident opened by an alert that fired long before."""

import copy
import datetime as dt
from collections.abc import Collection

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from postmortems.alerting.incident_groups import alerts_receive
from postmortems.alerting.payloads import AlertSignal
from postmortems.models import (
    AlertDelivery,
    AlertEvent,
    AlertGroup,
    AlertLink,
    Incident,
    OutboundMessage,
)
from postmortems.notifications.reminders import reminders_sweep
from postmortems.selectors import incidents_awaiting_review
from tests.alerting.support import alertmanager, make_hook, payload
from tests.factories import ServiceFactory, UserFactory

pytestmark = pytest.mark.django_db
FIRED = dt.datetime(2026, 11, 2, 10, 42, tzinfo=dt.UTC)
RESOLVED = dt.datetime(2026, 11, 2, 11, 30, tzinfo=dt.UTC)
GROUP_KEY = '{}/{severity="critical"}:{alertname="HighErrorRate"}'


@pytest.fixture
def hook(team):
    return make_hook(team, refire_window=30)


def _outcomes() -> list[str]:
    return list(AlertDelivery.objects.order_by("pk").values_list("outcome", flat=True))


def _group(size: int, *, status: str = "firing", resolved: Collection[int] = frozenset()) -> dict:
    """An Alertmanager notification of one group of `size` alerts (the recorded
    payload's alert, one per instance); the alerts numbered in `resolved` resolved."""
    body = copy.deepcopy(payload("alertmanager_firing"))
    template = body["alerts"][0]
    body["alerts"] = []
    for n in range(size):
        alert = copy.deepcopy(template)
        alert["fingerprint"] = f"{n:016x}"
        alert["labels"]["instance"] = f"checkout-{n}:8080"
        if n in resolved:
            alert["status"] = "resolved"
            alert["endsAt"] = "2026-11-02T11:30:00Z"
        body["alerts"].append(alert)
    body["status"] = status
    return body


def _at(moment: dt.datetime):
    return time_machine.travel(moment, tick=False)


# 1. Alertmanager: the newest delivery is the truth


def test_an_alert_resolved_by_timeout_that_fires_again_with_its_first_start_reopens(client, hook):
    """Alertmanager resolved the alert by resolve_timeout (Prometheus restarting), then
    the alert fires again with its original startsAt: the incident reopens, and the
    true end resolves it."""
    with _at(FIRED + dt.timedelta(seconds=5)):
        hook.post(client, "alertmanager_firing")
    with _at(RESOLVED + dt.timedelta(seconds=5)):
        hook.post(client, "alertmanager_resolved")  # endsAt 11:30: the timeout
    with _at(RESOLVED + dt.timedelta(minutes=3)):
        response = hook.post(client, "alertmanager_firing")  # startsAt 10:42 again
    assert response.json()["outcome"] == "reopened"
    incident = Incident.objects.get()
    assert (incident.status, incident.resolved_at) == (Incident.Status.INVESTIGATING, None)
    with _at(RESOLVED + dt.timedelta(minutes=4)):
        assert hook.post(client, "alertmanager_firing").json()["outcome"] == "duplicate"

    true_end = "2026-11-02T12:10:00Z"
    with _at(dt.datetime(2026, 11, 2, 12, 10, 5, tzinfo=dt.UTC)):
        response = hook.post(client, alertmanager("alertmanager_resolved", endsAt=true_end))
    assert response.json()["outcome"] == "resolved"
    incident.refresh_from_db()
    assert incident.resolved_at == dt.datetime(2026, 11, 2, 12, 10, tzinfo=dt.UTC)
    assert _outcomes() == ["created", "resolved", "reopened", "duplicate", "resolved"]
    assert list(AlertEvent.objects.values_list("text", flat=True)) == [
        "Alert HighErrorRate fired at 10:42 UTC",
        "Alert HighErrorRate resolved at 11:30 UTC",
        f"Alert HighErrorRate fired again at 11:33 UTC; {incident.reference} reopened",
        "Alert HighErrorRate resolved at 12:10 UTC",
    ]


def test_a_delivery_received_before_the_last_one_applied_changes_nothing(team):
    """Two deliveries of a group racing: the one received first but applied last is
    out of date (Alertmanager sends the whole state each time)."""
    hook = make_hook(team)
    firing = AlertSignal(
        key="f1",
        action="firing",
        name="HighErrorRate",
        title="HighErrorRate",
        description="",
        severity="critical",
        started_at=FIRED,
        occurred_at=FIRED,
        group_key="g",
    )
    resolved = AlertSignal(**{**firing.__dict__, "action": "resolved", "occurred_at": RESOLVED})
    meta = {"body": b"{}"}
    alerts_receive(
        integration=hook.integration, signals=[firing], request_meta=meta, received_at=FIRED
    )
    alerts_receive(
        integration=hook.integration, signals=[resolved], request_meta=meta, received_at=RESOLVED
    )
    _delivery, results = alerts_receive(
        integration=hook.integration,
        signals=[firing],
        request_meta=meta,
        received_at=RESOLVED - dt.timedelta(minutes=1),
    )
    assert results[0].outcome == "ignored"
    assert Incident.objects.get().resolved_at == RESOLVED


# 2. One incident per group


def test_a_group_of_alerts_opens_one_incident_and_resolves_when_every_alert_has(client, hook):
    with _at(FIRED + dt.timedelta(seconds=5)):
        response = hook.post(client, _group(3))
    assert response.json()["outcome"] == "created"
    incident = Incident.objects.get()
    assert incident.title.endswith("(and 2 more alerts)")
    group = AlertGroup.objects.get()
    assert (group.group_key, group.incident) == (GROUP_KEY, incident)
    assert AlertLink.objects.filter(group=group).count() == 3
    assert AlertEvent.objects.filter(incident=incident, kind="detection").count() == 3

    with _at(RESOLVED + dt.timedelta(seconds=5)):
        partly = hook.post(client, _group(3, resolved={0}))
    assert partly.json()["outcome"] == "updated"
    assert "stays open" in partly.json()["message"]
    incident.refresh_from_db()
    assert incident.resolved_at is None

    with _at(RESOLVED + dt.timedelta(minutes=1)):
        hook.post(client, _group(3, resolved={0, 1, 2}, status="resolved"))
    incident = Incident.objects.get(pk=incident.pk)
    assert (incident.status, incident.resolved_at) == (Incident.Status.RESOLVED, RESOLVED)
    assert AlertEvent.objects.filter(incident=incident, kind="resolution").count() == 3

    # One alert of the group fires again within the re-fire window: the same incident.
    with _at(RESOLVED + dt.timedelta(minutes=10)):
        again = hook.post(client, _group(1))
    assert again.json()["outcome"] == "reopened"
    assert Incident.objects.count() == 1
    assert _outcomes() == ["created", "updated", "resolved", "reopened"]


def test_a_big_group_gets_one_summary_event_and_a_line_per_alert(client, hook):
    hook.post(client, _group(12))
    texts = list(AlertEvent.objects.values_list("text", flat=True))
    assert len(texts) == 13
    assert texts[0] == "12 alerts of the group changed in one delivery (12 detection)"


def test_alerts_of_two_groups_in_two_deliveries_open_two_incidents(client, hook):
    hook.post(client, _group(2))
    other = _group(2)
    other["groupKey"] = '{}/{severity="critical"}:{alertname="DiskFull"}'
    hook.post(client, other)
    assert Incident.objects.count() == 2


def _deliver_queries(client, hook, size: int) -> list[int]:
    """Queries of the first delivery of a group, the same again, and its resolution."""
    counts = []
    bodies = [_group(size), _group(size), _group(size, resolved=set(range(size)))]
    for body, outcome in zip(bodies, ["created", "duplicate", "resolved"], strict=True):
        with CaptureQueriesContext(connection) as queries:
            assert hook.post(client, body).json()["outcome"] == outcome
        counts.append(len(queries))
    return counts


def test_the_queries_of_a_delivery_do_not_grow_with_the_alerts_of_the_group(
    client, team, django_assert_num_queries
):
    # 30 alerts: SQLite takes at most 999 values a statement, so Django splits the insert
    # of 35 firings or more in two there (test_firings.py delivers 500 on PostgreSQL).
    one = _deliver_queries(client, make_hook(team, name="one"), 1)
    thirty = _deliver_queries(client, make_hook(team, name="thirty"), 30)
    assert one == thirty, (one, thirty)
    # Pinned, for 1 and for 30 alerts: opening, a repeat, the resolution (each with the
    # 7 statements of its firings: firings/ingest.py). On PostgreSQL the opening also
    # queues for the incident number (services/incidents.py, _next_number).
    numbering = 1 if connection.vendor == "postgresql" else 0
    for size, name in [(1, "pinned-1"), (30, "pinned-30")]:
        pinned = make_hook(team, name=name)
        with django_assert_num_queries(38 + numbering):
            pinned.post(client, _group(size))
        with django_assert_num_queries(19):
            pinned.post(client, _group(size))
        with django_assert_num_queries(40):
            pinned.post(client, _group(size, resolved=set(range(size))))


def test_an_alert_that_opened_an_incident_of_its_own_before_grouping_resolves_it(client, hook):
    """Links made before alerts were grouped (migration 0025: a group keyed by the
    alert's fingerprint) keep their incident until the alert resolves."""
    with _at(FIRED + dt.timedelta(seconds=5)):
        hook.post(client, "alertmanager_firing")
    group = AlertGroup.objects.get()
    fingerprint = AlertLink.objects.get().external_key
    AlertGroup.objects.filter(pk=group.pk).update(group_key=fingerprint)  # as migrated
    with _at(RESOLVED + dt.timedelta(seconds=5)):
        assert hook.post(client, "alertmanager_resolved").json()["outcome"] == "resolved"
    assert Incident.objects.get().resolved_at == RESOLVED
    # Resolved, the alert's next firing belongs to its real group.
    with _at(RESOLVED + dt.timedelta(hours=3)):
        assert hook.post(client, "alertmanager_firing").json()["outcome"] == "created"
    assert AlertGroup.objects.filter(group_key=GROUP_KEY).exists()


# 3. Services and owner


def test_the_first_service_label_present_names_the_incidents_service(client, team):
    checkout = ServiceFactory(name="Checkout", slug="checkout")
    ServiceFactory(name="payments-api", slug="payments-api")
    hook = make_hook(team)
    body = alertmanager(
        labels={
            "alertname": "HighErrorRate",
            "severity": "critical",
            "job": "payments-api",
            "service": "checkout",
        }
    )
    hook.post(client, body)
    assert list(Incident.objects.get().services.all()) == [checkout]


def test_service_labels_are_configurable_and_unknown_services_are_not_created(client, team):
    api = ServiceFactory(name="payments-api", slug="payments-api")
    hook = make_hook(team, service_labels=["job"])
    labels = {
        "alertname": "A",
        "severity": "critical",
        "service": "checkout",
        "job": "Payments API",
    }
    hook.post(client, alertmanager(labels=labels))
    assert list(Incident.objects.get().services.all()) == [api]  # matched by slug

    other = make_hook(team, name="other", service_labels=["service"])
    hook_body = alertmanager(labels={**labels, "service": "unknown"}, fingerprint="f9")
    hook_body["groupKey"] = "other"
    other.post(client, hook_body)
    assert not Incident.objects.order_by("number").last().services.exists()
    assert not type(api).objects.filter(name="unknown").exists()


def _signal(**fields) -> AlertSignal:
    values = {
        "key": "PT4KHLK",
        "action": "firing",
        "name": "Payments API latency",
        "title": "Payments API latency",
        "description": "",
        "severity": "P2",
        "started_at": FIRED,
        "occurred_at": FIRED,
        "group_key": "PT4KHLK",
    }
    return AlertSignal(**{**values, **fields})


def _receive(hook, *signals, at=FIRED):
    return alerts_receive(
        integration=hook.integration,
        signals=list(signals),
        request_meta={"body": b"{}"},
        received_at=at,
    )


def test_the_assignee_owns_the_incident_and_the_tools_service_is_set(team):
    person = UserFactory(email="Oncall@Example.com")
    UserFactory(email="gone@example.com", is_active=False)
    payments = ServiceFactory(name="Payments API", slug="payments-api")
    hook = make_hook(team, "pagerduty")
    _receive(
        hook,
        _signal(assignees=("gone@example.com", "oncall@example.com"), services=("payments api",)),
    )
    incident = Incident.objects.get()
    assert incident.owner == person
    assert list(incident.services.all()) == [payments]


def test_no_owner_from_the_assignee_when_the_integration_says_so(team):
    UserFactory(email="oncall@example.com")
    hook = make_hook(team, "pagerduty", owner_from_assignee=False)
    _receive(hook, _signal(assignees=("oncall@example.com",)))
    assert Incident.objects.get().owner is None


# 5. First-seen acknowledgements and priority changes


def test_a_first_seen_opsgenie_acknowledge_delivered_twice_changes_nothing_the_second_time(
    client, team
):
    hook = make_hook(team, "opsgenie")
    assert hook.post(client, "opsgenie_acknowledge").json()["outcome"] == "created"
    incident = Incident.objects.get()
    events = AlertEvent.objects.count()
    assert hook.post(client, "opsgenie_acknowledge").json()["outcome"] == "duplicate"
    unchanged = Incident.objects.get()
    assert (unchanged.revision, unchanged.updated_at) == (incident.revision, incident.updated_at)
    assert AlertEvent.objects.count() == events
    assert list(AlertEvent.objects.values_list("kind", flat=True)) == ["detection", "action"]


def test_a_first_seen_pagerduty_acknowledged_delivered_twice_changes_nothing(client, team):
    hook = make_hook(team, "pagerduty")
    assert hook.post(client, "pagerduty_acknowledged").json()["outcome"] == "created"
    assert hook.post(client, "pagerduty_acknowledged").json()["outcome"] == "duplicate"


def test_a_priority_change_sets_the_severity_up_and_down_while_open(team):
    hook = make_hook(team, "pagerduty")
    _receive(hook, _signal())
    assert Incident.objects.get().severity == "SEV2"
    later = FIRED + dt.timedelta(minutes=5)
    _delivery, results = _receive(hook, _signal(action="updated", severity="P1", occurred_at=later))
    assert results[0].outcome == "updated"
    assert Incident.objects.get().severity == "SEV1"
    _receive(hook, _signal(action="updated", severity="P4", occurred_at=later))
    assert Incident.objects.get().severity == "SEV4"
    texts = list(AlertEvent.objects.values_list("text", flat=True))
    assert texts[-2:] == [
        "Alert Payments API latency raised the severity to SEV1 at 10:47 UTC",
        "Alert Payments API latency lowered the severity to SEV4 at 10:47 UTC",
    ]


def test_an_empty_priority_changes_nothing(team):
    hook = make_hook(team, "pagerduty")
    _receive(hook, _signal())
    incident = Incident.objects.get()
    _delivery, results = _receive(hook, _signal(action="updated", severity=""))
    assert results[0].outcome == "duplicate"
    unchanged = Incident.objects.get()
    assert (unchanged.severity, unchanged.revision) == ("SEV2", incident.revision)


def test_a_priority_change_of_an_alert_never_seen_opens_nothing(team):
    hook = make_hook(team, "pagerduty")
    _delivery, results = _receive(hook, _signal(action="updated", severity="P1"))
    assert results[0].outcome == "ignored"
    assert not Incident.objects.exists()


# 4. The review clock of an incident opened by an alert that fired for days


def test_an_alert_firing_for_days_starts_the_review_clock_when_the_incident_is_opened(
    client, team, lead
):
    hook = make_hook(team)
    opened = FIRED + dt.timedelta(days=5)  # the integration was set up while it fired
    with _at(opened):
        hook.post(client, "alertmanager_firing")
    incident = Incident.objects.get()
    assert incident.started_at == FIRED
    assert incident.review_clock_started_at == opened
    # The dashboard, My work and the lead digest read the same clock.
    assert incidents_awaiting_review().get().clock == opened

    reminders = OutboundMessage.objects.filter(kind__startswith="pm_")
    reminders_sweep(now=opened + dt.timedelta(hours=1))
    assert not reminders.exists()
    reminders_sweep(now=opened + dt.timedelta(hours=24))
    assert list(reminders.values_list("kind", flat=True)) == ["pm_missing"]
    assert "was recorded 24 hours ago" in reminders.get().body_text
    reminders_sweep(now=opened + dt.timedelta(hours=72))
    assert sorted(reminders.values_list("kind", flat=True)) == ["pm_escalation", "pm_missing"]


def test_a_refire_below_open_from_leaves_the_resolved_group_as_it_was(client, team):
    hook = make_hook(team, open_from="SEV2")
    with _at(FIRED + dt.timedelta(seconds=5)):
        hook.post(client, "alertmanager_firing")
    with _at(RESOLVED + dt.timedelta(seconds=5)):
        hook.post(client, "alertmanager_resolved")
    warning = {"alertname": "HighErrorRate", "severity": "warning"}
    with _at(RESOLVED + dt.timedelta(minutes=5)):
        response = hook.post(client, alertmanager(labels=warning))
    assert response.json()["outcome"] == "ignored"
    assert AlertLink.objects.get().resolved_at == RESOLVED
    with _at(RESOLVED + dt.timedelta(minutes=6)):
        assert hook.post(client, "alertmanager_firing").json()["outcome"] == "reopened"
    assert Incident.objects.get().resolved_at is None

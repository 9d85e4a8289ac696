"""Each vendor's payload, authentication, and every way a delivery is refused."""

import datetime as dt
import json
import logging
import uuid

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from postmortems.alerting.tasks import prune_alert_deliveries
from postmortems.models import AlertDelivery, AlertEvent, Incident
from tests.alerting.support import PD_SECRET, alertmanager, make_hook, payload

pytestmark = pytest.mark.django_db
FIRED = dt.datetime(2026, 11, 2, 10, 42, tzinfo=dt.UTC)
ACKED = dt.datetime(2026, 11, 2, 10, 50, tzinfo=dt.UTC)
RESOLVED = dt.datetime(2026, 11, 2, 11, 30, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("kind", "steps", "title", "severity"),
    [
        (
            "alertmanager",
            ["alertmanager_firing", "alertmanager_resolved"],
            "HighErrorRate: Checkout 5xx ratio above 5%",
            "SEV1",
        ),
        (
            "grafana",
            ["grafana_firing", "grafana_resolved"],
            "DiskAlmostFull: Disk on db-2 is 93% full",
            "SEV3",
        ),
        (
            "pagerduty",
            ["pagerduty_triggered", "pagerduty_acknowledged", "pagerduty_resolved"],
            "Payments API latency above SLO",
            "SEV2",
        ),
        (
            "opsgenie",
            ["opsgenie_create", "opsgenie_acknowledge", "opsgenie_close"],
            "Queue backlog growing on orders-worker",
            "SEV1",
        ),
    ],
)
def test_each_vendor_opens_and_resolves_an_incident(client, team, kind, steps, title, severity):
    hook = make_hook(team, kind)
    outcomes = []
    for step in steps:
        response = hook.post(client, step)
        assert response.status_code == 200, response.content
        outcomes.append(response.json()["outcome"])
        # Every vendor retries: the same delivery again changes nothing.
        assert hook.post(client, step).json()["outcome"] == "duplicate"
    assert outcomes == ["created", *(["updated"] if len(steps) == 3 else []), "resolved"]
    incident = Incident.objects.get()
    assert (incident.title, incident.severity, incident.team) == (title, severity, team)
    assert (incident.started_at, incident.resolved_at) == (FIRED, RESOLVED)
    assert incident.status == Incident.Status.RESOLVED
    times = list(AlertEvent.objects.values_list("occurred_at", "kind"))
    expected = [(FIRED, "detection"), (RESOLVED, "resolution")]
    if len(steps) == 3:
        expected.insert(1, (ACKED, "action"))
    assert times == expected


def test_pagerduty_accepts_any_of_several_signatures(client, team):
    hook = make_hook(team, "pagerduty")
    raw = json.dumps(payload("pagerduty_triggered")).encode()
    good = hook.headers(raw)["X-PagerDuty-Signature"]
    response = client.post(
        hook.url,
        data=raw,
        content_type="application/json",
        headers={"X-PagerDuty-Signature": f"v1={'0' * 64}, {good}"},
    )
    assert response.status_code == 200
    assert Incident.objects.count() == 1


def test_pagerduty_event_types_without_a_state_change_are_logged_only(client, team):
    hook = make_hook(team, "pagerduty")
    body = payload("pagerduty_triggered")
    body["event"]["event_type"] = "incident.annotated"
    response = hook.post(client, body)
    assert response.status_code == 200
    assert response.json()["outcome"] == "ignored"
    assert not Incident.objects.exists()


def test_opsgenie_takes_the_token_in_the_query_string_too(client, team):
    hook = make_hook(team, "opsgenie")
    response = client.post(
        f"{hook.url}?token={hook.token}",
        data=payload("opsgenie_create"),
        content_type="application/json",
    )
    assert response.status_code == 200
    delivery = AlertDelivery.objects.get()
    assert hook.token not in str(delivery.headers)
    assert delivery.headers["Query token"] == "(sent, not kept)"


def _assert_rejected(response, status, *, integration, caplog):
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]
    delivery = AlertDelivery.objects.get()
    assert (delivery.outcome, delivery.http_status) == ("rejected", status)
    assert delivery.integration == integration
    assert delivery.message == response.json()["error"]
    assert not Incident.objects.exists()
    assert not AlertEvent.objects.exists()
    assert any(f"rejected ({status})" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("token", ["", "wrong-token"])
def test_a_missing_or_wrong_token_is_refused(client, team, caplog, token):
    caplog.set_level(logging.WARNING)
    hook = make_hook(team)
    hook.token = token
    response = hook.post(client, "alertmanager_firing")
    _assert_rejected(response, 401, integration=hook.integration, caplog=caplog)
    kept = AlertDelivery.objects.get().headers.get("Authorization")
    assert kept == ("(sent, not kept)" if token else None)


def test_a_bad_pagerduty_signature_is_refused(client, team, caplog):
    hook = make_hook(team, "pagerduty")
    hook.secret = PD_SECRET + "-not"
    response = hook.post(client, "pagerduty_triggered")
    _assert_rejected(response, 401, integration=hook.integration, caplog=caplog)


def test_a_token_of_another_integration_is_refused(client, team, other_team, caplog):
    hook, other = make_hook(team), make_hook(other_team)
    hook.token = other.token
    response = hook.post(client, "alertmanager_firing")
    _assert_rejected(response, 401, integration=hook.integration, caplog=caplog)


def test_an_unknown_integration_is_not_found_and_leaves_a_log_line_but_no_row(client, caplog):
    url = reverse("pm-alert-receiver", args=[uuid.uuid4()])
    for _ in range(50):
        response = client.post(
            url, data=payload("alertmanager_firing"), content_type="application/json"
        )
        assert response.status_code == 404
        assert response.json()["error"]
    assert not AlertDelivery.objects.exists()
    assert any("rejected (404)" in r.getMessage() for r in caplog.records)


def test_a_flood_of_refused_requests_keeps_a_bounded_number_of_rows(
    client, team, settings, django_assert_num_queries
):
    settings.ALERT_REJECTED_ROWS_PER_MINUTE = 5
    hook = make_hook(team)
    hook.token = "wrong-token"
    with time_machine.travel(FIRED, tick=False) as traveller:
        for _ in range(40):
            assert hook.post(client, "alertmanager_firing").status_code == 401
        assert AlertDelivery.objects.count() == 5
        with django_assert_num_queries(2):  # the integration, the recent rows: no insert
            assert hook.post(client, "alertmanager_firing").status_code == 401
        traveller.shift(dt.timedelta(minutes=1, seconds=1))
        hook.post(client, "alertmanager_firing")
        assert AlertDelivery.objects.count() == 6


def test_deliveries_older_than_the_retention_time_are_pruned(client, team, settings):
    settings.ALERT_DELIVERY_RETENTION_DAYS = 30
    hook = make_hook(team)
    with time_machine.travel(FIRED, tick=False):
        hook.post(client, "alertmanager_firing")
    with time_machine.travel(FIRED + dt.timedelta(days=29), tick=False):
        hook.post(client, "alertmanager_resolved")
    with time_machine.travel(FIRED + dt.timedelta(days=30, hours=1), tick=False):
        assert prune_alert_deliveries.apply().get() == 1
    assert AlertDelivery.objects.get().outcome == "resolved"
    assert AlertEvent.objects.count() == 2  # the incident's history stays


def test_a_disabled_integration_is_not_found(client, team, caplog):
    hook = make_hook(team, enabled=False)
    response = hook.post(client, "alertmanager_firing")
    _assert_rejected(response, 404, integration=hook.integration, caplog=caplog)


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b"{not json", "not valid JSON"),
        (b"[1, 2]", "must be a JSON object"),
        (b'{"alerts": ' + b"9" * 5_000 + b"}", "at most 1000 digits"),
        (b"[" * 50_000 + b"]" * 50_000, "nested deeper than 32 levels"),
        (b'{"alerts": "\x00"}', "not valid JSON"),
        (b'{"status": "firing", "alerts": []}', "non-empty list"),
        (b'{"alerts": [{"status": "firing"}]}', "fingerprint is missing"),
        (b'{"alerts": [{"status": "odd", "fingerprint": "x"}]}', "firing or resolved"),
        (
            b'{"alerts": [{"status": "firing", "fingerprint": "x", "startsAt": "yesterday"}]}',
            "RFC 3339",
        ),
    ],
)
def test_a_malformed_payload_is_a_bad_request(client, team, caplog, body, error):
    hook = make_hook(team)
    response = hook.post(client, body)
    _assert_rejected(response, 400, integration=hook.integration, caplog=caplog)
    assert error in response.json()["error"]


def test_an_oversized_body_is_refused(client, team, caplog, settings):
    settings.ALERT_WEBHOOK_MAX_BYTES = 4096
    hook = make_hook(team)
    body = alertmanager(annotations={"summary": "x" * 5000})
    response = hook.post(client, body)
    _assert_rejected(response, 413, integration=hook.integration, caplog=caplog)
    delivery = AlertDelivery.objects.get()
    assert delivery.body_truncated


def test_the_delivery_log_keeps_at_most_64_kb_of_the_body(client, team):
    hook = make_hook(team)
    body = alertmanager(annotations={"summary": "y" * 100_000})
    assert hook.post(client, body).status_code == 200
    delivery = AlertDelivery.objects.get()
    assert len(delivery.body) == 64 * 1024
    assert delivery.body_truncated
    assert delivery.remote_addr == "192.0.2.10"
    assert delivery.headers["Content-Type"] == "application/json"


def test_receivers_need_no_session_and_no_csrf_token(team):
    hook = make_hook(team)
    response = hook.post(Client(enforce_csrf_checks=True), "alertmanager_firing")
    assert response.status_code == 200
    assert Incident.objects.count() == 1


def test_receivers_answer_only_post(client, team):
    hook = make_hook(team)
    assert client.get(hook.url).status_code == 405


def test_a_pagerduty_incident_reopened_within_the_window_reopens_ours(client, team):
    hook = make_hook(team, "pagerduty", refire_window=60)
    hook.post(client, "pagerduty_triggered")
    hook.post(client, "pagerduty_resolved")
    reopened = payload("pagerduty_triggered")
    reopened["event"].update(event_type="incident.reopened", occurred_at="2026-11-02T12:00:00Z")
    response = hook.post(client, reopened)
    assert response.json()["outcome"] == "reopened"
    incident = Incident.objects.get()
    assert (incident.status, incident.resolved_at) == (Incident.Status.INVESTIGATING, None)

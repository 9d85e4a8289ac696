"""Deliveries recorded from real accounts and vendor documentation (payloads/README.md
says where each comes from), through the whole receiver: test notifications, priority
changes, and the shapes the vendors really send."""

import datetime as dt
import json

import pytest
from django.urls import reverse

from postmortems.alerting.payloads import read_signals
from postmortems.models import AlertDelivery, AlertEvent, AlertLink, Incident
from tests.alerting.support import make_hook, payload

pytestmark = pytest.mark.django_db
RECEIVED = dt.datetime(2026, 11, 2, 12, 0, tzinfo=dt.UTC)


def _read(kind: str, name: str):
    return read_signals(kind, json.dumps(payload(name)).encode(), received_at=RECEIVED)


def _outcomes(hook, client, names: list[str]) -> list[str]:
    outcomes = []
    for name in names:
        response = hook.post(client, name)
        assert response.status_code == 200, response.content
        assert response["Content-Type"] == "application/json"
        outcomes.append(response.json()["outcome"])
    return outcomes


@pytest.mark.parametrize(
    ("kind", "names", "fields", "outcomes"),
    [
        ("alertmanager", ["alertmanager_captured_resolved"], {}, ["created"]),
        ("grafana", ["grafana_docs_two_alerts"], {}, ["created"]),
        ("grafana", ["grafana_test_notification"], {}, ["test"]),
        ("pagerduty", ["pagerduty_captured_ping"], {}, ["test"]),
        (
            "pagerduty",
            [
                "pagerduty_captured_triggered",
                "pagerduty_captured_acknowledged",
                "pagerduty_captured_resolved",
            ],
            {"open_from": "SEV4"},
            ["created", "updated", "resolved"],
        ),
        # Urgency "low" with no priority: SEV4, below the default "open from SEV3".
        (
            "pagerduty",
            ["pagerduty_captured_triggered", "pagerduty_captured_resolved"],
            {},
            ["ignored", "ignored"],
        ),
        ("pagerduty", ["pagerduty_triggered", "pagerduty_docs_priority_updated"], {}, None),
        (
            "opsgenie",
            ["opsgenie_docs_create", "opsgenie_docs_acknowledge", "opsgenie_docs_close"],
            {},
            ["created", "updated", "resolved"],
        ),
        ("opsgenie", ["opsgenie_docs_assign_ownership"], {}, ["ignored"]),
        ("opsgenie", ["opsgenie_captured_create_priority_number"], {}, ["created"]),
    ],
)
def test_every_recorded_delivery_is_answered_with_its_outcome(
    client, team, kind, names, fields, outcomes
):
    hook = make_hook(team, kind, **fields)
    got = _outcomes(hook, client, names)
    assert got == (outcomes or ["created", "updated"])
    assert AlertDelivery.objects.count() == len(names)
    assert not AlertDelivery.objects.filter(http_status__gte=400).exists()


def test_grafanas_test_button_opens_no_incident_and_is_logged_as_a_test(client, team):
    hook = make_hook(team, "grafana")
    for _click in range(2):
        response = hook.post(client, "grafana_test_notification")
        assert response.status_code == 200
        assert response.json() == {
            "outcome": "test",
            "message": "Test notification received; no incident opened.",
            "alerts": [],
        }
    assert not Incident.objects.exists()
    assert not AlertLink.objects.exists()  # nothing for reminders or escalation to find
    assert not AlertEvent.objects.exists()
    delivery = AlertDelivery.objects.first()
    assert (delivery.outcome, delivery.http_status) == ("test", 200)
    assert '"alertname": "TestAlert"' in delivery.body


def test_the_delivery_log_shows_and_filters_test_notifications(client, team, admin_user):
    make_hook(team, "grafana").post(client, "grafana_test_notification")
    make_hook(team, "alertmanager").post(client, "alertmanager_firing")
    client.force_login(admin_user)
    url = reverse("pm-alert-deliveries")
    assert "Test received" in client.get(url).content.decode()
    tests = client.get(url, {"outcome": "test"})
    assert [d.outcome for d in tests.context["page"]] == ["test"]


def test_a_grafana_test_with_its_own_labels_is_still_a_test(team):
    # The test dialog lets people change the alert's labels; the group key stays
    # "<integration>-<fingerprint>-<time>".
    body = payload("grafana_test_notification")
    body["alerts"][0]["labels"] = {"alertname": "DiskFull", "severity": "critical"}
    (signal,) = read_signals("grafana", json.dumps(body).encode(), received_at=RECEIVED)
    assert signal.is_test
    (real,) = _read("grafana", "grafana_firing")
    assert not real.is_test
    assert not any(s.is_test for s in _read("grafana", "grafana_docs_two_alerts"))


def test_an_alertmanager_alert_named_testalert_is_a_real_alert(client, team):
    # Only Grafana has a test button; Alertmanager's alerts are all real.
    hook = make_hook(team, "alertmanager")
    body = payload("grafana_test_notification")
    body["alerts"][0]["labels"]["severity"] = "critical"
    assert hook.post(client, body).json()["outcome"] == "created"


def test_pagerdutys_test_event_opens_no_incident(client, team):
    hook = make_hook(team, "pagerduty")
    response = hook.post(client, "pagerduty_captured_ping")
    assert response.json()["outcome"] == "test"
    assert not Incident.objects.exists()
    (signal,) = _read("pagerduty", "pagerduty_captured_ping")
    assert signal.is_test


def test_a_pagerduty_priority_change_moves_the_incidents_severity(client, team):
    hook = make_hook(team, "pagerduty")
    hook.post(client, "pagerduty_triggered")  # priority P2
    assert Incident.objects.get().severity == "SEV2"
    response = hook.post(client, "pagerduty_docs_priority_updated")  # now P1
    assert response.json()["outcome"] == "updated"
    assert Incident.objects.get().severity == "SEV1"
    (signal,) = _read("pagerduty", "pagerduty_docs_priority_updated")
    assert (signal.action, signal.severity, signal.key) == ("updated", "P1", "PGR0VU2")


def test_pagerduty_without_a_priority_reads_the_urgency(team):
    (signal,) = _read("pagerduty", "pagerduty_captured_triggered")  # "priority": null
    assert signal.severity == "low"
    body = payload("pagerduty_captured_triggered")
    del body["event"]["data"]["urgency"]
    (bare,) = read_signals("pagerduty", json.dumps(body).encode(), received_at=RECEIVED)
    assert bare.severity == ""


def test_pagerduty_signals_name_the_service_and_the_grouping(team):
    (signal,) = _read("pagerduty", "pagerduty_captured_triggered")
    assert signal.group_key == "Q2CKYRLH85UNN4"
    assert signal.services == ("Webhook Tester",)
    assert signal.assignees == ()  # user references carry a name ("Ben"), no e-mail
    body = payload("pagerduty_triggered")
    body["event"]["data"]["assignees"].append({"summary": "ana@example.com", "id": "P2"})
    body["event"]["data"]["assignees"].append({"email": "bo@example.com"})
    (signal,) = read_signals("pagerduty", json.dumps(body).encode(), received_at=RECEIVED)
    assert signal.assignees == ("ana@example.com", "bo@example.com")


@pytest.mark.parametrize(
    ("priority", "severity"),
    [
        (3, "P3"),
        (1, "P1"),
        (5.0, "P5"),
        ("P2", "P2"),
        (" p4 ", "P4"),
        ("2", "P2"),
        (9, "9"),
        (True, ""),
        (None, ""),
        ("urgent", "urgent"),
        ({"level": 1}, ""),
    ],
)
def test_opsgenie_priorities_of_every_shape_read_as_p1_to_p5(priority, severity):
    body = payload("opsgenie_create")
    body["alert"]["priority"] = priority
    (signal,) = read_signals("opsgenie", json.dumps(body).encode(), received_at=RECEIVED)
    assert signal.severity == severity


def test_an_opsgenie_priority_sent_as_a_number_is_mapped(client, team):
    hook = make_hook(team, "opsgenie", default_severity="SEV4", open_from="SEV4")
    hook.post(client, "opsgenie_captured_create_priority_number")  # "priority": 3
    assert Incident.objects.get().severity == "SEV3"


def test_opsgenie_signals_name_the_grouping_and_the_owner(team):
    (signal,) = _read("opsgenie", "opsgenie_docs_create")
    assert (signal.group_key, signal.severity) == ("aliastest", "")
    body = payload("opsgenie_docs_acknowledge")
    body["alert"]["owner"] = "user2@ifountain.com"
    (signal,) = read_signals("opsgenie", json.dumps(body).encode(), received_at=RECEIVED)
    assert signal.assignees == ("user2@ifountain.com",)


def test_grafana_alerts_without_a_severity_label_take_the_default(client, team):
    hook = make_hook(team, "grafana", default_severity="SEV2")
    hook.post(client, "grafana_docs_two_alerts")
    # Both alerts are one group (one groupKey): one incident, at the default severity.
    ((title, severity),) = Incident.objects.values_list("title", "severity")
    assert severity == "SEV2"
    assert title.endswith("(and 1 more alert)")


def test_alertmanager_and_grafana_signals_name_the_service_from_the_labels(team):
    (signal,) = _read("alertmanager", "alertmanager_captured_resolved")
    assert signal.services == ("eric-pm-kube-state-metrics",)
    body = payload("alertmanager_captured_resolved")
    body["alerts"][0]["labels"]["service"] = "log-transformer"
    (signal,) = read_signals("grafana", json.dumps(body).encode(), received_at=RECEIVED)
    assert signal.services == ("log-transformer", "eric-pm-kube-state-metrics")
    assert all(s.services == () for s in _read("grafana", "grafana_docs_two_alerts"))

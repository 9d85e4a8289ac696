"""Every alert a receiver gets is kept as a firing of its rule: each vendor's real
deliveries, repeats, flapping, late deliveries, alerts that open no incident, the
team's hours and who was on call."""

import copy
import datetime as dt

import pytest
import time_machine

from postmortems.alerting.oncall.models import OnCallPolicy, Rotation, RotationOverride, Shift
from postmortems.models import AlertRule, Firing, Incident
from tests.alerting.support import alertmanager, make_hook, payload
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
FIRED = dt.datetime(2026, 11, 2, 10, 42, tzinfo=dt.UTC)  # a Monday
RESOLVED = dt.datetime(2026, 11, 2, 11, 30, tzinfo=dt.UTC)
RUNBOOK = "https://runbooks.example.com/checkout/high-error-rate"


def _at(moment: dt.datetime):
    return time_machine.travel(moment, tick=False)


def _firings(**filters) -> list[Firing]:
    return list(Firing.objects.filter(**filters).order_by("fired_at", "pk"))


def _with_runbook(name: str = "alertmanager_firing", **changes) -> dict:
    body = alertmanager(name, **changes)
    body["alerts"][0]["annotations"]["runbook_url"] = RUNBOOK
    return body


# Each vendor's deliveries


def test_an_alertmanager_alert_is_kept_with_its_rule_labels_runbook_and_incident(client, team):
    hook = make_hook(team)
    with _at(FIRED + dt.timedelta(seconds=5)):
        hook.post(client, _with_runbook())
    firing = Firing.objects.get()
    rule = AlertRule.objects.get()
    assert (rule.name, rule.team, rule.integration) == ("HighErrorRate", team, hook.integration)
    assert rule.runbook_url == RUNBOOK
    assert firing.rule == rule
    assert firing.team == team
    assert firing.external_key == "c4d5e6f708192a3b"
    assert firing.labels == {
        "alertname": "HighErrorRate",
        "instance": "checkout-1:8080",
        "job": "checkout",
        "severity": "critical",
    }
    assert (firing.severity_sent, firing.severity, firing.channel) == ("critical", "SEV1", "phone")
    assert firing.runbook_url == RUNBOOK
    assert firing.source_url.startswith("http://prometheus.example.com:9090/graph")
    assert (firing.started_at, firing.fired_at, firing.resolved_at) == (FIRED, FIRED, None)
    assert firing.incident == Incident.objects.get()
    assert firing.acted_on  # tied to an incident
    assert firing.latest
    assert (firing.repeats, firing.flapping) == (0, False)

    with _at(RESOLVED + dt.timedelta(seconds=5)):
        hook.post(client, "alertmanager_resolved")  # no runbook annotation this time
    firing.refresh_from_db()
    assert firing.resolved_at == RESOLVED
    assert firing.resolved_by == ""  # Alertmanager names nobody
    rule.refresh_from_db()
    assert rule.runbook_url == ""  # the latest link: none now
    assert rule.last_seen_at == RESOLVED + dt.timedelta(seconds=5)
    assert rule.first_seen_at == FIRED + dt.timedelta(seconds=5)


def test_grafanas_documented_delivery_keeps_both_alerts_with_their_runbook(client, team):
    hook = make_hook(team, "grafana")
    hook.post(client, "grafana_docs_two_alerts")
    firings = _firings()
    assert len(firings) == 2
    assert {f.runbook_url for f in firings} == {"https://myrunbook.com/runbook/1234"}
    assert {f.severity_sent for f in firings} == {""}  # no severity label
    assert {f.severity for f in firings} == {hook.integration.default_severity}
    assert {(f.rule.name, f.labels["zone"]) for f in firings} == {
        ("High memory usage", "us-1"),
        ("High CPU usage", "eu-1"),
    }
    assert {r.runbook_url for r in AlertRule.objects.all()} == {
        "https://myrunbook.com/runbook/1234"
    }


def test_pagerduty_says_who_was_notified_acknowledged_and_resolved(client, team):
    hook = make_hook(team, "pagerduty")
    hook.post(client, "pagerduty_triggered")
    hook.post(client, "pagerduty_acknowledged")
    hook.post(client, "pagerduty_resolved")
    firing = Firing.objects.get()
    assert firing.rule.name == firing.rule.integration.rules.get().name
    assert firing.external_key == "PGR0VU2"
    assert (firing.severity_sent, firing.severity) == ("P2", "SEV2")
    assert firing.notified == ["User 123"]
    assert firing.fired_at == FIRED
    assert firing.acknowledged_at == dt.datetime(2026, 11, 2, 10, 50, tzinfo=dt.UTC)
    assert firing.acknowledged_by == "Tenex Engineer"
    assert (firing.resolved_at, firing.resolved_by) == (RESOLVED, "Tenex Engineer")
    assert firing.runbook_url == ""  # V3 webhooks carry no custom details
    assert firing.source_url == "https://acme.pagerduty.com/incidents/PGR0VU2"
    assert firing.repeats == 0  # an acknowledgement is no repeat


def test_pagerdutys_captured_deliveries_name_the_person_who_resolved(client, team):
    hook = make_hook(team, "pagerduty")
    hook.post(client, "pagerduty_captured_triggered")
    hook.post(client, "pagerduty_captured_resolved")
    firing = Firing.objects.get()
    assert firing.notified == ["Ben"]
    assert (firing.severity_sent, firing.resolved_by) == ("low", "Ben")
    assert firing.resolved_at == dt.datetime(2025, 4, 7, 3, 49, 36, 358000, tzinfo=dt.UTC)


def test_a_pagerduty_priority_change_sets_the_open_firings_severity(client, team):
    hook = make_hook(team, "pagerduty")
    hook.post(client, "pagerduty_triggered")
    hook.post(client, "pagerduty_docs_priority_updated")  # the same incident, now P1
    firing = Firing.objects.get()
    assert (firing.severity_sent, firing.severity, firing.channel) == ("P1", "SEV1", "phone")
    assert firing.repeats == 0


def test_opsgenie_keeps_its_runbook_detail_responders_and_the_people_who_acted(client, team):
    hook = make_hook(team, "opsgenie")
    create = payload("opsgenie_create")
    create["alert"]["details"]["runbook"] = RUNBOOK
    hook.post(client, create)
    firing = Firing.objects.get()
    assert firing.runbook_url == RUNBOOK
    assert firing.notified == ["Orders"]  # the responding team
    hook.post(client, "opsgenie_acknowledge")
    hook.post(client, "opsgenie_close")
    firing.refresh_from_db()
    assert firing.acknowledged_by == "oncall@example.com"
    assert firing.resolved_by == "oncall@example.com"
    assert firing.resolved_at == RESOLVED
    assert (firing.severity_sent, firing.severity) == ("P1", "SEV1")


def test_opsgenies_documented_create_lists_its_recipients(client, team):
    hook = make_hook(team, "opsgenie")
    hook.post(client, "opsgenie_docs_create")
    firing = Firing.objects.get()
    assert firing.notified == ["recipient1", "recipient2"]
    assert firing.acknowledged_by == firing.resolved_by == ""


def test_test_notifications_are_not_kept(client, team):
    make_hook(team, "grafana").post(client, "grafana_test_notification")
    make_hook(team, "pagerduty").post(client, "pagerduty_captured_ping")
    assert not Firing.objects.exists()
    assert not AlertRule.objects.exists()


# Alerts that open no incident, and what a person did


def test_an_alert_below_open_from_is_kept_with_no_incident(client, team):
    hook = make_hook(team, open_from="SEV2")
    warning = _with_runbook(labels={"alertname": "SlowDisk", "severity": "warning"})
    assert hook.post(client, warning).json()["outcome"] == "ignored"
    assert hook.post(client, warning).json()["outcome"] == "ignored"
    firing = Firing.objects.get()
    assert not Incident.objects.exists()
    assert (firing.rule.name, firing.incident, firing.acted_on) == ("SlowDisk", None, False)
    assert (firing.severity, firing.channel, firing.repeats) == ("SEV3", "chat", 1)


def test_a_priority_change_of_an_alert_never_seen_is_kept(client, team):
    hook = make_hook(team, "pagerduty")
    assert hook.post(client, "pagerduty_docs_priority_updated").json()["outcome"] == "ignored"
    firing = Firing.objects.get()
    assert (firing.severity_sent, firing.incident, firing.resolved_at) == ("P1", None, None)


def test_acknowledged_then_resolved_by_a_person_is_acted_on_without_an_incident(client, team):
    hook = make_hook(team, "opsgenie", open_from="SEV1")
    create = payload("opsgenie_create")
    create["alert"]["priority"] = "P3"
    hook.post(client, create)
    assert not Incident.objects.exists()
    assert not Firing.objects.get().acted_on
    for name in ("opsgenie_acknowledge", "opsgenie_close"):
        body = payload(name)
        body["alert"]["priority"] = "P3"
        hook.post(client, body)
    assert Firing.objects.get().acted_on


def test_closed_by_opsgenie_itself_is_not_acted_on(client, team):
    hook = make_hook(team, "opsgenie", open_from="SEV1")
    create = payload("opsgenie_create")
    create["alert"]["priority"] = "P3"
    hook.post(client, create)
    hook.post(client, copy.deepcopy(create) | {"action": "Acknowledge"})
    close = payload("opsgenie_close")
    close["alert"].update(username="System", priority="P3")
    hook.post(client, close)
    firing = Firing.objects.get()
    assert firing.acknowledged_at is not None
    assert (firing.resolved_by, firing.acted_on) == ("", False)
    assert firing.resolved_at == RESOLVED


# Repeats, flapping, late deliveries


def test_a_repeated_notification_counts_a_repeat_of_the_same_firing(client, team):
    hook = make_hook(team)
    for minutes in (0, 5, 10):
        with _at(FIRED + dt.timedelta(minutes=minutes, seconds=5)):
            hook.post(client, "alertmanager_firing")
    firing = Firing.objects.get()
    assert firing.repeats == 2
    assert firing.updated_at == FIRED + dt.timedelta(minutes=10, seconds=5)


def test_an_alert_firing_again_soon_after_its_resolution_is_flapping(client, team, settings):
    settings.ALERT_FLAP_WINDOW_MINUTES = 20
    hook = make_hook(team, refire_window=20)
    hook.post(client, "alertmanager_firing")
    hook.post(client, "alertmanager_resolved")
    hook.post(client, alertmanager(startsAt="2026-11-02T11:45:00Z"))  # 15 min later
    hook.post(
        client,
        alertmanager(
            "alertmanager_resolved", startsAt="2026-11-02T11:45:00Z", endsAt="2026-11-02T12:00:00Z"
        ),
    )
    hook.post(client, alertmanager(startsAt="2026-11-02T12:25:00Z"))  # 25 min later
    first, second, third = _firings()
    assert [f.latest for f in (first, second, third)] == [False, False, True]
    assert [f.flapping for f in (first, second, third)] == [False, True, False]
    assert second.fired_at == dt.datetime(2026, 11, 2, 11, 45, tzinfo=dt.UTC)
    assert second.resolved_at == dt.datetime(2026, 11, 2, 12, 0, tzinfo=dt.UTC)
    assert third.resolved_at is None
    # The first two episodes reopened one incident; the third opened another.
    assert first.incident == second.incident != third.incident
    assert Incident.objects.count() == 2


def test_a_late_resolution_of_an_earlier_episode_changes_nothing(client, team):
    hook = make_hook(team, refire_window=30)
    hook.post(client, "alertmanager_firing")
    hook.post(client, "alertmanager_resolved")
    hook.post(client, alertmanager(startsAt="2026-11-02T11:40:00Z"))
    hook.post(client, "alertmanager_resolved")  # the first resolution again
    old, new = _firings()
    assert (old.resolved_at, new.resolved_at) == (RESOLVED, None)
    assert new.flapping


def test_an_episode_seen_only_as_its_resolution_is_kept_resolved(client, team):
    """Alertmanager: the alert fired and resolved again between two notifications of
    its group, so the second episode arrives only as a resolution, with a later start."""
    hook = make_hook(team)
    hook.post(client, "alertmanager_firing")
    hook.post(client, "alertmanager_resolved")
    hook.post(client, "alertmanager_resolved")  # sent again: nothing new
    hook.post(
        client,
        alertmanager(
            "alertmanager_resolved", startsAt="2026-11-02T11:50:00Z", endsAt="2026-11-02T12:05:00Z"
        ),
    )
    old, new = _firings()
    assert (old.resolved_at, old.latest) == (RESOLVED, False)
    assert (new.fired_at, new.resolved_at) == (
        dt.datetime(2026, 11, 2, 11, 50, tzinfo=dt.UTC),
        dt.datetime(2026, 11, 2, 12, 5, tzinfo=dt.UTC),
    )
    assert (new.latest, new.flapping) == (True, True)


def test_an_alert_resolved_by_timeout_fires_again_with_its_first_start_and_resolves(client, team):
    """Alertmanager re-sends an alert it resolved by resolve_timeout with its original
    startsAt: a new episode from when it came back, resolved by its true end."""
    hook = make_hook(team)
    with _at(FIRED + dt.timedelta(seconds=5)):
        hook.post(client, "alertmanager_firing")
    with _at(RESOLVED + dt.timedelta(seconds=5)):
        hook.post(client, "alertmanager_resolved")
    back = RESOLVED + dt.timedelta(minutes=3)
    with _at(back):
        hook.post(client, "alertmanager_firing")  # startsAt 10:42 again
    with _at(back + dt.timedelta(minutes=20)):
        hook.post(
            client,
            alertmanager(
                "alertmanager_resolved",
                startsAt="2026-11-02T10:42:00Z",
                endsAt="2026-11-02T11:50:00Z",
            ),
        )
    old, new = _firings()
    assert (new.started_at, new.fired_at, new.flapping) == (FIRED, back, True)
    assert new.resolved_at == dt.datetime(2026, 11, 2, 11, 50, tzinfo=dt.UTC)
    assert old.resolved_at == RESOLVED


def test_an_alertmanager_delivery_received_before_the_last_one_applied_changes_nothing(
    client, team
):
    hook = make_hook(team)
    with _at(RESOLVED + dt.timedelta(seconds=5)):
        hook.post(client, "alertmanager_resolved")
    with _at(RESOLVED):  # received earlier, applied later
        hook.post(client, "alertmanager_firing")
    firing = Firing.objects.get()
    assert (firing.resolved_at, firing.repeats) == (RESOLVED, 0)


def test_a_late_pagerduty_triggering_after_the_resolution_changes_nothing(client, team):
    hook = make_hook(team, "pagerduty")
    hook.post(client, "pagerduty_resolved")
    hook.post(client, "pagerduty_triggered")
    hook.post(client, "pagerduty_acknowledged")
    firing = Firing.objects.get()
    assert (firing.fired_at, firing.resolved_at) == (FIRED, RESOLVED)
    assert firing.resolved_by == "Tenex Engineer"
    assert firing.acknowledged_at is None


def test_a_late_opsgenie_create_after_the_close_is_no_new_firing(client, team):
    hook = make_hook(team, "opsgenie")
    hook.post(client, "opsgenie_create")
    hook.post(client, "opsgenie_close")
    hook.post(client, "opsgenie_create")  # a retry of the first delivery, late
    firing = Firing.objects.get()
    assert (firing.resolved_at, firing.repeats) == (RESOLVED, 0)


# The team's hours and who was on call


def test_hours_and_nights_are_the_teams_in_its_own_time_zone(client, team):
    OnCallPolicy.objects.create(team=team, time_zone="America/New_York")
    hook = make_hook(team, open_from="SEV1")
    early = dt.datetime(2026, 11, 2, 10, 42, tzinfo=dt.UTC)  # 05:42 in New York, Monday
    midday = dt.datetime(2026, 11, 2, 16, 0, tzinfo=dt.UTC)  # 11:00 in New York
    with _at(midday + dt.timedelta(minutes=1)):
        hook.post(client, alertmanager(fingerprint="early", startsAt="2026-11-02T10:42:00Z"))
        hook.post(client, alertmanager(fingerprint="midday", startsAt="2026-11-02T16:00:00Z"))
    by_key = {f.external_key: f for f in Firing.objects.all()}
    assert by_key["early"].fired_at == early
    assert (by_key["early"].out_of_hours, by_key["early"].at_night) == (True, True)
    assert (by_key["midday"].out_of_hours, by_key["midday"].at_night) == (False, False)
    # In UTC the early one would have been in working hours.
    assert early.hour == 10


def test_the_rotations_primary_when_it_fired_is_on_call(client, team, owner):
    rotation = Rotation.objects.create(team=team, name="Primary", starts_on=dt.date(2026, 11, 2))
    Shift.objects.create(
        rotation=rotation,
        user=owner,
        starts_at=dt.datetime(2026, 11, 2, 10, tzinfo=dt.UTC),
        ends_at=dt.datetime(2026, 11, 9, 10, tzinfo=dt.UTC),
    )
    stand_in = UserFactory()
    RotationOverride.objects.create(
        rotation=rotation,
        user=stand_in,
        starts_at=dt.datetime(2026, 11, 2, 12, tzinfo=dt.UTC),
        ends_at=dt.datetime(2026, 11, 2, 14, tzinfo=dt.UTC),
    )
    hook = make_hook(team, rotation=rotation)
    hook.post(client, "alertmanager_firing")  # 10:42: the shift's
    hook.post(client, alertmanager(fingerprint="later", startsAt="2026-11-02T13:00:00Z"))
    hook.post(client, alertmanager(fingerprint="before", startsAt="2026-11-02T09:00:00Z"))
    by_key = {f.external_key: f for f in Firing.objects.all()}
    assert by_key["c4d5e6f708192a3b"].on_call == owner
    assert by_key["later"].on_call == stand_in  # the override wins
    assert by_key["before"].on_call is None  # nobody's shift yet
    assert {f.rotation for f in by_key.values()} == {rotation}


def test_without_a_rotation_nobody_is_on_call(client, team):
    make_hook(team).post(client, "alertmanager_firing")
    firing = Firing.objects.get()
    assert (firing.on_call, firing.rotation) == (None, None)

"""Firings in an alert storm: the statements a delivery costs do not grow with its
alerts, concurrent deliveries of one new episode keep one newest firing and lose no
repeat (PostgreSQL), and old firings no incident needs are pruned."""

import copy
import datetime as dt
import threading

import pytest
import time_machine
from django.conf import settings as django_settings
from django.db import connection
from django.test import Client

from postmortems.alerting.firings import retention
from postmortems.alerting.firings.retention import firings_prune
from postmortems.alerting.tasks import prune_alert_firings
from postmortems.models import AlertDelivery, AlertRule, Firing, Incident
from tests.alerting.support import make_hook, payload
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db
FIRED = dt.datetime(2026, 11, 2, 10, 42, tzinfo=dt.UTC)


def _group(size: int, *, resolved: bool = False) -> dict:
    """An Alertmanager notification of one group of `size` alerts of one rule (the
    recorded payload's alert, one per instance)."""
    body = copy.deepcopy(payload("alertmanager_firing"))
    template = body["alerts"][0]
    template["annotations"]["runbook_url"] = "https://runbooks.example.com/high-error-rate"
    body["alerts"] = []
    for n in range(size):
        alert = copy.deepcopy(template)
        alert["fingerprint"] = f"{n:016x}"
        alert["labels"]["instance"] = f"checkout-{n}:8080"
        if resolved:
            alert["status"] = "resolved"
            alert["endsAt"] = "2026-11-02T11:30:00Z"
        body["alerts"].append(alert)
    body["status"] = "resolved" if resolved else "firing"
    return body


# Statements per delivery


def test_a_delivery_of_500_alerts_costs_the_statements_of_a_delivery_of_one(
    postgres, client, team, django_assert_num_queries
):
    """On PostgreSQL every insert and update of a delivery is one statement (SQLite
    splits them at 999 values: test_alert_groups.py pins 1 and 30 alerts there). The
    firings add 7 statements: the team's policy, the rules written and read, the
    savepoint, the newest firings locked, their insert or update; and an 8th to
    refresh the rule's last sighting when it is a minute old."""
    for size in (1, 500):
        hook = make_hook(team, name=f"storm of {size}")
        with (
            time_machine.travel(FIRED + dt.timedelta(seconds=5), tick=False),
            django_assert_num_queries(39),  # and the incident number's lock
        ):
            hook.post(client, _group(size))
        with (
            time_machine.travel(FIRED + dt.timedelta(minutes=5), tick=False),
            django_assert_num_queries(20),
        ):
            hook.post(client, _group(size))  # a repeat
        with (
            time_machine.travel(FIRED + dt.timedelta(minutes=50), tick=False),
            django_assert_num_queries(41),
        ):
            hook.post(client, _group(size, resolved=True))
        firings = Firing.objects.filter(integration=hook.integration)
        assert firings.count() == size
        assert set(firings.values_list("repeats", "resolved_at")) == {
            (1, dt.datetime(2026, 11, 2, 11, 30, tzinfo=dt.UTC))
        }
        assert AlertRule.objects.filter(integration=hook.integration).count() == 1


def test_a_rotation_adds_the_two_statements_of_who_was_on_call(
    client, team, django_assert_num_queries
):
    from postmortems.alerting.oncall.models import Rotation

    rotation = Rotation.objects.create(team=team, name="Primary", starts_on=dt.date(2026, 11, 2))
    hook = make_hook(team, rotation=rotation)
    numbering = 1 if connection.vendor == "postgresql" else 0  # the incident number's lock
    with django_assert_num_queries(40 + numbering):  # 38, the shifts and overrides around it
        hook.post(client, _group(1))
    with django_assert_num_queries(19):  # a repeat: no new firing, no question asked
        hook.post(client, _group(1))


# Concurrent deliveries


@pytest.mark.django_db(transaction=True)
def test_concurrent_deliveries_of_a_new_alert_keep_one_newest_firing_and_every_repeat(
    postgres, team
):
    """Deliveries of the same alert at the same moment, each on its own connection. The
    alert opens no incident (below `open_from`), so no group lock holds them apart: the
    partial unique constraint does, and the later inserts apply again as repeats."""
    hook = make_hook(team, "opsgenie", open_from="SEV1")
    body = payload("opsgenie_create")
    body["alert"]["priority"] = "P3"
    # The rule exists (another alert of it fired): a new rule's insert would hold the
    # deliveries apart until the first commits.
    hook.post(Client(), copy.deepcopy(body) | {"alert": body["alert"] | {"alias": "other"}})
    count = 4
    barrier = threading.Barrier(count)
    statuses: list[int] = []

    def deliver():
        try:
            barrier.wait(timeout=10)
            statuses.append(hook.post(Client(), body).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert statuses == [200] * count
    firing = Firing.objects.exclude(external_key="other").get()  # one row, the newest
    assert firing.latest
    assert firing.repeats == count - 1  # nothing lost
    assert AlertRule.objects.count() == 1
    assert AlertDelivery.objects.filter(http_status=200).count() == count + 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_storms_of_one_group_keep_one_firing_per_alert(postgres, team):
    """Alertmanager deliveries of a 200-alert group below `open_from`, at once: every
    alert one newest firing, and each delivery either counted or found out of date."""
    hook = make_hook(team, open_from="SEV1")
    body = _group(200)
    for alert in body["alerts"]:
        alert["labels"]["severity"] = "warning"
    first = copy.deepcopy(body)
    first["alerts"] = [dict(body["alerts"][0], fingerprint="another")]
    hook.post(Client(), first)  # the rule exists
    count = 3
    barrier = threading.Barrier(count)
    statuses: list[int] = []

    def deliver():
        try:
            barrier.wait(timeout=10)
            statuses.append(hook.post(Client(), body).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert statuses == [200] * count
    storm = Firing.objects.exclude(external_key="another")
    assert storm.filter(latest=True).count() == storm.count() == 200
    repeats = set(storm.values_list("repeats", flat=True))
    assert len(repeats) == 1  # each delivery applied to all 200 alerts, or to none
    assert repeats.pop() <= count - 1


@pytest.mark.django_db(transaction=True)
def test_a_storm_of_new_groups_from_every_worker_opens_every_incident(postgres, team):
    """Deliveries of new groups from many senders at once each open an incident: the
    incident numbers queue (services/incidents.py, _next_number) instead of failing
    the deliveries that lose the unique number to each other."""
    hook = make_hook(team)
    senders, each = 6, 4
    barrier = threading.Barrier(senders)
    statuses: list[int] = []

    def deliver(sender: int):
        try:
            client = Client()
            barrier.wait(timeout=10)
            for n in range(each):
                body = _group(1)
                body["groupKey"] = f'{{}}:{{instance="{sender}-{n}"}}'
                body["alerts"][0]["fingerprint"] = f"{sender}-{n}"
                statuses.append(hook.post(client, body).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver, args=[s]) for s in range(senders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert statuses == [200] * senders * each
    numbers = sorted(Incident.objects.values_list("number", flat=True))
    assert numbers == list(range(1, senders * each + 1))
    assert Firing.objects.exclude(incident=None).count() == senders * each


# Retention


def _firing(rule: AlertRule, key: str, *, fired_at, resolved=True, incident=None) -> Firing:
    return Firing.objects.create(
        rule=rule,
        team=rule.team,
        integration=rule.integration,
        external_key=key,
        fired_at=fired_at,
        resolved_at=fired_at + dt.timedelta(minutes=5) if resolved else None,
        incident=incident,
    )


def test_old_resolved_firings_no_incident_needs_are_pruned_with_their_rules(
    team, settings, monkeypatch
):
    settings.ALERT_FIRING_RETENTION_DAYS = 30
    monkeypatch.setattr(retention, "BATCH", 2)  # several batches
    now = dt.datetime(2026, 12, 6, 12, 0, tzinfo=dt.UTC)
    old, recent = now - dt.timedelta(days=31), now - dt.timedelta(days=29)
    integration = make_hook(team).integration
    noisy = AlertRule.objects.create(
        integration=integration, team=team, name="Noisy", last_seen_at=old
    )
    kept = AlertRule.objects.create(
        integration=integration, team=team, name="Kept", last_seen_at=old
    )
    quiet = AlertRule.objects.create(
        integration=integration, team=team, name="Quiet", last_seen_at=recent
    )
    for n in range(5):
        _firing(noisy, f"noisy-{n}", fired_at=old - dt.timedelta(hours=n))
    incident = IncidentFactory(team=team)
    with_incident = _firing(kept, "with-incident", fired_at=old, incident=incident)
    still_firing = _firing(kept, "still-firing", fired_at=old, resolved=False)
    young = _firing(kept, "young", fired_at=recent)

    assert firings_prune(now=now) == (5, 1)
    assert set(Firing.objects.all()) == {with_incident, still_firing, young}
    assert set(AlertRule.objects.all()) == {kept, quiet}  # Quiet: seen within the window
    assert firings_prune(now=now) == (0, 0)


def test_the_hourly_task_prunes_firings_and_beat_runs_it(team, settings):
    settings.ALERT_FIRING_RETENTION_DAYS = 1
    integration = make_hook(team).integration
    rule = AlertRule.objects.create(
        integration=integration, team=team, name="Old", last_seen_at=FIRED
    )
    _firing(rule, "old", fired_at=FIRED)
    with time_machine.travel(FIRED + dt.timedelta(days=2), tick=False):
        assert tuple(prune_alert_firings.apply().get()) == (1, 1)
    entry = django_settings.CELERY_BEAT_SCHEDULE["prune-alert-firings"]
    assert entry["task"] == "postmortems.alerting.tasks.prune_alert_firings"
    assert entry["schedule"] == 3600

"""The demo's on-call and alert history: what the alert and on-call pages show a new user
(the data is loaded once, time frozen at NOW)."""

import itertools
import math
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection, transaction

from accounts.models import Team, User
from postmortems.alerting.firings.models import AlertRule, Firing
from postmortems.alerting.integrations import DEFAULT_SEVERITY_MAPS
from postmortems.alerting.models import AlertIntegration
from postmortems.alerting.oncall.models import (
    OnCallPolicy,
    Role,
    Rotation,
    RotationOverride,
)
from postmortems.alerting.oncall.policy import channel_for, is_night, is_out_of_hours
from postmortems.alerting.oncall.selectors import primaries_at
from postmortems.demo import content
from postmortems.demo.alerts import seed_alerts
from postmortems.demo.seed import seed_demo
from postmortems.models import Incident
from tests.demo.alert_verdicts import OLDER, PROBLEMS, problems

NOW = datetime(2025, 3, 14, 12, 0, tzinfo=UTC)
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture(scope="module")
def _demo_loaded(django_db_setup, django_db_blocker) -> Iterator[None]:
    with django_db_blocker.unblock(), transaction.atomic():
        with time_machine.travel(NOW, tick=False):
            seed_demo(now=NOW)
        yield
        transaction.set_rollback(True)


@pytest.fixture
def seeded(_demo_loaded, db) -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


def test_each_demo_rule_gets_its_intended_verdict_over_the_eight_weeks(seeded):
    assert problems(56, NOW) == PROBLEMS


def test_the_last_30_days_give_the_same_verdicts(seeded):
    assert problems(30, NOW) == {name: p for name, p in PROBLEMS.items() if name not in OLDER}


def test_the_noisy_rule_pages_at_night_flaps_and_is_rarely_acted_on(seeded):
    firings = Firing.objects.filter(rule__name="HighCPUUsage")
    total = firings.count()
    assert total >= 150
    assert firings.filter(channel="phone", at_night=True).count() > total / 2
    assert firings.filter(flapping=True).count() >= 0.3 * total
    assert firings.filter(acted_on=True).count() < 0.1 * total
    assert not firings.filter(incident__isnull=False).exists()


def test_the_history_is_a_few_hundred_firings_over_eight_weeks(seeded):
    assert 200 <= Firing.objects.count() <= 400
    assert not Firing.objects.filter(fired_at__lt=NOW - timedelta(days=56)).exists()
    assert not Firing.objects.filter(fired_at__gt=NOW).exists()
    assert not Firing.objects.filter(resolved_at__gt=NOW).exists()
    # The alert of the incident under way is still firing.
    open_firing = Firing.objects.get(resolved_at__isnull=True)
    assert open_firing.incident.title == "Elevated 502s from eu-west load balancers"


def test_firings_are_marked_by_the_team_policy_and_the_rotation(seeded):
    policies = {policy.team_id: policy for policy in OnCallPolicy.objects.all()}
    firings = list(Firing.objects.select_related("integration"))
    for firing in firings:
        policy = policies[firing.team_id]
        assert firing.channel == channel_for(policy, firing.severity)
        assert firing.out_of_hours == is_out_of_hours(policy, firing.fired_at)
        assert firing.at_night == is_night(policy, firing.fired_at)
        assert firing.rotation_id == firing.integration.rotation_id
    for rotation in Rotation.objects.all():
        mine = [firing for firing in firings if firing.rotation_id == rotation.pk]
        assert mine
        on_call = primaries_at(rotation_id=rotation.pk, moments=[f.fired_at for f in mine])
        for firing in mine:
            assert firing.on_call_id == on_call[firing.fired_at] is not None


def test_the_person_an_incident_says_was_paged_was_primary_when_its_alert_fired(seeded):
    users = {key: email for key, _name, email, _zone, _teams in content.USERS}
    ties = [
        (rule["name"], tie)
        for rule in content.ALERTS["rules"]
        for tie in rule.get("incidents", [])
        if "paged" in tie
    ]
    assert len(ties) >= 6
    for name, tie in ties:
        firing = Firing.objects.select_related("on_call").get(
            rule__name=name, incident__title=tie["incident"]
        )
        assert firing.on_call.email == users[tie["paged"]], tie["incident"]


def test_firings_tied_to_incidents_were_acted_on_and_acknowledged_by_a_person(seeded):
    tied = Firing.objects.filter(incident__isnull=False)
    assert tied.count() >= 10
    assert not tied.filter(acted_on=False).exists()
    assert not tied.filter(acknowledged_by="").exists()
    # The restricted incident was found by security's own scanner: no firing points at it.
    assert not tied.filter(incident__restricted=True).exists()
    untied_acted = Firing.objects.filter(incident__isnull=True, acted_on=True)
    assert untied_acted.exists()
    assert not untied_acted.filter(resolved_by="").exists()
    assert not untied_acted.filter(acknowledged_at__isnull=True).exists()


def test_the_incidents_no_alert_caught_have_no_firings(seeded):
    uncaught = Incident.objects.filter(title__in=content.ALERTS["uncaught"])
    assert uncaught.count() == len(content.ALERTS["uncaught"]) == 2
    for incident in uncaught:
        assert not incident.firings.exists()
        # Its team's alerts fired in those weeks: they just missed this one.
        assert Firing.objects.filter(team_id=incident.team_id).exists()
    assert uncaught.filter(postmortem__status="published").exists()


def test_the_certificate_alert_opened_incidents_that_ended_sev4(seeded):
    tied = Firing.objects.filter(rule__name="CertificateExpiresSoon", incident__isnull=False)
    assert tied.count() == 2
    for firing in tied:
        assert firing.severity == "SEV1"
        assert firing.incident.severity == "SEV4"
        assert firing.is_page
        assert firing.out_of_hours


def test_each_team_has_a_policy_and_an_alertmanager_integration_with_the_default_map(seeded):
    for team in Team.objects.all():
        assert team.oncall_policy.time_zone != "UTC"
        integration = AlertIntegration.objects.get(team=team)
        assert integration.kind == AlertIntegration.Kind.ALERTMANAGER
        assert integration.severity_map == DEFAULT_SEVERITY_MAPS[integration.kind]
        assert integration.token_hash
    platform = AlertIntegration.objects.get(team__slug="platform")
    assert platform.rotation.name == "Platform on-call"


def test_a_rules_runbook_link_is_its_latest_firings(seeded):
    for rule in AlertRule.objects.all():
        latest = rule.firings.order_by("-fired_at").first()
        assert rule.runbook_url == latest.runbook_url
        assert rule.first_seen_at <= rule.last_seen_at == latest.fired_at
    assert AlertRule.objects.get(name="DiskAlmostFull").runbook_url == ""


def test_each_alert_has_one_newest_episode(seeded):
    keys = set(Firing.objects.values_list("integration_id", "external_key"))
    assert Firing.objects.filter(latest=True).count() == len(keys)


def test_the_platform_rotation_has_five_people_and_a_secondary(seeded):
    rotation = Rotation.objects.get(team__slug="platform")
    assert rotation.members.count() == 5
    assert rotation.has_secondary
    assert rotation.time_zone == "Europe/Berlin"
    for member in rotation.members.select_related("user"):
        assert member.user.memberships.filter(team=rotation.team).exists()


def test_the_payments_rotation_has_three_people_for_the_fewer_than_four_warning(seeded):
    rotation = Rotation.objects.get(team__slug="payments")
    assert rotation.members.count() == 3
    assert not rotation.has_secondary
    assert not rotation.shifts.filter(role=Role.SECONDARY).exists()


def test_the_five_person_rotation_hands_over_weekly_without_gaps(seeded):
    rotation = Rotation.objects.get(team__slug="platform")
    for role in (Role.PRIMARY, Role.SECONDARY):
        shifts = list(rotation.shifts.filter(role=role).order_by("starts_at"))
        assert len(shifts) == 15
        assert shifts[0].starts_at <= NOW - timedelta(weeks=10)
        assert shifts[-1].ends_at >= NOW + timedelta(weeks=4)
        for before, after in itertools.pairwise(shifts):
            assert before.ends_at == after.starts_at
        for shift in shifts:
            local = shift.starts_at.astimezone(BERLIN)
            assert (local.weekday(), local.time()) == (0, time(10))
        # Each person takes a turn; primary and secondary are never the same person.
        assert len({shift.user_id for shift in shifts}) == 5
    # Summer time starts on 30 March 2025: that week is an hour shorter in UTC.
    lengths = {s.ends_at - s.starts_at for s in rotation.shifts.all()}
    assert lengths == {timedelta(weeks=1), timedelta(weeks=1) - timedelta(hours=1)}
    primaries = dict(rotation.shifts.filter(role=Role.PRIMARY).values_list("starts_at", "user"))
    for start, user in rotation.shifts.filter(role=Role.SECONDARY).values_list("starts_at", "user"):
        assert primaries[start] != user


def test_a_planned_override_lies_ahead(seeded):
    ahead = RotationOverride.objects.filter(starts_at__gt=NOW)
    assert ahead.count() == 1
    override = ahead.get()
    assert override.rotation.team.slug == "platform"
    assert override.ends_at - override.starts_at == timedelta(days=2)
    assert "conference" in override.reason


def test_the_alert_history_costs_a_few_dozen_queries_however_many_firings(
    seeded, django_assert_num_queries
):
    teams = {team.slug: team for team in Team.objects.all()}
    emails = {email: key for key, _name, email, _zone, _teams in content.USERS}
    users = {emails[user.email]: user for user in User.objects.filter(email__in=emails)}
    firings = Firing.objects.count()
    OnCallPolicy.objects.all().delete()
    AlertIntegration.objects.all().delete()
    Rotation.objects.all().delete()
    # The firings go in as many INSERTs as the database's bound-parameter limit needs
    # (one on PostgreSQL, several on SQLite); everything else is a fixed count.
    fields = [f for f in Firing._meta.concrete_fields if not f.primary_key]
    batch = min(500, connection.ops.bulk_batch_size(fields, [Firing()] * firings))

    with django_assert_num_queries(43 + math.ceil(firings / batch)):
        summary = seed_alerts(now=NOW, teams=teams, users=users)

    assert summary.firings == Firing.objects.count() == firings

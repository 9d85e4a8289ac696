"""The seed_demo command on an empty database: what it creates, and running it again."""

import io
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from accounts.models import Membership, Team, User
from postmortems.alerting.firings.models import AlertRule, Firing
from postmortems.alerting.models import AlertIntegration
from postmortems.alerting.oncall.models import (
    OnCallPolicy,
    Rotation,
    RotationMember,
    RotationOverride,
    Shift,
)
from postmortems.demo.seed import ADMIN_EMAIL, DEMO_PASSWORD, LEAD_EMAIL, MEMBER_EMAIL, seed_demo
from postmortems.models import ActionItem, Incident, Postmortem, Service, Tag, TimelineEvent

# A fixed `now` for seeding twice alike; the command itself uses timezone.now().
NOW = datetime(2025, 3, 14, 12, 0, tzinfo=UTC)
MODELS = (
    Team,
    Membership,
    User,
    Service,
    Tag,
    Incident,
    Postmortem,
    TimelineEvent,
    ActionItem,
    OnCallPolicy,
    AlertIntegration,
    Rotation,
    RotationMember,
    Shift,
    RotationOverride,
    AlertRule,
    Firing,
)


def _counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def _run_command() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


@pytest.fixture(scope="class")
def seeded(django_db_setup, django_db_blocker):
    """The command run once on the empty database for the tests that only read what it
    made (its output), and rolled back after them."""
    fast = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=fast),
        transaction.atomic(),
    ):
        yield _run_command()
        transaction.set_rollback(True)


@pytest.mark.django_db
class TestOneRun:
    def test_seed_demo_creates_teams_people_and_months_of_incidents(self, seeded):
        assert "Created demo data" in seeded
        assert set(Team.objects.values_list("name", flat=True)) == {
            "Platform",
            "Payments",
            "Data",
            "Mobile",
        }
        for team in Team.objects.all():
            assert 1 <= team.memberships.filter(role=Membership.Role.LEAD).count() <= 2
        assert User.objects.count() >= 14
        assert User.objects.filter(email=ADMIN_EMAIL, is_staff=True, is_superuser=True).exists()
        assert len(set(User.objects.values_list("time_zone", flat=True))) >= 5
        assert Incident.objects.count() >= 20
        assert Service.objects.filter(parent__isnull=False).count() >= 10
        oldest, newest = (
            Incident.objects.order_by("started_at").first(),
            Incident.objects.order_by("started_at").last(),
        )
        assert newest.started_at - oldest.started_at > timedelta(days=90)
        assert set(Incident.objects.values_list("severity", flat=True)) == {
            "SEV1",
            "SEV2",
            "SEV3",
            "SEV4",
        }

    def test_the_demo_people_sign_in_with_the_demo_password(self, seeded):
        lead = authenticate(None, email=LEAD_EMAIL, password=DEMO_PASSWORD)
        assert lead is not None
        assert lead.memberships.get(team__slug="platform").role == Membership.Role.LEAD
        assert authenticate(None, email=MEMBER_EMAIL, password=DEMO_PASSWORD) is not None
        assert authenticate(None, email=ADMIN_EMAIL, password=DEMO_PASSWORD).is_superuser
        assert authenticate(None, email=LEAD_EMAIL, password="wrong-password") is None


@pytest.mark.django_db
def test_running_seed_demo_twice_creates_nothing_new_and_prints_the_login():
    with time_machine.travel(NOW, tick=False):
        _run_command()
    before = _counts()
    assert before["Firing"] > 0

    with time_machine.travel(NOW + timedelta(days=1), tick=False):
        output = _run_command()

    assert _counts() == before
    assert "already loaded" in output
    assert f"{LEAD_EMAIL} / {DEMO_PASSWORD}" in output
    assert ADMIN_EMAIL in output


@pytest.mark.django_db
def test_the_same_now_gives_the_same_demo_data():
    def snapshot() -> list[tuple]:
        return [
            *Incident.objects.order_by("number").values_list(
                "number", "title", "started_at", "resolved_at", "owner__email"
            ),
            *ActionItem.objects.order_by("postmortem__incident__number", "title").values_list(
                "title", "owner__email", "due_date", "status", "tracker_url", "completed_at"
            ),
            *Shift.objects.order_by("rotation__name", "starts_at", "role").values_list(
                "rotation__name", "role", "user__email", "starts_at", "ends_at"
            ),
            *RotationOverride.objects.order_by("starts_at").values_list(
                "rotation__name", "user__email", "starts_at", "ends_at", "reason"
            ),
            *Firing.objects.order_by("rule__name", "fired_at", "external_key").values_list(
                "rule__name",
                "external_key",
                "labels",
                "severity_sent",
                "channel",
                "fired_at",
                "acknowledged_at",
                "resolved_at",
                "acknowledged_by",
                "on_call__email",
                "incident__number",
                "acted_on",
                "flapping",
                "latest",
                "out_of_hours",
                "at_night",
            ),
        ]

    with time_machine.travel(NOW, tick=False):
        with transaction.atomic():
            seed_demo(now=NOW)
            first = snapshot()
            transaction.set_rollback(True)
        seed_demo(now=NOW)

    assert first
    assert snapshot() == first

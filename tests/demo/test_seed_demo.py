"""The demo data: what a first look at the app shows (the data is loaded once)."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import transaction
from django.urls import reverse

from accounts.models import User
from postmortems.demo.seed import ADMIN_EMAIL, LEAD_EMAIL, MEMBER_EMAIL, seed_demo
from postmortems.models import ActionItem, Incident, Postmortem, TimelineEvent
from postmortems.permissions import visible_incidents

# A fixed `now` for the tests that look at times; the command itself uses timezone.now().
NOW = datetime(2025, 3, 14, 12, 0, tzinfo=UTC)
TODAY = NOW.date()


@pytest.fixture(scope="module")
def _demo_loaded(django_db_setup, django_db_blocker) -> Iterator[None]:
    """The demo data, loaded once for this module (loading takes seconds) and undone at
    its end. Every test here uses it."""
    with django_db_blocker.unblock(), transaction.atomic():
        seed_demo(now=NOW)
        yield
        transaction.set_rollback(True)


@pytest.fixture
def seeded(_demo_loaded, db) -> None:
    """Each test runs in a savepoint inside the loading transaction: what it writes is
    rolled back before the next test."""


def test_demo_postmortems_are_a_mix_of_published_in_review_and_drafts(seeded):
    published = Postmortem.objects.filter(status=Postmortem.Status.PUBLISHED)
    assert published.count() >= 5
    assert not published.filter(published_at__isnull=True).exists()
    assert not published.filter(published_at__gte=NOW).exists()
    assert Postmortem.objects.filter(status=Postmortem.Status.DRAFT).count() >= 2
    assert Postmortem.objects.filter(status=Postmortem.Status.IN_REVIEW).exists()
    for postmortem in published:
        assert all(getattr(postmortem, name) for name in Postmortem.SECTION_NAMES)
        assert 4 <= postmortem.timeline_events.count() <= 10
        assert 2 <= postmortem.action_items.count() <= 5


def test_resolved_incidents_without_a_postmortem_are_due_for_reminders(seeded):
    missing = Incident.objects.filter(
        status=Incident.Status.RESOLVED, postmortem__isnull=True, severity__in=["SEV1", "SEV2"]
    )
    # One past the 24-hour reminder (but not yet the escalation), one past the escalation.
    assert missing.filter(
        resolved_at__lt=NOW - timedelta(hours=24), resolved_at__gt=NOW - timedelta(hours=72)
    ).exists()
    assert missing.filter(resolved_at__lt=NOW - timedelta(hours=72)).exists()


def test_recent_incidents_are_still_open_and_one_incident_is_restricted(seeded):
    assert Incident.objects.filter(status=Incident.Status.INVESTIGATING).exists()
    assert Incident.objects.filter(status=Incident.Status.MITIGATED).exists()
    assert not Incident.objects.filter(started_at__gt=NOW).exists()
    restricted = Incident.objects.get(restricted=True)
    lead = User.objects.get(email=LEAD_EMAIL)
    assert not visible_incidents(lead).filter(pk=restricted.pk).exists()
    admin = User.objects.get(email=ADMIN_EMAIL)
    assert visible_incidents(admin).filter(pk=restricted.pk).exists()


def test_action_items_are_overdue_upcoming_done_and_wont_do(seeded):
    unfinished = ActionItem.objects.filter(status__in=["open", "in_progress"])
    assert unfinished.filter(due_date__lt=TODAY).count() >= 3
    assert unfinished.filter(due_date__gte=TODAY, due_date__lte=TODAY + timedelta(days=7)).exists()
    for item in ActionItem.objects.filter(status=ActionItem.Status.DONE):
        assert item.created_at < item.completed_at < NOW
    wont_do = ActionItem.objects.get(status=ActionItem.Status.WONT_DO)
    assert wont_do.wont_do_reason
    assert ActionItem.objects.filter(
        tracker_url__startswith="https://tracker.example.com/"
    ).exists()


def test_action_item_owners_belong_to_the_owning_team(seeded):
    for item in ActionItem.objects.select_related("postmortem__incident", "owner"):
        team_id = item.postmortem.incident.team_id
        assert item.owner.memberships.filter(team_id=team_id).exists(), item


def test_timeline_events_fit_the_incident_times(seeded):
    for postmortem in Postmortem.objects.select_related("incident"):
        incident = postmortem.incident
        assert incident.started_at < incident.detected_at < incident.mitigated_at
        assert incident.mitigated_at <= incident.resolved_at < postmortem.created_at < NOW
        kinds = set()
        for event in postmortem.timeline_events.all():
            # A triggering change may come shortly before the impact started.
            assert incident.started_at - timedelta(hours=2) <= event.occurred_at
            assert event.occurred_at <= incident.resolved_at
            kinds.add(event.kind)
        assert {"detection", "mitigation", "resolution"} <= kinds


def test_demo_text_reads_like_real_blameless_writing(seeded):
    texts = [
        *Incident.objects.values_list("title", "description"),
        *Postmortem.objects.values_list(*Postmortem.SECTION_NAMES),
        *TimelineEvent.objects.values_list("text"),
        *ActionItem.objects.values_list("title", "wont_do_reason"),
    ]
    everything = " ".join(text for row in texts for text in row).lower()
    for phrase in ("lorem", "ipsum", "should have", "human error", "todo"):
        assert phrase not in everything


def test_the_demo_lead_opens_a_dashboard_with_work_on_it(seeded, client):
    with time_machine.travel(NOW, tick=False):
        client.force_login(User.objects.get(email=LEAD_EMAIL))
        response = client.get(reverse("pm-dashboard"))
    assert response.status_code == 200
    assert response.context["scope"].label == "Platform"
    assert response.context["counts"]["overdue"] > 0
    assert response.context["missing"]
    assert sum(m.incidents for m in response.context["months"]) > 0


def test_the_demo_has_a_verified_fix_and_fixes_waiting_for_their_outcome(seeded, client):
    done = ActionItem.objects.filter(status=ActionItem.Status.DONE)
    assert not done.filter(verify_on__isnull=True).exists()
    worked = done.filter(outcome="worked").exclude(outcome_evidence="")
    assert worked.exists()
    assert not worked.filter(outcome_at__gte=NOW).exists()
    assert worked.first().changes.filter(field="outcome").exists()
    member = User.objects.get(email=MEMBER_EMAIL)
    waiting = done.filter(owner=member, outcome="", verify_on__lte=TODAY)
    assert waiting.exists()
    with time_machine.travel(NOW, tick=False):
        client.force_login(member)
        assert (
            "Done, waiting for your outcome" in client.get(reverse("pm-my-work")).content.decode()
        )
        client.force_login(User.objects.get(email=LEAD_EMAIL))
        response = client.get(reverse("pm-dashboard"))
    assert response.context["outcomes"]["due"] >= 1
    shares = [m.verified_share for m in response.context["months"] if m.verified_share is not None]
    assert shares

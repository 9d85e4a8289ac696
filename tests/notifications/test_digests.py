"""Digests in each recipient's time zone and hour, across daylight-saving changes."""

import datetime as dt

import pytest

from accounts.models import Membership
from postmortems.notifications.reminders import reminders_sweep
from tests.factories import (
    ActionItemFactory,
    IncidentFactory,
    MembershipFactory,
    PostmortemFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def _utc(*args):
    return dt.datetime(*args).replace(tzinfo=dt.UTC)


def _digests(now, kind="action_digest"):
    return [e for e in reminders_sweep(now=now).emails if e.kind == kind]


@pytest.fixture
def berliner(postmortem):
    user = UserFactory(time_zone="Europe/Berlin", digest_hour=9)
    ActionItemFactory(postmortem=postmortem, owner=user, due_date=dt.date(2026, 10, 20))
    return user


@pytest.mark.parametrize(
    ("moment", "sent"),
    [
        (_utc(2026, 10, 23, 6, 59), False),  # Friday 08:59 CEST (UTC+2)
        (_utc(2026, 10, 23, 7, 0), True),  # Friday 09:00 CEST
        (_utc(2026, 10, 24, 12, 0), False),  # Saturday
        (_utc(2026, 10, 25, 12, 0), False),  # Sunday, the clocks went back at 03:00
        (_utc(2026, 10, 26, 7, 30), False),  # Monday 08:30 CET (UTC+1): 09:30 in summer
        (_utc(2026, 10, 26, 8, 0), True),  # Monday 09:00 CET
    ],
)
def test_the_digest_follows_the_owners_local_hour_across_dst(berliner, moment, sent):
    digests = _digests(moment)
    assert bool(digests) is sent
    if sent:
        local_date = moment.astimezone(berliner.zone).date().isoformat()
        assert digests[0].dedup_key == f"digest:{berliner.pk}:{local_date}"


def test_one_digest_per_owner_and_local_day(berliner):
    first = reminders_sweep(now=_utc(2026, 10, 26, 8, 0))
    assert len(first.created_ids) == 1
    assert reminders_sweep(now=_utc(2026, 10, 26, 15, 0)).created_ids == []
    assert len(reminders_sweep(now=_utc(2026, 10, 27, 8, 0)).created_ids) == 1


def test_the_digest_lists_overdue_and_due_soon_items_with_links(berliner, postmortem, settings):
    settings.SITE_URL = "https://pm.example.com"
    ActionItemFactory(
        postmortem=postmortem, owner=berliner, title="Add a canary", due_date=dt.date(2026, 10, 29)
    )
    ActionItemFactory(
        postmortem=postmortem, owner=berliner, title="Next month", due_date=dt.date(2026, 11, 30)
    )
    ActionItemFactory(
        postmortem=postmortem, owner=berliner, title="Finished", due_date=dt.date(2026, 10, 1),
        status="done", completed_at=_utc(2026, 10, 2),
    )  # fmt: skip
    [digest] = _digests(_utc(2026, 10, 26, 8, 0))
    assert digest.subject == "1 overdue action item, 1 due soon"
    assert "6 days overdue" in digest.body_text
    assert "Add a canary" in digest.body_text
    assert "Next month" not in digest.body_text
    assert "Finished" not in digest.body_text
    url = f"https://pm.example.com/incidents/{postmortem.incident.reference}/postmortem/#actions"
    assert url in digest.body_text
    assert f'href="{url}"' in digest.body_html


def test_no_digest_when_there_is_nothing_to_say_or_when_opted_out(postmortem):
    relaxed = UserFactory(time_zone="UTC")
    ActionItemFactory(postmortem=postmortem, owner=relaxed, due_date=dt.date(2026, 12, 20))
    opted_out = UserFactory(time_zone="UTC", receive_digests=False)
    ActionItemFactory(postmortem=postmortem, owner=opted_out, due_date=dt.date(2026, 10, 1))
    assert _digests(_utc(2026, 10, 26, 10, 0)) == []


def test_items_of_a_restricted_incident_reach_only_owners_who_may_see_it(team, other_team):
    restricted = PostmortemFactory(incident=IncidentFactory(team=team, restricted=True))
    insider = MembershipFactory(team=team).user
    outsider = MembershipFactory(team=other_team).user
    ActionItemFactory(postmortem=restricted, owner=insider, due_date=dt.date(2026, 10, 1))
    ActionItemFactory(postmortem=restricted, owner=outsider, due_date=dt.date(2026, 10, 1))
    recipients = {e.to_address for e in _digests(_utc(2026, 10, 26, 10, 0))}
    assert recipients == {insider.email}


def test_leads_get_a_weekly_digest_on_their_monday_morning(team, lead, owner, teammate):
    lead.time_zone = "America/New_York"
    lead.save()
    overdue = PostmortemFactory(incident=IncidentFactory(team=team, title="Queue stall"))
    ActionItemFactory(postmortem=overdue, owner=owner, title="Alert on queue age",
                      due_date=dt.date(2026, 10, 30))  # fmt: skip
    ActionItemFactory(postmortem=overdue, owner=teammate, title="Runbook for stalls",
                      due_date=dt.date(2026, 10, 28))  # fmt: skip
    missing = IncidentFactory(
        team=team,
        title="Disk full",
        started_at=_utc(2026, 10, 30, 10),
        resolved_at=_utc(2026, 10, 30, 12),
    )
    type(overdue).objects.filter(pk=overdue.pk).update(created_at=_utc(2026, 10, 20))

    assert _digests(_utc(2026, 11, 2, 13, 59), "lead_digest") == []  # 08:59 EST
    [digest] = _digests(_utc(2026, 11, 2, 14, 0), "lead_digest")  # 09:00 EST, after DST ended
    assert digest.to_address == lead.email
    assert digest.subject == "Platform weekly: 2 overdue action items, 1 postmortem missing"
    assert "Olivia Owner:\n- Alert on queue age" in digest.body_text
    assert "Tariq Teammate:\n- Runbook for stalls" in digest.body_text
    assert f"{missing.reference} Disk full (SEV2), 74 hours since resolution" in digest.body_text
    assert f"{overdue.incident.reference} Queue stall, started 13 days ago" in digest.body_text
    assert digest.dedup_key == f"lead-digest:{team.pk}:{lead.pk}:2026-W45"
    assert digest.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert _digests(_utc(2026, 11, 3, 14, 0), "lead_digest") == []  # Tuesday


def test_a_lead_digest_is_not_sent_when_the_team_is_on_track(team, lead):
    assert lead.memberships.get().role == Membership.Role.LEAD
    assert _digests(_utc(2026, 11, 2, 10, 0), "lead_digest") == []

"""The weekly lead digest says what got worse on call, and nothing when nothing did."""

import datetime as dt

import pytest

from postmortems.alerting.load.digest import oncall_changes_for_lead_digest
from postmortems.notifications.reminders import reminders_sweep
from tests.alerting.load.support import berlin, build, lead_of, page
from tests.factories import ActionItemFactory, PostmortemFactory

pytestmark = pytest.mark.django_db

# Monday 2 November 2026, 09:00 in Berlin (CET): the lead's digest morning.
MONDAY = dt.datetime(2026, 11, 2, 8, 0, tzinfo=dt.UTC)


@pytest.fixture
def oncall(team):
    found = build(team)
    lead = lead_of(team)
    lead.time_zone, lead.digest_hour = "Europe/Berlin", 9
    lead.save()
    found.lead = lead
    page(found, found.bo, berlin(2026, 10, 20, 11), acted_on=True)  # the week before
    return found


def _lead_digests():
    return [e for e in reminders_sweep(now=MONDAY).emails if e.kind == "lead_digest"]


def test_more_pages_nights_and_a_newly_noisy_rule_are_reported(oncall):
    for moment in (
        berlin(2026, 10, 27, 23), berlin(2026, 10, 28, 2), berlin(2026, 10, 29, 3),
        berlin(2026, 10, 30, 20),
    ):  # fmt: skip
        page(oncall, oncall.ana, moment, acted_on=False)

    [digest] = _lead_digests()

    assert digest.to_address == oncall.lead.email
    url = "/teams/platform/oncall/load/"
    assert (
        "On call got worse this week:\n"
        "- Pages: 4, up from 1 the week before.\n"
        "- Out-of-hours pages: 4, up from 0 the week before.\n"
        "- Nights interrupted: 2, up from 0 the week before.\n"
        "- DiskAlmostFull became noisy: 4 of 4 firings needed no one to act.\n"
    ) in digest.body_text
    assert url in digest.body_text
    assert "<li>Nights interrupted: 2, up from 0 the week before.</li>" in digest.body_html
    assert f'{url}">On call got worse this week</a>' in digest.body_html


def test_nothing_worse_says_nothing(oncall):
    page(oncall, oncall.ana, berlin(2026, 10, 27, 11), acted_on=True)  # as many as before
    assert _lead_digests() == []
    # With overdue items the digest goes out, without an on-call section.
    incident_postmortem = PostmortemFactory(incident__team=oncall.team)
    ActionItemFactory(postmortem=incident_postmortem, due_date=dt.date(2026, 10, 1))
    [digest] = _lead_digests()
    assert "On call got worse" not in digest.body_text
    assert "On call got worse" not in digest.body_html


def test_fewer_pages_than_the_week_before_is_not_worse(oncall):
    assert oncall_changes_for_lead_digest(teams=[oncall.team], now=MONDAY) == {"oncall_worse": {}}


def test_the_digests_queries_do_not_grow_with_teams(oncall, other_team, django_assert_num_queries):
    page(oncall, oncall.ana, berlin(2026, 10, 28, 2))
    # pages of both weeks, night pages, policies; each week's rules: their numbers,
    # the policies, the firings tied to incidents, the rules (this week only: the week
    # before had firings too, so both weeks read all four)
    with django_assert_num_queries(11):
        found = oncall_changes_for_lead_digest(teams=[oncall.team, other_team], now=MONDAY)
    assert list(found["oncall_worse"]) == [oncall.team.pk]

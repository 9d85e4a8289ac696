"""The lead dashboard's on-call sections: pages per person and the noisiest rules."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from tests.alerting.load.support import berlin, build, lead_of, page
from tests.factories import AlertRuleFactory, FiringFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 10, 30, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def oncall(team):
    found = build(team)
    for hour, day in ((23, 24), (1, 25), (2, 25)):
        page(found, found.ana, berlin(2026, 10, day, hour), acted_on=False)
    page(found, found.bo, berlin(2026, 10, 6, 11), acted_on=True)
    page(found, found.bo, berlin(2026, 9, 20, 11))  # over 30 days ago
    quiet = AlertRuleFactory(integration=found.rule.integration, name="CertExpiry")
    FiringFactory(rule=quiet, fired_at=berlin(2026, 10, 20, 11), channel="email")
    return found


def test_a_lead_sees_pages_per_person_and_the_noisiest_rules(client, oncall):
    client.force_login(lead_of(oncall.team))
    with time_machine.travel(NOW, tick=False):
        response = client.get(reverse("pm-dashboard"))
    overview = response.context["oncall"]
    assert [(p.name, p.pages, p.out_of_hours_pages) for p in overview.people] == [
        ("Ana Alvarez", 3, 3),
        ("Bo Berg", 1, 0),
    ]
    assert [(q.rule.name, q.verdict.label) for q in overview.noisiest] == [
        ("DiskAlmostFull", "Noisy"),
        ("CertExpiry", "Healthy"),
    ]
    body = response.content.decode()
    assert "On-call load, last 30 days" in body
    assert '<th scope="row">Ana Alvarez</th><td>3</td><td>3</td>' in body
    assert "<title>Ana, out-of-hours pages: 3</title>" in body
    assert f'href="{reverse("pm-team-alerts", kwargs={"team": "platform"})}">DiskAlmostFull' in body
    assert f'href="{reverse("pm-oncall-load", kwargs={"team": "platform"})}"' in body


def test_members_do_not_see_who_carried_the_pages(client, oncall):
    client.force_login(oncall.bo)
    with time_machine.travel(NOW, tick=False):
        response = client.get(reverse("pm-dashboard"))
    assert response.context["oncall"] is None
    assert "On-call load" not in response.content.decode()


def test_the_numbers_are_counted_again_after_the_live_seconds(client, oncall, settings):
    settings.HEALTH_LIVE_SECONDS = 300
    client.force_login(lead_of(oncall.team))
    with time_machine.travel(NOW, tick=False):
        client.get(reverse("pm-dashboard"))
    page(oncall, oncall.bo, berlin(2026, 10, 29, 11))
    with time_machine.travel(NOW + dt.timedelta(seconds=299), tick=False):
        cached = client.get(reverse("pm-dashboard")).context["oncall"]
    with time_machine.travel(NOW + dt.timedelta(seconds=301), tick=False):
        fresh = client.get(reverse("pm-dashboard")).context["oncall"]
    assert [p.pages for p in cached.people] == [3, 1]
    assert [p.pages for p in fresh.people] == [3, 2]

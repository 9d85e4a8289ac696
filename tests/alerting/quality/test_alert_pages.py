"""The team's alert page and a rule's firings: who may read them, the window, the order,
the explanations, the pagination and the restricted incidents they must not reveal."""

import datetime as dt

import pytest
from django.urls import reverse

from tests.alerting.quality.conftest import SECRET_TITLE
from tests.factories import BASE_TIME, FiringFactory

pytestmark = pytest.mark.django_db


def team_page(team, **query):
    url = reverse("pm-team-alerts", args=[team.slug])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def rule_page(rule, **query):
    url = reverse("pm-alert-rule-firings", args=[rule.team.slug, rule.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


@pytest.mark.parametrize(
    ("persona", "status"),
    [("lead", 200), ("staff", 200), ("admin_user", 200), ("teammate", 403), ("outsider", 404)],
)
def test_the_pages_are_for_the_teams_leads_and_staff(
    client, request, history, team, persona, status
):
    client.force_login(request.getfixturevalue(persona))
    for url in (team_page(team), rule_page(history["noisy"])):
        response = client.get(url)
        assert response.status_code == status, url
        assert SECRET_TITLE not in response.content.decode()


def test_a_rule_of_another_team_is_not_found_under_this_team(client, lead, history, team):
    client.force_login(lead)
    other = history["other"]
    url = reverse("pm-alert-rule-firings", args=[team.slug, other.pk])
    assert client.get(url).status_code == 404
    assert client.get(reverse("pm-alert-rule-firings", args=[team.slug, 999999])).status_code == 404


def test_rules_are_sorted_by_load_with_their_status_numbers_and_fixes(
    client, lead, history, team, django_assert_num_queries
):
    client.force_login(lead)
    # session, user, team, membership; then rule_quality's four.
    with django_assert_num_queries(8):
        response = client.get(team_page(team))
    page = response.content.decode()
    names = [quality.rule.name for quality in response.context["rules"]]
    # By load (pages, counted again out of hours and at night), then by firings.
    assert names == ["CPUHigh", "CheckoutErrors", "QueueDepth", "PayrollExport"]
    assert "OtherTeamsRule" not in page
    assert page.index("CPUHigh") < page.index("QueueDepth")
    # The verdict's line once; the other problems with their own line and a fix each.
    assert page.count("6 of 6 pages came at night and nobody acted") == 1
    assert "6 out-of-hours pages for firings that were minor or needed no action" in page
    assert '<span class="status status--rule-noisy">Noisy</span>' in page
    assert '<span class="status status--rule-mis_prioritized">Mis-prioritized</span>' in page
    assert "add a <code>for:</code> duration" in page
    assert "Page only for <code>critical</code>, route <code>warning</code> to chat" in page
    assert "Add a <code>runbook_url</code> annotation to <code>QueueDepth</code>." in page
    assert '<span class="status status--rule-healthy">Healthy</span>' in page
    summary = response.context["summary"]
    assert (summary.rules, summary.firings, summary.pages) == (4, 10, 7)
    assert summary.out_of_hours_pages == 6
    assert "86%</strong> of pages out of hours" in page  # 6 of 7
    assert f'href="{rule_page(history["noisy"], days=30)}"' in page.replace("&amp;", "&")


def test_the_window_chooser_defaults_to_30_days_and_ignores_other_values(
    client, lead, history, team
):
    client.force_login(lead)

    def firings_of_queue_depth(**query):
        rules = client.get(team_page(team, **query)).context["rules"]
        return {q.rule.name: q.numbers.firings for q in rules}.get("QueueDepth", 0)

    assert firings_of_queue_depth() == 2  # 1 and 20 days ago
    assert firings_of_queue_depth(days=30) == 2
    assert firings_of_queue_depth(days=7) == 1
    assert firings_of_queue_depth(days=5) == 2  # not a choice: the default
    assert firings_of_queue_depth(days="x") == 2
    page = client.get(team_page(team, days=7)).content.decode()
    assert '<option value="7" selected>Last 7 days</option>' in page
    assert '<form class="page-actions" method="get" action="/teams/platform/alerts/">' in page


def test_a_team_with_no_firings_says_so(client, lead, team):
    client.force_login(lead)
    page = client.get(team_page(team)).content.decode()
    assert "No alert fired in the last 30 days." in page


def test_the_alerting_settings_link_to_the_alert_page(client, lead, team):
    client.force_login(lead)
    page = client.get(reverse("pm-alerting-list", args=[team.slug])).content.decode()
    assert f'href="{team_page(team)}"' in page
    profile = client.get(reverse("accounts-profile")).content.decode()
    assert f'href="{team_page(team)}"' in profile


def test_a_rules_firings_newest_first_in_the_viewers_time_zone(client, lead, history):
    lead.time_zone = "Europe/Berlin"
    lead.save()
    client.force_login(lead)
    page = client.get(rule_page(history["healthy"])).content.decode()
    assert '<time datetime="2026-11-02T10:00:00+01:00">Nov 2, 10:00</time>' in page
    assert f'href="{reverse("pm-incident-detail", args=[history["visible"].number])}"' in page
    assert history["visible"].reference in page


@pytest.mark.parametrize("persona", ["lead", "staff"])
def test_a_restricted_incident_the_viewer_may_not_see_is_never_named(
    client, request, history, persona
):
    client.force_login(request.getfixturevalue(persona))
    secret = history["secret"]
    for url in (rule_page(history["hidden"]), team_page(history["hidden"].team)):
        page = client.get(url).content.decode()
        assert SECRET_TITLE not in page
        assert secret.reference not in page
        assert reverse("pm-incident-detail", args=[secret.number]) not in page
    assert "an incident you cannot see" in client.get(rule_page(history["hidden"])).content.decode()


def test_an_admin_sees_the_restricted_incident(client, admin_user, history):
    client.force_login(admin_user)
    page = client.get(rule_page(history["hidden"])).content.decode()
    assert history["secret"].reference in page


def test_firings_are_paginated_with_a_fixed_number_of_queries(
    client, lead, history, django_assert_num_queries
):
    rule = history["noisy"]
    for minute in range(49):
        fired = BASE_TIME - dt.timedelta(days=2, minutes=minute)
        # Every column the rows show, so a field the page reads but does not load
        # would cost a query per row here.
        FiringFactory(
            rule=rule,
            fired_at=fired,
            acknowledged_at=fired + dt.timedelta(minutes=3),
            acknowledged_by="lena@example.com",
            notified=["Lena Lead", "Tariq Teammate"],
            on_call=lead,
            incident=history["visible"] if minute % 2 else history["secret"],
            flapping=True,
            repeats=2,
        )
    client.force_login(lead)
    # session, user, team, membership, rule, count, the page of firings.
    with django_assert_num_queries(7):
        first = client.get(rule_page(rule))
    rows = list(first.context["page"].object_list)
    assert len(rows) == 50
    assert rows[0].fired_at == BASE_TIME - dt.timedelta(hours=2)
    assert [r.fired_at for r in rows] == sorted((r.fired_at for r in rows), reverse=True)
    html = first.content.decode()
    assert "Page 1 of 2" in html
    assert "On call: Lena Lead" in html
    assert "Notified: Lena Lead, Tariq Teammate" in html
    assert "an incident you cannot see" in html
    assert history["visible"].reference in html
    assert "?days=30&amp;page=2" in first.content.decode()
    with django_assert_num_queries(7):
        second = client.get(rule_page(rule, page=2))
    assert len(second.context["page"].object_list) == 5
    assert client.get(rule_page(rule, page=99)).context["page"].number == 2

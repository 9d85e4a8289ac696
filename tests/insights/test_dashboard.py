"""The team lead dashboard, its action item list and CSV export, and "My work"."""

import csv
import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership
from postmortems.insights.health import review_health
from postmortems.models import ActionItem, PulseAnswer
from postmortems.services.incidents import incident_delete
from tests.factories import (
    ActionItemFactory,
    FiringFactory,
    IncidentFactory,
    MembershipFactory,
    PostmortemFactory,
    TeamFactory,
)

# Monday 2026-11-30, 09:00 UTC.
NOW = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)
TODAY = NOW.date()


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield NOW


def _done_unverified(team, *, owner, days: int) -> ActionItem:
    """A done item whose verification date was `days` ago (today for 0)."""
    day = TODAY - dt.timedelta(days=days)
    return _item(
        team,
        days=-20,
        owner=owner,
        status=ActionItem.Status.DONE,
        completed_at=NOW - dt.timedelta(days=14 + days),
        verify_on=day,
    )


def _item(team, *, days: int | None, owner=None, restricted=False, **extra) -> ActionItem:
    """An open item of a new incident of `team`, due `days` from TODAY (None: no date)."""
    incident = IncidentFactory(
        team=team, restricted=restricted, started_at=NOW - dt.timedelta(days=40)
    )
    postmortem = PostmortemFactory(incident=incident)
    return ActionItemFactory(
        postmortem=postmortem,
        owner=owner,
        due_date=None if days is None else TODAY + dt.timedelta(days=days),
        **extra,
    )


def test_a_lead_sees_overdue_items_grouped_by_owner_oldest_first(
    client, frozen, lead, owner, teammate, team, other_team
):
    _item(team, days=-2, owner=owner, title="Add the missing alert")
    _item(team, days=-9, owner=teammate, title="Rotate the expiring certificate")
    _item(team, days=-1, owner=teammate, title="Write the failover runbook")
    _item(team, days=3, owner=owner, title="Load test the new pool size")
    _item(team, days=30, owner=owner, title="Not due for a month")
    _item(team, days=None, owner=None, title="Imported without owner or date")
    _item(other_team, days=-5, owner=owner, title="Another team's item")
    client.force_login(lead)

    response = client.get(reverse("pm-dashboard"))

    assert response.status_code == 200
    groups = response.context["overdue_groups"]
    assert [g.owner for g in groups] == [teammate, owner]  # teammate's oldest is older
    assert [i.title for i in groups[0].items] == [
        "Rotate the expiring certificate",
        "Write the failover runbook",
    ]
    assert [i.title for i in response.context["due_soon"]] == ["Load test the new pool size"]
    assert [i.title for i in response.context["unplanned"]] == ["Imported without owner or date"]
    assert response.context["counts"] == {"open": 6, "overdue": 3, "due_soon": 1, "unplanned": 1}
    body = response.content.decode()
    assert "9 days overdue" in body
    assert "Another team&#x27;s item" not in body
    assert "Another team's item" not in body
    # Rows offer the quick actions; extending and reassigning open on demand.
    assert body.count(">Extend or reassign<") == 5
    assert "<option" not in body


@pytest.mark.parametrize(
    ("zone", "overdue"),
    [("UTC", False), ("Pacific/Auckland", True), ("America/Los_Angeles", False)],
)
def test_overdue_means_overdue_in_the_viewers_time_zone(client, lead, team, zone, overdue):
    # 11:30 UTC on Nov 29 is already Nov 30 in Auckland (UTC+13): an item due on
    # Nov 29 is overdue there, and still due today in UTC and Los Angeles.
    lead.time_zone = zone
    lead.save()
    with time_machine.travel(dt.datetime(2026, 11, 29, 11, 30, tzinfo=dt.UTC), tick=False):
        item = _item(team, days=-1)  # Nov 29
        client.force_login(lead)
        response = client.get(reverse("pm-dashboard"))
    overdue_ids = [i.pk for g in response.context["overdue_groups"] for i in g.items]
    assert (item.pk in overdue_ids) is overdue
    assert response.context["counts"]["overdue"] == int(overdue)


def test_overdue_turns_at_local_midnight_across_a_daylight_saving_change(client, lead, team):
    # Europe/Berlin moves to summer time at 01:00 UTC on Sunday 2026-03-29.
    lead.time_zone = "Europe/Berlin"
    lead.save()
    client.force_login(lead)
    with time_machine.travel(dt.datetime(2026, 3, 28, 22, 59, tzinfo=dt.UTC), tick=False):
        item = ActionItemFactory(
            postmortem=PostmortemFactory(incident=IncidentFactory(team=team)),
            due_date=dt.date(2026, 3, 28),
        )
        # 23:59 on Saturday in Berlin (CET): due today, not overdue.
        assert client.get(reverse("pm-dashboard")).context["counts"]["overdue"] == 0
    with time_machine.travel(dt.datetime(2026, 3, 28, 23, 0, tzinfo=dt.UTC), tick=False):
        # 00:00 on Sunday in Berlin: one day overdue.
        groups = client.get(reverse("pm-dashboard")).context["overdue_groups"]
        assert [i.pk for g in groups for i in g.items] == [item.pk]


def test_incidents_past_the_deadline_and_stale_drafts_show_their_clocks(
    client, frozen, lead, team, settings
):
    late = IncidentFactory(
        team=team, title="Queue backlog", started_at=NOW - dt.timedelta(hours=40),
        resolved_at=NOW - dt.timedelta(hours=31),
    )  # fmt: skip
    IncidentFactory(
        team=team, title="Still within the day", started_at=NOW - dt.timedelta(hours=5),
        resolved_at=NOW - dt.timedelta(hours=3),
    )  # fmt: skip
    IncidentFactory(
        team=team, title="Nothing to learn", severity="SEV4",
        started_at=NOW - dt.timedelta(days=3),
    )  # fmt: skip
    stale = PostmortemFactory(
        incident=IncidentFactory(
            team=team, title="Old draft", started_at=NOW - dt.timedelta(days=9)
        ),
        created_at=NOW - dt.timedelta(days=8),
        updated_at=NOW - dt.timedelta(days=6),
    )
    client.force_login(lead)

    response = client.get(reverse("pm-dashboard"))

    assert list(response.context["missing"]) == [late]
    assert list(response.context["stale"]) == [stale]
    body = response.content.decode()
    assert "31 h since · 7 h past the 24 h deadline" in body
    assert "Still within the day" not in body
    assert "Nothing to learn" not in body
    assert "1\xa0week, 1\xa0day ago" in body  # started 8 days ago


@pytest.mark.parametrize("size", [1, 6])
def test_the_dashboard_costs_the_same_queries_however_much_data(
    client, frozen, lead, owner, team, size, django_assert_num_queries
):
    for n in range(size):
        _item(team, days=-n - 1, owner=owner)
        _item(team, days=n + 1, owner=owner)
        _item(team, days=None)
        _done_unverified(team, owner=owner, days=n)
        IncidentFactory(team=team, started_at=NOW - dt.timedelta(days=2 + n))
        for score in (3, 4, 5):  # enough pulse answers for a month to show, with comments
            PulseAnswer.objects.create(
                team=team, answered_on=TODAY - dt.timedelta(days=31 * n), score=score, comment="ok"
            )
        FiringFactory(
            rule__integration__team=team, fired_at=NOW - dt.timedelta(days=n + 1), on_call=owner,
            incident=IncidentFactory(team=team, started_at=NOW - dt.timedelta(days=n + 1)),
        )  # fmt: skip
    client.force_login(lead)
    # The first view counts the twelve months and stores them: the rollups read, the
    # four review-health statements over Dec-Nov, the rollups written; and on call:
    # pages per person and their names, the rules' numbers, the teams' policies, the
    # firings tied to incidents, the rules; confirmed recurrences per service.
    with django_assert_num_queries(28):
        client.get(reverse("pm-dashboard"))
    # session, user, scope (memberships), overdue, due soon, unplanned, counts, the
    # done items awaiting their outcome (count, rows), stored months, load per owner
    # and its owners' names, missing reviews, stale drafts, pulse survey trend and its
    # comments, recurrences per service (the on-call numbers are in the cache now)
    with django_assert_num_queries(17):
        response = client.get(reverse("pm-dashboard"))
    assert response.context["counts"]["overdue"] == size
    assert response.context["outcomes"] == {"awaiting": size, "due": size}
    assert len(response.context["unverified"]) == size
    assert response.context["oncall"].people[0].pages == size
    assert len(response.context["oncall"].noisiest) == min(size, 5)
    assert "the months still moving are recounted every 5 min" in response.content.decode()


def test_members_see_only_their_own_teams_and_admins_may_pick_all(
    client, frozen, owner, outsider, admin_user, team, other_team
):
    _item(team, days=-1, owner=owner, title="Platform item")
    _item(other_team, days=-1, owner=outsider, title="Payments item")

    client.force_login(owner)
    assert client.get(reverse("pm-dashboard")).context["scope"].teams == [team]
    assert client.get(reverse("pm-dashboard"), {"team": "payments"}).status_code == 404
    assert client.get(reverse("pm-dashboard"), {"team": "all"}).status_code == 404
    assert client.get(reverse("pm-dashboard-csv"), {"team": "payments"}).status_code == 404

    client.force_login(admin_user)
    response = client.get(reverse("pm-dashboard"), {"team": "all"})
    assert response.context["counts"]["overdue"] == 2
    response = client.get(reverse("pm-dashboard"), {"team": "payments"})
    assert [i.title for g in response.context["overdue_groups"] for i in g.items] == [
        "Payments item"
    ]


def _csv(response) -> list[dict[str, str]]:
    text = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(text)))


def test_csv_export_lists_the_items_shown_with_the_same_filters(client, frozen, lead, owner, team):
    _item(team, days=-3, owner=owner, title='=HYPERLINK("http://evil")', priority="high")
    _item(team, days=2, owner=owner, title="Due soon, not overdue")
    client.force_login(lead)

    response = client.get(reverse("pm-dashboard-csv"), {"state": "overdue"})

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert (
        'filename="action-items-platform-overdue-2026-11-30.csv"' in response["Content-Disposition"]
    )
    rows = _csv(response)
    assert len(rows) == 1
    row = rows[0]
    assert row["title"] == '\'=HYPERLINK("http://evil")'  # not run as a formula
    assert row["days overdue"] == "3"
    assert row["owner"] == "Olivia Owner"
    assert row["priority"] == "High"
    assert row["team"] == "Platform"
    assert row["link"].startswith("http://testserver/incidents/INC-")


def test_every_teams_full_item_list_reads_its_first_rows_from_an_index(postgres, frozen, team):
    from django.db import connection

    from postmortems.insights import dashboard

    postmortem = PostmortemFactory(incident=IncidentFactory(team=team))
    ActionItem.objects.bulk_create(
        ActionItem(postmortem=postmortem, team=team, title=f"Item {n}",
                   due_date=TODAY + dt.timedelta(days=n % 400 - 200),
                   status="done" if n % 6 else "open",
                   completed_at=NOW if n % 6 else None)
        for n in range(3000)
    )  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE postmortems_actionitem")
    for state in ("all", "done"):
        items = dashboard.filtered_items(
            dashboard.team_action_items(user=None, teams=None),
            dashboard.ItemFilters(state=state),
            today=TODAY,
            tz=dt.UTC,
        )
        plan = items[:50].explain()
        # Not a sort of every item (500,000 in bench/dashboard.py: 330-360 ms a page).
        assert "pm_action_due" in plan, plan


@pytest.mark.parametrize("size", [1, 6])
def test_the_item_list_csv_and_my_work_cost_the_same_queries_however_many_rows(
    client, frozen, lead, owner, team, size, django_assert_num_queries
):
    for n in range(size):
        _item(team, days=-n - 1, owner=owner)
        _item(team, days=None, owner=None)
        _done_unverified(team, owner=owner, days=n)
    client.force_login(lead)
    # session, user, scope (memberships), the page's count, its rows
    with django_assert_num_queries(5):
        page = client.get(reverse("pm-dashboard-items"), {"state": "all"})
    assert page.content.decode().count('<tr id="item-') == 3 * size
    with django_assert_num_queries(4):  # session, user, scope, the rows
        rows = _csv(client.get(reverse("pm-dashboard-csv"), {"state": "all"}))
    assert {row["owner email"] for row in rows} == {owner.email, ""}
    assert {row["team"] for row in rows} == {"Platform"}
    client.force_login(owner)
    # session, user, my items, my done items awaiting their outcome, my drafts, my
    # incidents missing a review
    with django_assert_num_queries(6):
        body = client.get(reverse("pm-my-work")).content.decode()
    assert body.count("days overdue") + body.count("day overdue") == size
    assert body.count("Record the outcome<span") == size


def test_restricted_items_reach_only_people_who_may_see_them(
    client, frozen, owner, outsider, admin_user, team, other_team
):
    # The outsider owns an item on a restricted incident of another team (say it was
    # assigned before the incident was restricted): neither My work nor the CSV shows it.
    _item(team, days=-1, owner=outsider, restricted=True, title="Secret remediation")
    _item(team, days=-1, owner=outsider, title="Open remediation")
    client.force_login(outsider)
    body = client.get(reverse("pm-my-work")).content.decode()
    assert "Open remediation" in body
    assert "Secret remediation" not in body

    client.force_login(admin_user)
    titles = [r["title"] for r in _csv(client.get(reverse("pm-dashboard-csv"), {"team": "all"}))]
    assert sorted(titles) == ["Open remediation", "Secret remediation"]


def test_a_lead_sees_the_items_of_their_own_teams_restricted_incidents(
    client, frozen, lead, owner, outsider, team, other_team
):
    _item(team, days=-1, owner=owner, restricted=True, title="Secret remediation")
    _item(other_team, days=-1, owner=outsider, restricted=True, title="Their secret")
    client.force_login(lead)

    response = client.get(reverse("pm-dashboard"))

    overdue = [i.title for g in response.context["overdue_groups"] for i in g.items]
    assert overdue == ["Secret remediation"]
    assert response.context["counts"]["overdue"] == 1
    rows = _csv(client.get(reverse("pm-dashboard-csv"), {"state": "overdue"}))
    assert [r["title"] for r in rows] == ["Secret remediation"]


def test_my_work_lists_my_items_drafts_and_incidents_missing_a_review(client, frozen, owner, team):
    _item(team, days=-2, owner=owner, title="My overdue item")
    IncidentFactory(
        team=team, owner=owner, title="My incident without review",
        started_at=NOW - dt.timedelta(hours=30), resolved_at=NOW - dt.timedelta(hours=29),
    )  # fmt: skip
    draft = PostmortemFactory(incident=IncidentFactory(team=team, title="My draft review"))
    draft.authors.add(owner)
    client.force_login(owner)

    body = client.get(reverse("pm-my-work")).content.decode()

    assert "My overdue item" in body
    assert "2 days overdue" in body
    assert "My incident without review" in body
    assert "29 h since" in body
    assert "My draft review" in body


def test_my_drafts_are_the_unpublished_reviews_i_write_or_whose_incident_i_own(
    client, frozen, owner, teammate, team
):
    def draft(title, *, incident_owner=None, authors=(), **extra):
        incident = IncidentFactory(team=team, owner=incident_owner, title=title)
        postmortem = PostmortemFactory(incident=incident, **extra)
        postmortem.authors.add(*authors)
        return incident

    draft("Written by me", incident_owner=teammate, authors=[owner, teammate])
    draft("My incident, written by a teammate", incident_owner=owner, authors=[teammate])
    draft("Both mine", incident_owner=owner, authors=[owner])
    draft("Published", incident_owner=owner, authors=[owner], status="published", published_at=NOW)
    incident_delete(incident=draft("Deleted", incident_owner=owner, authors=[owner]), by=owner)
    draft("Not mine", incident_owner=teammate, authors=[teammate])
    client.force_login(owner)

    drafts = client.get(reverse("pm-my-work")).context["drafts"]

    assert sorted(pm.incident.title for pm in drafts) == [
        "Both mine",  # once, though I am its author and its incident's owner
        "My incident, written by a teammate",
        "Written by me",
    ]


def test_review_health_counts_each_month_in_the_viewers_zone(admin_user, team):
    berlin = ZoneInfo("Europe/Berlin")
    now = dt.datetime(2026, 4, 20, 12, 0, tzinfo=dt.UTC)
    # 22:30 UTC on March 31 is 00:30 on April 1 in Berlin (summer time).
    edge = IncidentFactory(
        team=team, started_at=dt.datetime(2026, 3, 31, 22, 30, tzinfo=dt.UTC),
        detected_at=dt.datetime(2026, 3, 31, 22, 40, tzinfo=dt.UTC),
        resolved_at=dt.datetime(2026, 3, 31, 23, 30, tzinfo=dt.UTC),
    )  # fmt: skip
    PostmortemFactory(incident=edge, created_at=edge.resolved_at + dt.timedelta(hours=30))
    for hours in (2, 10, 20):
        incident = IncidentFactory(
            team=team, severity="SEV1", started_at=dt.datetime(2026, 4, 2, 8, 0, tzinfo=dt.UTC),
            resolved_at=dt.datetime(2026, 4, 2, 10, 0, tzinfo=dt.UTC),
        )  # fmt: skip
        pm = PostmortemFactory(
            incident=incident,
            created_at=incident.resolved_at + dt.timedelta(hours=hours),
            status="published",
            published_at=incident.resolved_at + dt.timedelta(days=2),
        )
        ActionItemFactory(
            postmortem=pm, created_at=dt.datetime(2026, 4, 3, tzinfo=dt.UTC),
            due_date=dt.date(2026, 4, 10), status="done",
            completed_at=dt.datetime(2026, 4, 9 + hours // 10, 12, tzinfo=dt.UTC),
        )  # fmt: skip

    months = {m.key: m for m in review_health(user=admin_user, teams=[team], now=now, tz=berlin)}
    utc = {
        m.key: m for m in review_health(user=admin_user, teams=[team], now=now, tz=ZoneInfo("UTC"))
    }

    assert list(months)[-1] == "2026-04"
    assert len(months) == 12
    april = months["2026-04"]
    assert april.incidents == 4
    assert utc["2026-04"].incidents == 3
    assert april.by_severity == {"SEV1": 3, "SEV2": 1, "SEV3": 0, "SEV4": 0}
    assert (april.reviews_due, april.started_in_time) == (4, 3)  # the edge took 30 h
    assert (april.publish_due, april.published_in_time) == (4, 3)
    assert april.median_to_draft == dt.timedelta(hours=15)  # 2, 10, 20, 30
    assert (april.items_opened, april.items_closed) == (3, 3)
    # Done on Apr 9, 10 and 11 against Apr 10: two of three on time.
    assert (april.items_done_with_due, april.items_done_on_time) == (3, 2)
    assert april.mttr == dt.timedelta(minutes=(60 + 3 * 120) / 4)


def test_the_trend_charts_link_to_the_lists_behind_them_and_carry_a_table(
    client, frozen, lead, team
):
    IncidentFactory(team=team, severity="SEV1", started_at=NOW - dt.timedelta(days=3))
    client.force_login(lead)

    body = client.get(reverse("pm-dashboard")).content.decode()

    assert body.count('class="chart__svg"') == 6
    assert 'role="img"' not in body  # the bars are links: a group, not an image
    assert 'href="/incidents/?team=platform&amp;month=2026-11&amp;severity=SEV1"' in body
    assert "<title>Nov 26, SEV1: 1</title>" in body
    assert "Show the numbers" in body
    # The link leads to the incidents of that month.
    response = client.get(reverse("pm-incident-list"), {"team": "platform", "month": "2026-11"})
    assert response.context["page"].paginator.count == 1
    response = client.get(reverse("pm-incident-list"), {"team": "platform", "month": "2026-10"})
    assert response.context["page"].paginator.count == 0


def _charts(body: str) -> str:
    return body.split('<div class="charts">', 1)[1].split("</section>", 1)[0]


def test_the_charts_are_drawn_once_for_the_same_numbers_and_again_when_they_change(
    client, frozen, lead, team, monkeypatch, settings
):
    from postmortems.insights import views
    from postmortems.insights.dashboard_charts import charts_key, health_charts

    settings.HEALTH_LIVE_SECONDS = 0  # every view recounts the month still moving
    drawn = []

    def drawing(months, *, team):
        drawn.append(team)
        return health_charts(months, team=team)

    monkeypatch.setattr(views, "health_charts", drawing)
    client.force_login(lead)

    first = client.get(reverse("pm-dashboard")).content.decode()
    second = client.get(reverse("pm-dashboard")).content.decode()
    assert drawn == ["platform"]
    assert _charts(second) == _charts(first)
    assert "<title>Nov 26, SEV1: 0</title>" in first

    IncidentFactory(team=team, severity="SEV1", started_at=NOW - dt.timedelta(days=3))
    third = client.get(reverse("pm-dashboard")).content.decode()
    assert drawn == ["platform", "platform"]
    assert "<title>Nov 26, SEV1: 1</title>" in third
    # The bars link to the team's lists: another team's charts are cached apart.
    months = review_health(user=lead, teams=[team], now=NOW, tz=ZoneInfo("UTC"))
    assert charts_key(months, team="platform") != charts_key(months, team="all")


def test_a_user_in_no_team_gets_an_explanation_not_an_error(client, frozen, db):
    lonely = MembershipFactory(team=TeamFactory()).user
    Membership.objects.filter(user=lonely).delete()
    client.force_login(lonely)
    response = client.get(reverse("pm-dashboard"))
    assert response.status_code == 200
    assert "You are not in a team yet" in response.content.decode()


def test_action_items_list_filters_by_state_owner_and_month(
    client, frozen, lead, owner, teammate, team
):
    _item(team, days=-1, owner=owner, title="Owner's overdue")
    _item(team, days=-1, owner=teammate, title="Teammate's overdue")
    done = _item(team, days=-10, owner=owner, title="Finished last month")
    done.status, done.completed_at = "done", NOW - dt.timedelta(days=35)
    done.save()
    client.force_login(lead)

    page = client.get(reverse("pm-dashboard-items"), {"state": "overdue", "owner": owner.pk})
    assert [i.title for i in page.context["page"].object_list] == ["Owner's overdue"]
    page = client.get(reverse("pm-dashboard-items"), {"state": "done", "completed": "2026-10"})
    assert [i.title for i in page.context["page"].object_list] == ["Finished last month"]
    assert timezone.localdate() == TODAY


def test_a_failed_reassign_keeps_the_chosen_person_selected(
    client, frozen, lead, owner, teammate, team
):
    item = _item(team, days=-1, owner=owner)
    client.force_login(lead)
    url = reverse("pm-action-reassign", args=[item.postmortem.incident.number, item.code])
    # A stale revision: someone else changed the item since the page was loaded.
    body = client.post(
        url, {"revision": 7, "owner": teammate.pk}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "Someone else changed this action item" in body
    assert f'<option value="{teammate.pk}" selected>Tariq Teammate</option>' in body
    assert f'<option value="{owner.pk}">Olivia Owner</option>' in body


def test_the_load_per_owner_counts_overdue_items_most_first_with_names(
    client, frozen, lead, owner, teammate, team, other_team
):
    for days in (-1, -2, -3):
        _item(team, days=days, owner=teammate)
    _item(team, days=-9, owner=owner)
    _item(team, days=-4, owner=None)
    _item(team, days=2, owner=owner)  # not overdue
    _item(other_team, days=-5, owner=owner)  # another team's
    client.force_login(lead)

    response = client.get(reverse("pm-dashboard"))

    load = [(r["owner_name"], r["n"], r["oldest"]) for r in response.context["overdue_load"]]
    assert load == [
        ("Tariq Teammate", 3, TODAY - dt.timedelta(days=3)),
        ("Olivia Owner", 1, TODAY - dt.timedelta(days=9)),
        ("", 1, TODAY - dt.timedelta(days=4)),
    ]
    body = response.content.decode()
    assert "Tariq Teammate</a>: 3 (oldest due Nov 27)" in body
    assert "Nobody</a>: 1 (oldest due Nov 26)" in body

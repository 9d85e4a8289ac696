"""The API as a client developer meets it: the follow-up list, the directory, paging to
the end, sync by change time, and errors that name what was sent."""

import datetime as dt
import json

import pytest
import time_machine
from django.urls import reverse

from postmortems.models import ActionItem
from tests.factories import (
    ActionItemFactory,
    IncidentFactory,
    MembershipFactory,
    PostmortemFactory,
    ServiceFactory,
)

NOW = dt.datetime(2026, 12, 5, 23, 30, tzinfo=dt.UTC)  # a Saturday night in UTC
TODAY = NOW.date()


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield NOW


def _item(team, *, days, owner=None, restricted=False, **extra) -> ActionItem:
    incident = IncidentFactory(team=team, restricted=restricted)
    return ActionItemFactory(
        postmortem=PostmortemFactory(incident=incident),
        owner=owner,
        due_date=TODAY + dt.timedelta(days=days),
        **extra,
    )


def _warm(api) -> None:
    api.get(reverse("pm-api:archive"))  # the token's first use is recorded once


def test_a_client_lists_overdue_action_items_across_incidents(
    api_as, frozen, team, other_team, owner, teammate
):
    late = _item(team, days=-3, owner=owner, title="Add the missing alert")
    later = _item(other_team, days=-1, owner=teammate, title="Document the failover")
    _item(team, days=2, owner=owner, title="Not late yet")
    _item(team, days=-9, owner=owner, title="Finished", status="done", completed_at=NOW)
    _item(other_team, days=-5, restricted=True, title="Restricted and late")

    body = api_as("owner").get("/api/v1/action-items", state="overdue").json()

    assert [item["title"] for item in body["items"]] == [late.title, later.title]
    first = body["items"][0]
    assert first["incident"]["reference"] == late.postmortem.incident.reference
    assert first["incident"]["team"] == team.slug
    assert first["url"].endswith(f"/postmortem/#item-{late.code}")
    assert first["owner"]["email"] == owner.email
    assert (body["count"], body["page"], body["pages"]) == (2, 1, 1)


def test_overdue_is_the_clients_own_today(api_as, frozen, team, owner):
    """Saturday 23:30 UTC is already Sunday in Tokyo: an item due Saturday is late there."""
    _item(team, days=0, owner=owner, title="Due on Saturday")
    owner.time_zone = "Asia/Tokyo"
    owner.save()
    assert api_as("owner").get("/api/v1/action-items", state="overdue").json()["count"] == 1
    owner.time_zone = "America/New_York"
    owner.save()
    assert api_as("owner").get("/api/v1/action-items", state="overdue").json()["count"] == 0


def test_the_item_list_filters_by_team_and_owner(api_as, frozen, team, other_team, owner, teammate):
    mine = _item(team, days=1, owner=owner)
    theirs = _item(team, days=1, owner=teammate)
    nobodys = _item(team, days=1)
    elsewhere = _item(other_team, days=1, owner=owner)
    api = api_as("owner")

    def codes(**params):
        return {item["code"] for item in api.get("/api/v1/action-items", **params).json()["items"]}

    assert codes(owner="me") == {str(mine.code), str(elsewhere.code)}
    assert codes(owner=teammate.email.upper()) == {str(theirs.code)}
    assert codes(owner="none") == {str(nobodys.code)}
    assert codes(team=other_team.slug) == {str(elsewhere.code)}
    unknown = api.get("/api/v1/action-items", owner="nobody@example.com", team="nope")
    assert unknown.status_code == 422
    assert unknown.json()["errors"] == {"team": ["No team has this slug."]}


@pytest.mark.parametrize("rows", [2, 30])
def test_the_item_list_costs_the_same_queries_however_many_rows(
    api_as, frozen, team, owner, rows, django_assert_num_queries
):
    for _ in range(rows):
        _item(team, days=-1, owner=owner)
    api = api_as("owner")
    _warm(api)
    # Token, count, page (items with owner, postmortem, incident, team).
    with django_assert_num_queries(3):
        response = api.get("/api/v1/action-items", state="overdue", page_size=25)
    assert len(response.json()["items"]) == min(rows, 25)


def test_reading_pages_until_an_empty_one_stops(api_as, frozen, team, owner):
    for _ in range(5):
        _item(team, days=1, owner=owner)
    api = api_as("owner")
    seen, page = [], 1
    while items := api.get("/api/v1/action-items", page=page, page_size=2).json()["items"]:
        seen += [item["code"] for item in items]
        page += 1
    assert (len(seen), len(set(seen)), page) == (5, 5, 4)
    assert api.get("/api/v1/archive", page=50).json()["items"] == []
    people = api.get("/api/v1/people", page=50).json()
    assert (people["page"], people["items"]) == (50, [])


def test_a_client_discovers_teams_services_and_people(api_as, team, other_team, owner, lead):
    parent = ServiceFactory(name="Checkout", slug="checkout")
    ServiceFactory(name="Checkout API", slug="checkout-api", parent=parent)
    MembershipFactory(team=other_team, user=owner)
    api = api_as("owner")

    teams = api.get("/api/v1/teams").json()
    services = api.get("/api/v1/services").json()
    people = api.get("/api/v1/people", q="lena").json()
    platform = api.get("/api/v1/people", team=team.slug).json()

    assert {t["slug"]: t["role"] for t in teams} == {team.slug: "member", other_team.slug: "member"}
    assert services == [
        {"slug": "checkout", "name": "Checkout", "parent": None},
        {"slug": "checkout-api", "name": "Checkout API", "parent": "checkout"},
    ]
    assert [(p["email"], p["teams"]) for p in people["items"]] == [(lead.email, [team.slug])]
    assert {p["email"] for p in platform["items"]} == {owner.email, lead.email}
    assert next(p for p in platform["items"] if p["email"] == owner.email)["teams"] == sorted(
        [team.slug, other_team.slug]
    )


def test_incidents_sync_by_the_time_they_changed(api_as, team):
    old = IncidentFactory(team=team, updated_at=dt.datetime(2026, 11, 1, tzinfo=dt.UTC))
    new = IncidentFactory(team=team, updated_at=dt.datetime(2026, 12, 1, tzinfo=dt.UTC))

    body = api_as("owner").get("/api/v1/incidents", updated_after="2026-11-15T00:00:00Z").json()

    assert [i["number"] for i in body["items"]] == [new.number]
    assert old.number not in [i["number"] for i in body["items"]]


def test_a_bad_filter_is_named_by_its_field_alone(api_as):
    response = api_as("owner").get("/api/v1/incidents", started_after="last tuesday")

    assert response.status_code == 422
    assert response.json()["errors"] == {
        "started_after": ["Use ISO 8601, e.g. 2026-11-02T09:30:00Z."]
    }


@pytest.mark.parametrize("body", ["just a string", 42, None, ["a list"]])
def test_a_body_that_is_not_an_object_is_refused_and_creates_nothing(api_as, postmortem, body):
    api = api_as("owner")
    url = f"/api/v1/incidents/{postmortem.incident.number}/postmortem/actions"

    response = api.client.post(
        url, content_type="application/json", data=json.dumps(body),
        headers=api.headers,
    )  # fmt: skip

    assert response.status_code == 422
    assert response["Content-Type"].startswith("application/json")
    assert not ActionItem.objects.exists()


def test_unknown_paths_and_methods_answer_the_apis_json_errors(api_as):
    api = api_as("owner")

    missing = api.get("/api/v1/nothing/here")
    wrong = api.put("/api/v1/incidents", {})
    anonymous = api_as(None).get("/api/v1/nothing")

    assert missing.status_code == 404
    assert missing.json()["detail"].startswith("No endpoint at /api/v1/nothing/here")
    assert wrong.status_code == 405
    assert wrong.json()["detail"].startswith("PUT is not allowed here")
    assert set(wrong["Allow"].replace(" ", "").split(",")) == {"GET", "POST"}
    assert (anonymous.status_code, anonymous["Content-Type"]) == (
        404,
        "application/json; charset=utf-8",
    )

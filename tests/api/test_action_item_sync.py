"""Action items for clients that sync: every write sets updated_at, and the lists read
what changed since a moment, in the order it changed, without skipping anything."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from postmortems.models import ActionItem
from postmortems.services.action_changes import action_item_extend, action_item_reassign
from postmortems.services.incidents import incident_update
from tests.api.conftest import ApiClient, token_for
from tests.factories import ActionItemFactory, IncidentFactory, PostmortemFactory, UserFactory

T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


def _at(minutes: int):
    return time_machine.travel(T0 + dt.timedelta(minutes=minutes), tick=False)


def _updated(item: ActionItem) -> dt.datetime:
    item.refresh_from_db()
    return item.updated_at


@pytest.fixture
def api(owner) -> ApiClient:
    return ApiClient(token_for(owner))


@pytest.fixture
def base(postmortem) -> str:
    return f"/api/v1/incidents/{postmortem.incident.number}/postmortem/actions"


def test_every_api_write_sets_updated_at_and_the_api_shows_it(api, base):
    with _at(0):
        created = api.post(base, {"title": "Add an alert"}).json()
    item = ActionItem.objects.get(code=created["code"])
    assert created["updated_at"] == "2026-11-02T09:00:00Z"
    with _at(5):
        changed = api.patch(f"{base}/{item.code}", {"revision": 0, "title": "Add two alerts"})
    assert changed.json()["updated_at"] == "2026-11-02T09:05:00Z"
    assert _updated(item) == T0 + dt.timedelta(minutes=5)
    with _at(9):
        done = api.post(f"{base}/{item.code}/complete", {"revision": 1})
    assert done.json()["updated_at"] == "2026-11-02T09:09:00Z"
    assert _updated(item) == T0 + dt.timedelta(minutes=9)


def test_quick_actions_set_updated_at(postmortem, owner, teammate):
    with _at(0):
        item = ActionItemFactory(postmortem=postmortem, owner=owner, due_date=T0.date())
    with _at(10):
        action_item_extend(
            item=item, by=owner, due_date=dt.date(2026, 11, 20), reason="Waiting on a vendor",
            expected_revision=0,
        )  # fmt: skip
    assert _updated(item) == T0 + dt.timedelta(minutes=10)
    with _at(20):
        action_item_reassign(item=item, by=owner, owner=teammate, expected_revision=1)
    assert _updated(item) == T0 + dt.timedelta(minutes=20)


def test_moving_the_incident_to_another_team_sets_its_items_updated_at(postmortem, other_team):
    with _at(0):
        item = ActionItemFactory(postmortem=postmortem)
    incident = postmortem.incident
    with _at(30):
        incident.team = other_team
        incident_update(incident=incident, expected_revision=incident.revision)
    item.refresh_from_db()
    assert (item.team, item.updated_at) == (other_team, T0 + dt.timedelta(minutes=30))


def test_the_admin_sets_updated_at(client, admin_user, postmortem):
    with _at(0):
        item = ActionItemFactory(postmortem=postmortem)
    client.force_login(admin_user)
    url = reverse("admin:postmortems_actionitem_change", args=[item.pk])
    form = client.get(url).context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}
    data["title"] = "Changed in the admin"
    with _at(40):
        assert client.post(url, data).status_code == 302
    assert _updated(item) == T0 + dt.timedelta(minutes=40)


def test_the_admin_inline_sets_updated_at(client, admin_user, postmortem):
    with _at(0):
        item = ActionItemFactory(postmortem=postmortem)
    client.force_login(admin_user)
    url = reverse("admin:postmortems_postmortem_change", args=[postmortem.pk])
    page = client.get(url)
    forms = [page.context["adminform"].form]
    for formset in page.context["inline_admin_formsets"]:
        forms += [formset.formset.management_form, *formset.formset.forms]
    data = {
        form.add_prefix(name): "" if (value := form[name].value()) is None else value
        for form in forms
        for name in form.fields
    }
    data["action_items-0-title"] = "Renamed in the review's admin"
    with _at(45):
        response = client.post(url, data)
    assert response.status_code == 302, response.context["errors"] if response.context else ""
    assert ActionItem.objects.get(pk=item.pk).title == "Renamed in the review's admin"
    assert _updated(item) == T0 + dt.timedelta(minutes=45)


def test_deleting_the_owner_sets_updated_at(postmortem):
    gone = UserFactory()
    with _at(0):
        item = ActionItemFactory(postmortem=postmortem, owner=gone)
    with _at(50):
        gone.delete()
    item.refresh_from_db()
    assert (item.owner, item.updated_at) == (None, T0 + dt.timedelta(minutes=50))


def _items_at(postmortem, minutes: list[int], **extra) -> list[ActionItem]:
    items: list[ActionItem] = []
    for m in minutes:
        with _at(m):
            items.append(ActionItemFactory(postmortem=postmortem, **extra))
    return items


def test_the_item_list_syncs_by_change_time_oldest_first_finished_items_included(
    api, postmortem, team
):
    old, done, late = _items_at(postmortem, [0, 20, 10])
    ActionItem.objects.filter(pk=done.pk).update(status="done", completed_at=T0)

    body = api.get("/api/v1/action-items", updated_after="2026-11-02T09:05:00Z").json()

    assert [i["code"] for i in body["items"]] == [str(late.code), str(done.code)]
    assert str(old.code) not in [i["code"] for i in body["items"]]
    assert body["next_cursor"] is None
    # Without updated_after the list is the dashboard's, as before: open items only.
    assert api.get("/api/v1/action-items").json()["next_cursor"] is None
    assert api.get("/api/v1/action-items").json()["count"] == 2


def test_a_sync_by_cursor_skips_nothing_when_items_change_meanwhile(api, postmortem, owner):
    items = _items_at(postmortem, [1, 2, 3, 4, 5])
    since = "2026-11-02T09:00:00Z"
    seen = []
    first = api.get("/api/v1/action-items", updated_after=since, page_size=2).json()
    seen += [i["code"] for i in first["items"]]
    # The first item read changes before the next page: with page numbers, every row
    # after it would move up one place and page 2 would skip the third item.
    with _at(30):
        api_path = f"/api/v1/incidents/{postmortem.incident.number}/postmortem/actions"
        api.patch(f"{api_path}/{items[0].code}", {"revision": 0, "title": "Changed"})
    cursor = first["next_cursor"]
    while cursor:
        page = api.get(
            "/api/v1/action-items", updated_after=since, cursor=cursor, page_size=2
        ).json()
        seen += [i["code"] for i in page["items"]]
        cursor = page["next_cursor"]

    assert seen == [str(i.code) for i in [*items, items[0]]]


def test_items_changed_at_the_same_moment_are_ordered_by_id_and_none_is_lost(api, postmortem):
    with _at(0):
        items = [ActionItemFactory(postmortem=postmortem) for _ in range(5)]
    seen, cursor = [], None
    while True:
        params = {"updated_after": "2026-11-02T09:00:00Z", "page_size": 2}
        page = api.get("/api/v1/action-items", **params, **({"cursor": cursor} if cursor else {}))
        seen += [i["code"] for i in page.json()["items"]]
        if not (cursor := page.json()["next_cursor"]):
            break
    assert seen == [str(i.code) for i in items]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"updated_after": "2026-11-02T09:00:00Z", "cursor": "not-ours"}, "cursor"),
        ({"cursor": "MjAyNi0xMS0wMlQwOTowMDowMCswMDowMHwx"}, "cursor"),
        ({"updated_after": "yesterday"}, "updated_after"),
    ],
)
def test_a_bad_sync_parameter_is_a_clear_422(api, params, field):
    response = api.get("/api/v1/action-items", **params)
    assert response.status_code == 422
    assert list(response.json()["errors"]) == [field]


@pytest.mark.parametrize("rows", [2, 30])
def test_the_sync_costs_the_same_queries_however_many_rows(
    api, postmortem, rows, django_assert_num_queries
):
    _items_at(postmortem, list(range(rows)))
    first = api.get("/api/v1/action-items", updated_after="2026-11-02T09:00:00Z", page_size=10)
    cursor = first.json()["next_cursor"]
    # Token, count, page (items with owner, postmortem, incident, team).
    with django_assert_num_queries(3):
        response = api.get(
            "/api/v1/action-items",
            updated_after="2026-11-02T09:00:00Z",
            page_size=10,
            **({"cursor": cursor} if cursor else {}),
        )
    assert len(response.json()["items"]) == min(max(rows - 10, 2), 10)


def test_a_reviews_item_list_takes_updated_after(api, base, postmortem, django_assert_num_queries):
    old, new = _items_at(postmortem, [0, 20])
    api.get("/api/v1/teams")  # the token's first use is recorded once
    # Token, postmortem (with incident and team), items with owners.
    with django_assert_num_queries(3):
        body = api.get(base, updated_after="2026-11-02T09:10:00Z").json()
    assert [i["code"] for i in body] == [str(new.code)]
    assert [i["code"] for i in api.get(base).json()] == [str(old.code), str(new.code)]


def test_only_visible_items_are_synced(api, team, other_team):
    with _at(0):
        hidden = ActionItemFactory(
            postmortem=PostmortemFactory(incident=IncidentFactory(team=other_team, restricted=True))
        )
        shown = ActionItemFactory(postmortem=PostmortemFactory(incident=IncidentFactory(team=team)))
    body = api.get("/api/v1/action-items", updated_after="2026-11-01T00:00:00Z").json()
    codes = [i["code"] for i in body["items"]]
    assert codes == [str(shown.code)]
    assert str(hidden.code) not in codes


def test_incidents_sync_by_cursor_oldest_change_first_and_skip_nothing(
    api, team, django_assert_num_queries
):
    incidents = []
    for m in range(5):
        with _at(m):
            incidents.append(IncidentFactory(team=team))
    since = "2026-11-02T09:00:00Z"
    first = api.get("/api/v1/incidents", updated_after=since, page_size=2).json()
    seen = [i["number"] for i in first["items"]]
    # The first incident read changes: page numbers would now skip the third one.
    with _at(30):
        number = incidents[0].number
        api.patch(f"/api/v1/incidents/{number}", {"revision": 0, "title": "Renamed"})
    cursor = first["next_cursor"]
    while cursor:
        # Token, count, page (with team, owner, postmortem), services.
        with django_assert_num_queries(4):
            page = api.get(
                "/api/v1/incidents", updated_after=since, cursor=cursor, page_size=2
            ).json()
        seen += [i["number"] for i in page["items"]]
        cursor = page["next_cursor"]

    assert seen == [i.number for i in [*incidents, incidents[0]]]
    assert api.get("/api/v1/incidents").json()["next_cursor"] is None

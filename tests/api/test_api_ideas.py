"""Ideas and commitments over the API: keep an idea, commit it, say how we will know it
worked; the lists keep ideas apart."""

import datetime as dt

import pytest
import time_machine

from postmortems.models import ActionItem, ActionItemChange

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 12, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _path(postmortem) -> str:
    return f"/api/v1/incidents/{postmortem.incident.number}/postmortem/actions"


COMMIT = {
    "revision": 0,
    "due_date": "2026-11-30",
    "type": "detect",
    "verification": "alert",
    "verification_plan": "The lag alert fires in the monthly failover drill.",
}


def test_an_idea_is_kept_and_committed_in_one_call(api_as, postmortem, owner, teammate):
    api = api_as("owner")
    idea = api.post(_path(postmortem), {"title": "Shard sessions", "status": "idea"})
    assert idea.status_code == 201
    body = idea.json()
    assert (body["status"], body["owner"], body["verification"]) == ("idea", None, "")
    path = f"{_path(postmortem)}/{body['code']}/commit"
    committed = api.post(path, {**COMMIT, "owner": teammate.email, "priority": "high"})
    assert committed.status_code == 200
    out = committed.json()
    assert out["status"] == "open"
    assert out["owner"]["email"] == teammate.email
    assert (out["priority"], out["verification"], out["revision"]) == ("high", "alert", 1)
    assert out["verification_plan"] == COMMIT["verification_plan"]
    item = ActionItem.objects.get(code=body["code"])
    assert item.changes.filter(field=ActionItemChange.Field.COMMITMENT).count() == 1
    # Again, with the revision read before: the conflict, with the item as it is now.
    stale = api.post(path, {**COMMIT, "owner": teammate.email})
    assert stale.status_code == 409
    assert stale.json()["current"]["status"] == "open"
    # With the current revision: it is no idea any more.
    again = api.post(path, {**COMMIT, "revision": 1, "owner": teammate.email})
    assert again.status_code == 422
    assert "already committed" in again.json()["detail"]


def test_a_commit_missing_its_plan_or_owner_says_so_in_json(api_as, postmortem, teammate):
    api = api_as("owner")
    code = api.post(_path(postmortem), {"title": "Shard sessions", "status": "idea"}).json()["code"]
    path = f"{_path(postmortem)}/{code}/commit"
    no_reason = api.post(
        path, {**COMMIT, "owner": teammate.email, "verification": "none", "verification_plan": ""}
    )
    assert no_reason.status_code == 422
    assert no_reason.json()["errors"]["verification_plan"] == ["Say why no check is possible."]
    nobody = api.post(path, {**COMMIT, "owner": "nobody@example.com"})
    assert nobody.status_code == 422
    assert "owner" in nobody.json()["errors"]
    missing = api.post(path, {"revision": 0})
    assert missing.status_code == 422
    assert {"owner", "due_date", "type", "verification"} <= set(missing.json()["errors"])
    assert ActionItem.objects.get(code=code).is_idea


def test_verification_is_set_on_create_and_patch_and_none_needs_a_reason(api_as, postmortem):
    api = api_as("owner")
    created = api.post(
        _path(postmortem),
        {"title": "Alert on lag", "verification": "metric", "verification_plan": "p99 < 1 s"},
    ).json()
    assert created["verification"] == "metric"
    path = f"{_path(postmortem)}/{created['code']}"
    refused = api.patch(path, {"revision": 0, "verification": "none", "verification_plan": ""})
    assert refused.status_code == 422
    assert "verification_plan" in refused.json()["errors"]
    changed = api.patch(path, {"revision": 0, "verification": "drill", "verification_plan": "Q1"})
    assert changed.json()["verification"] == "drill"
    # A commitment does not go back to being an idea.
    back = api.patch(path, {"revision": 1, "status": "idea"})
    assert back.status_code == 422
    assert "status" in back.json()["errors"]


def test_the_list_of_every_item_keeps_ideas_under_their_own_state(api_as, postmortem):
    api = api_as("owner")
    api.post(_path(postmortem), {"title": "An idea", "status": "idea"})
    api.post(_path(postmortem), {"title": "A commitment"})
    titles = {
        state: [i["title"] for i in api.get("/api/v1/action-items", state=state).json()["items"]]
        for state in ("open", "all", "ideas", "unplanned")
    }
    assert titles == {
        "open": ["A commitment"],
        "all": ["A commitment"],
        "ideas": ["An idea"],
        "unplanned": ["A commitment"],
    }

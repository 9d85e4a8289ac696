"""POST /api/v1/action-items/{code}/outcome and the verification fields of an item."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from postmortems.models import ActionItem
from postmortems.services.action_changes import action_item_mark_done
from tests.api.conftest import ApiClient, token_for
from tests.factories import ActionItemFactory, UserFactory

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC)
DONE_AT = NOW - dt.timedelta(days=14)
EVIDENCE = "https://ci.example.com/runs/8812"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(DONE_AT, tick=False) as traveller:
        yield traveller


@pytest.fixture
def done(postmortem, owner, frozen):
    item = ActionItemFactory(postmortem=postmortem, owner=owner, title="Retry the webhook")
    action_item_mark_done(item=item, by=owner, expected_revision=0)
    frozen.move_to(NOW)
    return item


def _url(item):
    return reverse("pm-api:action-outcome", args=[item.code])


def test_worked_with_evidence_is_recorded_and_shown(api_as, done, django_assert_num_queries):
    api = api_as("owner")
    body = {"revision": 1, "outcome": "worked", "evidence": EVIDENCE}
    # token (+user), its last-used stamp, the item's incident number, incident
    # (+postmortem; the owner owns it: no membership query), item (+owner); savepoint;
    # the recorder exists (a foreign key); the outcome's check constraint (3); savepoint,
    # lock, UPDATE, INSERT change, release; release; the tracker issue it answers with
    with django_assert_num_queries(17):
        response = api.post(_url(done), body)
    assert response.status_code == 200, response.content
    item = response.json()["item"]
    assert (item["outcome"], item["outcome_evidence"]) == ("worked", EVIDENCE)
    assert item["verify_on"] == "2026-11-26"
    assert item["outcome_at"].startswith("2026-11-26T09:00:00")
    assert response.json()["follow_up"] is None


def test_the_item_representation_carries_its_verification_date(api_as, done):
    number = done.postmortem.incident.number
    listed = api_as("owner").get(reverse("pm-api:actions", args=[number])).json()
    assert listed[0]["verify_on"] == "2026-11-26"
    assert listed[0]["outcome"] == ""


def test_a_stale_revision_is_409_with_the_item_as_it_is(api_as, done):
    response = api_as("owner").post(_url(done), {"revision": 0, "outcome": "worked", "note": "ok"})
    assert response.status_code == 409
    assert response.json()["current"]["revision"] == 1
    assert ActionItem.objects.get(pk=done.pk).outcome == ""


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"outcome": "worked"}, "evidence"),
        ({"outcome": "cannot_tell"}, "note"),
        ({"outcome": "did_not_work"}, "then"),
        ({"outcome": "worked", "evidence": "not a link"}, "outcome_evidence"),
        ({"outcome": "fixed"}, "outcome"),
    ],
)
def test_bad_input_is_422_json_and_writes_nothing(api_as, done, body, field):
    response = api_as("owner").post(_url(done), {"revision": 1, **body})
    assert response.status_code == 422
    assert field in response.json()["errors"]
    assert ActionItem.objects.get(pk=done.pk).revision == 1


def test_did_not_work_with_a_follow_up_returns_the_new_item(api_as, done, owner):
    response = api_as("lead").post(
        _url(done),
        {"revision": 1, "outcome": "did_not_work", "then": "follow_up", "note": "Still 502s"},
    )
    assert response.status_code == 200
    follow_up = response.json()["follow_up"]
    assert follow_up["title"] == "Follow-up: Retry the webhook"
    assert follow_up["owner"]["email"] == owner.email
    assert follow_up["status"] == "open"
    assert ActionItem.objects.get(code=follow_up["code"]).follow_up_of_id == done.pk


def test_the_owner_outside_the_team_records_and_an_unknown_code_is_404(done):
    elsewhere = UserFactory()
    ActionItem.objects.filter(pk=done.pk).update(owner=elsewhere)
    api = ApiClient(token_for(elsewhere))
    body = {"revision": 1, "outcome": "cannot_tell", "note": "No traffic yet."}
    assert api.post(_url(done), body).status_code == 200
    missing = reverse("pm-api:action-outcome", args=["00000000-0000-4000-8000-000000000000"])
    assert api.post(missing, body).status_code == 404


def _verify_on_url(item):
    return reverse("pm-api:action-verify-on", args=[item.code])


def test_the_owner_moves_the_verification_date_with_a_reason_in_the_history(api_as, done):
    body = {"revision": 1, "verify_on": "2026-12-10", "reason": "The next peak is on the 9th."}
    response = api_as("owner").post(_verify_on_url(done), body)
    assert response.status_code == 200, response.content
    assert response.json()["verify_on"] == "2026-12-10"
    change = done.changes.get(field="verification")
    assert (change.old_value, change.new_value, change.reason) == (
        "2026-11-26",
        "2026-12-10",
        "The next peak is on the 9th.",
    )


def test_moving_the_date_from_a_stale_revision_is_a_conflict_and_changes_nothing(api_as, done):
    response = api_as("owner").post(
        _verify_on_url(done), {"revision": 0, "verify_on": "2026-12-10"}
    )
    assert response.status_code == 409
    assert response.json()["current"]["verify_on"] == "2026-11-26"
    done.refresh_from_db()
    assert done.verify_on == dt.date(2026, 11, 26)


def test_a_past_day_or_an_item_not_waiting_is_refused_with_the_reason(api_as, done, postmortem):
    api = api_as("owner")
    past = api.post(_verify_on_url(done), {"revision": 1, "verify_on": "2026-11-25"})
    assert past.status_code == 422
    assert "verify_on" in past.json()["errors"]
    open_item = ActionItemFactory(postmortem=postmortem, owner=done.owner)
    response = api.post(_verify_on_url(open_item), {"revision": 0, "verify_on": "2026-12-10"})
    assert response.status_code == 422
    assert "waiting for its outcome" in response.content.decode()

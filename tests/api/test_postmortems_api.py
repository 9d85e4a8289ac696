"""Postmortems, timelines, action items and the archive through the API."""

import pytest
from django.urls import reverse

from postmortems.models import ActionItem, Postmortem
from postmortems.services.postmortems import text_fingerprint
from postmortems.services.search_index import index_postmortem
from tests.api.test_incidents_api import _warm
from tests.factories import (
    ActionItemFactory,
    ReviewCommentFactory,
    TimelineEventFactory,
    complete_postmortem,
    review,
)


def _base(number: int) -> str:
    return f"/api/v1/incidents/{number}/postmortem"


def test_reading_a_postmortem_gives_sections_with_fingerprints_and_readiness(
    api_as, postmortem, author
):
    body = api_as("teammate").get(_base(postmortem.incident.number)).json()
    summary = next(s for s in body["sections"] if s["name"] == "summary")
    assert summary["fingerprint"] == text_fingerprint(postmortem.summary)
    assert [s["name"] for s in body["sections"]] == list(Postmortem.SECTION_NAMES)
    assert body["ready"] is False
    assert {"summary", "timeline"} <= {check["name"] for check in body["checks"]}
    assert body["authors"] == [{"email": author.email, "display_name": "Ada Author"}]


def test_a_section_saves_from_its_fingerprint_and_conflicts_from_an_old_one(api_as, postmortem):
    api = api_as("owner")
    path = f"{_base(postmortem.incident.number)}/sections/impact"
    old_base = text_fingerprint(postmortem.impact)
    saved = api.put(path, {"text": "Half of checkouts failed.", "base": old_base})
    assert saved.status_code == 200
    assert saved.json()["fingerprint"] == text_fingerprint("Half of checkouts failed.")
    assert saved.json()["revision"] >= 1
    stale = api_as("teammate").put(path, {"text": "All checkouts failed.", "base": old_base})
    assert stale.status_code == 409
    assert stale.json()["current_text"] == "Half of checkouts failed."
    assert stale.json()["current_fingerprint"] == saved.json()["fingerprint"]
    postmortem.refresh_from_db()
    assert postmortem.impact == "Half of checkouts failed."
    assert (
        api.put(
            f"{_base(postmortem.incident.number)}/sections/nope", {"text": "", "base": ""}
        ).status_code
        == 404  # no such section in this review's layout
    )


def test_publishing_an_unready_postmortem_lists_what_is_missing(api_as, postmortem):
    response = api_as("owner").post(
        f"{_base(postmortem.incident.number)}/status", {"status": "published"}
    )
    assert response.status_code == 422
    missing = {check["name"] for check in response.json()["missing"]}
    assert {"timeline", "action_items"} <= missing
    assert all(not check["passed"] and check["required"] for check in response.json()["missing"])
    postmortem.refresh_from_db()
    assert postmortem.status == Postmortem.Status.DRAFT


def test_open_comments_stop_publishing_until_confirmed(api_as, postmortem, teammate):
    complete_postmortem(postmortem)
    comment = ReviewCommentFactory(postmortem=postmortem, author=teammate)
    api = api_as("owner")
    path = f"{_base(postmortem.incident.number)}/status"
    refused = api.post(path, {"status": "published"})
    assert refused.status_code == 409
    assert [c["code"] for c in refused.json()["open_comments"]] == [str(comment.code)]
    confirmed = api.post(path, {"status": "published", "confirm_open_comments": True})
    assert confirmed.status_code == 200
    assert confirmed.json()["status"] == "published"
    assert confirmed.json()["published_at"]


def test_a_move_the_workflow_does_not_allow_is_refused(api_as, postmortem):
    postmortem.status = Postmortem.Status.PUBLISHED
    postmortem.published_at = postmortem.created_at
    postmortem.save()
    response = api_as("owner").post(
        f"{_base(postmortem.incident.number)}/status", {"status": "in_review"}
    )
    assert response.status_code == 422
    assert "cannot move" in response.json()["detail"]


def test_starting_a_postmortem_twice_answers_the_same_one(api_as, incident):
    api = api_as("owner")
    first = api.post(_base(incident.number))
    second = api.post(_base(incident.number))
    assert first.status_code == second.status_code == 201
    assert Postmortem.objects.filter(incident=incident).count() == 1
    assert api.get(_base(incident.number + 1)).status_code == 404


def test_timeline_events_are_added_and_changed_from_their_revision(api_as, postmortem):
    api = api_as("owner")
    path = f"{_base(postmortem.incident.number)}/timeline"
    added = api.post(
        path, {"occurred_at": "2026-11-02T09:05:00Z", "kind": "detection", "text": "Paged."}
    )
    assert added.status_code == 201
    code = added.json()["code"]
    changed = api.patch(f"{path}/{code}", {"revision": 0, "text": "Paged on-call."})
    assert (changed.status_code, changed.json()["revision"]) == (200, 1)
    stale = api.patch(f"{path}/{code}", {"revision": 0, "kind": "escalation"})
    assert stale.status_code == 409
    assert stale.json()["current"]["text"] == "Paged on-call."
    bad_kind = api.post(path, {"occurred_at": "2026-11-02T09:05:00Z", "text": "x", "kind": "x"})
    assert set(bad_kind.json()["errors"]) == {"kind"}
    blank = api.post(path, {"occurred_at": "2026-11-02T09:05:00Z", "text": ""})
    assert blank.status_code == 422
    assert blank.json()["errors"] == {"text": ["This field is required."]}
    assert [e["text"] for e in api.get(path).json()] == ["Paged on-call."]
    assert (
        api.patch(f"{path}/00000000-0000-0000-0000-000000000000", {"revision": 0}).status_code
        == 404
    )


def test_action_items_are_added_changed_and_completed(api_as, postmortem, teammate):
    api = api_as("owner")
    path = f"{_base(postmortem.incident.number)}/actions"
    added = api.post(
        path,
        {"title": "Alert on pool size", "owner": teammate.email, "due_date": "2026-12-01"},
    )
    assert added.status_code == 201
    item = added.json()
    assert (item["owner"]["email"], item["due_date"], item["status"]) == (
        teammate.email,
        "2026-12-01",
        "open",
    )
    url = f"{path}/{item['code']}"
    wont = api.patch(url, {"revision": 0, "status": "wont_do"})
    assert wont.status_code == 422
    assert "wont_do_reason" in wont.json()["errors"]
    done = api.post(f"{url}/complete", {"revision": 0})
    assert (done.status_code, done.json()["status"]) == (200, "done")
    assert done.json()["completed_at"]
    assert api.post(f"{url}/complete", {"revision": 0}).status_code == 409
    again = api.post(f"{url}/complete", {"revision": 1})
    assert again.status_code == 422
    assert "already done" in again.json()["detail"]
    assert ActionItem.objects.get(code=item["code"]).changes.filter(field="status").exists()


@pytest.mark.parametrize("rows", [1, 12])
def test_lists_cost_the_same_queries_however_many_rows(
    api_as, postmortem, rows, django_assert_num_queries
):
    TimelineEventFactory.create_batch(rows, postmortem=postmortem)
    ActionItemFactory.create_batch(rows, postmortem=postmortem)
    api = api_as("owner")
    _warm(api)
    base = _base(postmortem.incident.number)
    # Token, the incident (with its postmortem; the owner may edit, no more query), rows.
    with django_assert_num_queries(3):
        assert len(api.get(f"{base}/timeline").json()) == rows
    with django_assert_num_queries(3):
        assert len(api.get(f"{base}/actions").json()) == rows


def _indexed(**fields) -> Postmortem:
    postmortem = review(**fields)
    index_postmortem(postmortem.pk)
    return postmortem


def test_the_archive_searches_what_the_archive_page_shows(api_as, team, other_team, owner):
    mine = _indexed(team=team, title="Checkout pool exhausted")
    secret = _indexed(team=other_team, restricted=True, title="Checkout secret")
    _indexed(team=team, published=False, title="Checkout draft")
    body = api_as("owner").get(reverse("pm-api:archive")).json()
    assert [hit["incident"] for hit in body["items"]] == [mine.incident.number]
    assert body["facets"]["teams"] == [{"value": "platform", "name": "Platform", "count": 1}]
    admin_view = api_as("admin_user").get(reverse("pm-api:archive"), team="payments").json()
    assert [hit["incident"] for hit in admin_view["items"]] == [secret.incident.number]
    assert api_as("owner").get(reverse("pm-api:archive"), severity="SEV7").status_code == 422


@pytest.mark.parametrize("rows", [2, 25])
def test_the_archive_costs_the_same_queries_however_many_hits(
    api_as, team, rows, django_assert_num_queries
):
    for n in range(rows):
        _indexed(team=team, days=n)
    api = api_as("owner")
    _warm(api)
    # (and which hits recurred: one statement for the page)
    with django_assert_num_queries(6):
        body = api.get(reverse("pm-api:archive")).json()
    assert body["count"] == rows
    assert len(body["items"]) == min(rows, 20)

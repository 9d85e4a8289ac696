"""The recurrences API: list, confirm, dismiss; conflicts, bad input, visibility."""

import pytest
from django.urls import reverse

from postmortems.models import Recurrence
from tests.api.conftest import ApiClient, token_for
from tests.factories import ServiceFactory
from tests.recurrence.support import earlier_review, item, open_incident

pytestmark = pytest.mark.django_db


@pytest.fixture
def flagged(team, owner, django_capture_on_commit_callbacks):
    checkout = ServiceFactory(name="Checkout", slug="checkout")
    earlier = earlier_review(team=team, services=[checkout], title="Checkout pool exhausted")
    item(earlier, title="Alert on pool saturation", status="open")
    with django_capture_on_commit_callbacks(execute=True):
        later = open_incident(team=team, services=[checkout], owner=owner)
    return Recurrence.objects.get(incident=later)


@pytest.fixture
def api_as(request):
    return lambda persona: ApiClient(token_for(request.getfixturevalue(persona)))


def _list(number):
    return reverse("pm-api:recurrences", args=[number])


def _decide(recurrence, decision):
    return reverse(
        f"pm-api:recurrence-{decision}", args=[recurrence.incident.number, recurrence.code]
    )


def test_the_list_names_both_sides_what_they_share_and_the_unsettled_items(
    api_as, flagged, django_assert_num_queries
):
    api = api_as("owner")
    # The token's, the incident, whether it has any recurrence, the recurrences both
    # ways, what they share (1) and the earlier review's items: none per recurrence.
    with django_assert_num_queries(8):
        body = api.get(_list(flagged.incident.number)).json()
    [found] = body["recurrence_of"]
    assert found["earlier"]["reference"] == flagged.earlier.reference
    assert found["shared"] == {"alert_rules": [], "services": ["checkout"], "tags": []}
    assert found["status"] == "suggested"
    assert [i["title"] for i in found["unsettled_items"]] == ["Alert on pool saturation"]
    assert body["recurred_as"] == []
    earlier = api.get(_list(flagged.earlier.number)).json()
    assert [r["incident"]["number"] for r in earlier["recurred_as"]] == [flagged.incident.number]


def test_an_incident_that_recurred_often_lists_what_each_shares_at_no_cost_per_recurrence(
    api_as, team, owner, django_assert_num_queries, django_capture_on_commit_callbacks
):
    services = [
        ServiceFactory(name="Checkout", slug="checkout"),
        ServiceFactory(name="api", slug="api"),
    ]
    earlier = earlier_review(team=team, services=services)

    def recur(n):
        for _ in range(n):
            with django_capture_on_commit_callbacks(execute=True):
                open_incident(team=team, services=services, owner=owner)

    recur(1)
    api, url = api_as("owner"), _list(earlier.incident.number)
    api.get(url)  # the token's first use of the minute writes when it was used
    # The token, the incident, the owner's right to see it, whether it has any
    # recurrence, the recurrences both ways and what they share: none per recurrence.
    with django_assert_num_queries(6) as one:
        body = api.get(url).json()
    recur(3)
    with django_assert_num_queries(len(one.captured_queries)):
        body = api.get(url).json()
    assert len(body["recurred_as"]) == 4
    for found in body["recurred_as"]:
        # By name, as the services' own order has it.
        assert found["shared"] == {"alert_rules": [], "services": ["api", "checkout"], "tags": []}


def test_confirm_then_dismiss_without_the_revision_is_a_409_with_the_current_state(
    api_as, flagged, owner
):
    api = api_as("owner")
    response = api.post(_decide(flagged, "confirm"), {"note": "Same pool again"})
    assert response.status_code == 200
    assert response.json()["status"] == "confirmed"
    assert response.json()["decided_by"] == owner.email
    assert api.post(_decide(flagged, "confirm"), {}).status_code == 200  # the same again
    conflict = api.post(_decide(flagged, "dismiss"), {"revision": 0})
    assert conflict.status_code == 409
    assert conflict.json()["current"]["status"] == "confirmed"
    assert conflict.json()["detail"]
    changed = api.post(_decide(flagged, "dismiss"), {"revision": 1})
    assert changed.json()["status"] == "dismissed"


def test_bad_input_is_a_json_error_and_changes_nothing(api_as, flagged):
    api = api_as("owner")
    for body in ({"note": "x" * 2001}, {"revision": -1}, {"note": 3}, ["confirm"]):
        response = api.post(_decide(flagged, "confirm"), body)
        assert response.status_code == 422, body
        assert response.json()["detail"]
    missing = reverse("pm-api:recurrence-confirm", args=[flagged.incident.number, "nope"])
    assert api.post(missing, {}).status_code == 404
    assert Recurrence.objects.get().status == "suggested"


def test_a_restricted_earlier_incident_is_not_listed_nor_decidable(api_as, flagged):
    earlier = flagged.earlier
    earlier.restricted = True
    earlier.save()
    api = api_as("author")  # sees the later incident, not the earlier one
    body = api.get(_list(flagged.incident.number)).json()
    assert body["recurrence_of"] == []
    assert earlier.title not in str(body)

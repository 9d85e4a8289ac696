"""Presence reports at the same moment on PostgreSQL, each request on its own
connection: the same person from two tabs, and several people at once."""

import pytest
from django.test import Client
from django.urls import reverse

from postmortems.presence.models import ReviewPresence
from tests.factories import MembershipFactory
from tests.threads import run_together

pytestmark = pytest.mark.django_db(transaction=True)
ROUNDS = 5


def _tab(user, url, sections, statuses):
    def run(barrier):
        client = Client()
        client.force_login(user)
        for section in sections:
            barrier.wait(timeout=30)
            response = client.post(url, {"section": section}, HTTP_HX_REQUEST="true")
            statuses.append(response.status_code)

    return run


def test_the_same_person_in_two_tabs_keeps_one_row(postgres, postmortem, owner):
    url = reverse("pm-presence", args=[postmortem.incident.number])
    statuses: list[int] = []

    errors = run_together(
        [
            _tab(owner, url, ["impact", "summary"] * ROUNDS, statuses),
            _tab(owner, url, ["summary", "impact"] * ROUNDS, statuses),
        ]
    )

    assert errors == []
    assert statuses == [200] * 4 * ROUNDS
    row = ReviewPresence.objects.get()
    assert (row.user, row.section in {"impact", "summary"}) == (owner, True)


def test_several_people_arriving_at_once_each_get_one_row(postgres, postmortem, team):
    people = [MembershipFactory(team=team).user for _ in range(6)]
    url = reverse("pm-presence", args=[postmortem.incident.number])
    statuses: list[int] = []

    errors = run_together(
        [_tab(person, url, ["impact", "lessons", ""] * 2, statuses) for person in people]
    )

    assert errors == []
    assert statuses == [200] * 6 * len(people)
    assert sorted(ReviewPresence.objects.values_list("user_id", flat=True)) == sorted(
        person.pk for person in people
    )

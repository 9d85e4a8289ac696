"""The people pickers' type-ahead: a few active people matching the query, by name."""

import pytest
from django.urls import reverse

from tests.factories import MembershipFactory, TeamFactory, UserFactory

URL = reverse("accounts-people")


@pytest.fixture
def people(db):
    return {
        "ann": UserFactory(display_name="Ann Lee", email="ann.lee@example.com"),
        "joanna": UserFactory(display_name="Joanna Berg", email="joanna@example.com"),
        "bo": UserFactory(display_name="Bo Annis", email="bo@example.com"),
        "gone": UserFactory(display_name="Anna Gone", email="anna@example.com", is_active=False),
        "zed": UserFactory(display_name="Zed", email="zed@annex.example"),
    }


def test_matches_by_name_or_email_starting_matches_first_as_listbox_options(
    client, people, django_assert_num_queries
):
    client.force_login(people["zed"])
    with django_assert_num_queries(3):  # session, user, the search
        response = client.get(URL, {"q": "ANN"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('role="option"') == 4
    order = [html.index(f'data-value="{people[n].pk}"') for n in ("ann", "bo", "joanna", "zed")]
    assert order == sorted(order)  # starts with, then a word starts with, then the rest
    assert "Anna Gone" not in html  # active people only
    assert response["Vary"].count("Accept")


def test_answers_json_when_asked(client, people):
    client.force_login(people["zed"])
    response = client.get(URL, {"q": "lee"}, headers={"Accept": "application/json"})
    assert response.json() == {
        "people": [{"id": people["ann"].pk, "name": "Ann Lee", "email": "ann.lee@example.com"}]
    }


def test_an_empty_query_sends_no_one_and_a_query_sends_at_most_ten(client, people):
    for number in range(15):
        UserFactory(display_name=f"Sam {number:02}")
    client.force_login(people["zed"])
    assert 'data-value="' not in client.get(URL, {"q": "  "}).content.decode()
    html = client.get(URL, {"q": "sam"}).content.decode()
    assert html.count('data-value="') == 10
    assert "Sam 00" in html
    assert "Sam 10" not in html


def test_every_word_must_match_and_no_match_says_so(client, people):
    client.force_login(people["zed"])
    html = client.get(URL, {"q": "lee berg"}).content.decode()
    assert html.count('data-value="') == 0
    assert "No one matches “lee berg”." in html
    html = client.get(URL, {"q": "jo berg"}).content.decode()
    assert f'data-value="{people["joanna"].pk}"' in html


def test_a_team_narrows_the_search_to_its_members(client, people):
    team = TeamFactory()
    MembershipFactory(team=team, user=people["bo"])
    client.force_login(people["zed"])
    html = client.get(URL, {"q": "ann", "team": team.slug}).content.decode()
    assert html.count('data-value="') == 1
    assert "Bo Annis" in html
    assert client.get(URL, {"q": "ann", "team": "no-such-team"}).status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(client, people):
    response = client.get(URL, {"q": "ann"})
    assert response.status_code == 302

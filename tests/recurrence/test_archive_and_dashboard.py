"""Confirmed recurrences in the archive (a badge, the "recurred" filter) and on the
dashboard (per service), never naming what the viewer may not see."""

import datetime as dt

import pytest
from django.urls import reverse

from postmortems.models import Recurrence
from postmortems.recurrence.services import recurrence_decide
from postmortems.services.search_index import index_postmortem
from tests.factories import BASE_TIME, ServiceFactory, UserFactory, review
from tests.recurrence.support import earlier_review, open_incident

pytestmark = pytest.mark.django_db


@pytest.fixture
def confirmed(team, owner, django_capture_on_commit_callbacks):
    checkout = ServiceFactory(name="Checkout", slug="checkout")
    earlier_review(team=team, services=[checkout], title="Checkout pool exhausted")
    with django_capture_on_commit_callbacks(execute=True):
        later = open_incident(
            team=team, services=[checkout], owner=owner, title="Checkout down again"
        )
    recurrence = Recurrence.objects.get(incident=later)
    return recurrence_decide(recurrence=recurrence, decision="confirm", by=owner)


def test_the_archive_marks_a_review_that_recurred_and_filters_to_them(
    client, owner, confirmed, team
):
    other = review(team=team, title="Search index rebuilt", number=900)
    index_postmortem(other.pk)
    client.force_login(owner)
    page = client.get(reverse("pm-archive")).content.decode()
    assert page.count(">Recurred</a>") == 1
    found = client.get(reverse("pm-archive"), {"recurred": "1"})
    hits = [hit.incident for hit in found.context["page"].object_list]
    assert hits == [confirmed.earlier]
    assert other.incident not in hits
    assert 'name="recurred" value="1" checked' in found.content.decode()


def test_a_suggested_or_dismissed_recurrence_is_no_badge(client, owner, confirmed, lead):
    recurrence_decide(recurrence=confirmed, decision="dismiss", by=lead, expected_revision=1)
    client.force_login(owner)
    assert ">Recurred</a>" not in client.get(reverse("pm-archive")).content.decode()
    assert not client.get(reverse("pm-archive"), {"recurred": "1"}).context["page"].object_list


def test_a_restricted_later_incident_gives_no_badge_to_who_may_not_see_it(client, confirmed):
    later = confirmed.incident
    later.restricted = True
    later.save()
    client.force_login(UserFactory())
    assert ">Recurred</a>" not in client.get(reverse("pm-archive")).content.decode()
    assert not client.get(reverse("pm-archive"), {"recurred": "1"}).context["page"].object_list
    page = client.get(reverse("pm-postmortem-detail", args=[confirmed.earlier.number]))
    assert later.title not in page.content.decode()


def test_the_read_view_of_the_earlier_review_says_it_recurred(client, owner, confirmed):
    client.force_login(owner)
    page = client.get(reverse("pm-postmortem-detail", args=[confirmed.earlier.number]))
    assert "Recurred as" in page.content.decode()
    assert confirmed.incident.reference in page.content.decode()


def test_the_archive_api_says_which_hits_recurred_and_filters(owner, confirmed):
    from tests.api.conftest import ApiClient, token_for

    api = ApiClient(token_for(owner))
    body = api.get(reverse("pm-api:archive"), recurred="true").json()
    assert [(hit["incident"], hit["recurred"]) for hit in body["items"]] == [
        (confirmed.earlier.number, True)
    ]


def test_the_dashboard_counts_confirmed_recurrences_per_service(
    client, lead, confirmed, team, time_machine
):
    time_machine.move_to(BASE_TIME + dt.timedelta(days=10), tick=False)
    client.force_login(lead)
    response = client.get(reverse("pm-dashboard"))
    [row] = response.context["recurrences"]
    assert (row.service.name, row.count) == ("Checkout", 1)
    page = response.content.decode()
    assert "Recurrences per service" in page
    assert reverse("pm-incident-detail", args=[confirmed.incident.number]) in page
    # Out of the window: gone.
    time_machine.move_to(BASE_TIME + dt.timedelta(days=91), tick=False)
    client.force_login(lead)
    assert client.get(reverse("pm-dashboard")).context["recurrences"] == []

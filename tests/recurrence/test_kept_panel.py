"""The recurrence panel's markup kept in the process (lib/fragment_cache.py): shown again
only while every value it shows is unchanged, and each viewer's forms post with their
own CSRF token."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from lib import fragment_cache
from postmortems.models import ActionItem, Incident, Recurrence, Service
from tests.factories import BASE_TIME, ServiceFactory
from tests.recurrence.support import earlier_review, item, open_incident

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _cold():
    fragment_cache.clear()
    yield
    fragment_cache.clear()


@pytest.fixture
def flagged(team, owner, django_capture_on_commit_callbacks):
    checkout = ServiceFactory(name="Checkout")
    earlier = earlier_review(team=team, services=[checkout], title="Checkout pool exhausted")
    item(earlier, title="Alert on pool saturation", status="open")
    with django_capture_on_commit_callbacks(execute=True):
        later = open_incident(team=team, services=[checkout], owner=owner)
    return Recurrence.objects.get(incident=later)


def _panel(client, incident) -> str:
    page = client.get(reverse("pm-incident-detail", args=[incident.number])).content.decode()
    return page.split('id="recurrence"', 1)[1].split("</section>", 1)[0]


def _without_tokens(markup: str) -> str:
    """The markup but for each request's CSRF token (masked anew every request)."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", markup)


def test_a_value_changed_behind_the_services_back_is_shown_as_it_now_is(client, flagged, owner):
    client.force_login(owner)
    first = _panel(client, flagged.incident)
    assert "Checkout pool exhausted" in first
    assert "Alert on pool saturation — open" in first
    assert _without_tokens(_panel(client, flagged.incident)) == _without_tokens(first)

    Incident.objects.filter(pk=flagged.earlier_id).update(title="Checkout pool ran dry")
    assert "Checkout pool ran dry" in _panel(client, flagged.incident)
    ActionItem.objects.filter(title="Alert on pool saturation").update(status="in_progress")
    assert "Alert on pool saturation — in progress" in _panel(client, flagged.incident)
    Service.objects.filter(name="Checkout").update(name="Checkout API")
    assert "service Checkout API" in _panel(client, flagged.incident)
    Recurrence.objects.filter(pk=flagged.pk).update(
        status=Recurrence.Status.CONFIRMED,
        note="Same pool",
        decided_by=owner,
        decided_at=BASE_TIME,
    )
    confirmed = _panel(client, flagged.incident)
    assert "Recurrence of" in confirmed
    assert "Confirmed recurrence by Olivia Owner" in confirmed
    assert "Same pool" in confirmed


def test_each_viewer_decides_with_their_own_csrf_token(flagged, owner, lead):
    tokens = []
    for person in (owner, lead):
        browser = Client(enforce_csrf_checks=True)
        browser.force_login(person)
        panel = _panel(browser, flagged.incident)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', panel).group(1)
        tokens.append(token)
        assert browser.cookies["csrftoken"].value  # the page set the cookie it checks against
    assert tokens[0] != tokens[1]

    # The lead's page, kept from the owner's render, posts with the lead's own token.
    url = reverse("pm-recurrence-decide", args=[flagged.incident.number, flagged.code, "dismiss"])
    answer = browser.post(url, {"csrfmiddlewaretoken": tokens[1], "revision": "0"})
    assert answer.status_code == 302
    assert Recurrence.objects.get(pk=flagged.pk).status == Recurrence.Status.DISMISSED

"""No dead ends: a GET to a POST-only address leads back to the page its form was on,
and the dashboards' "Start the postmortem" is a form that starts one."""

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse

from postmortems.models import Postmortem
from tests.factories import ActionItemFactory, IncidentFactory, ReviewCommentFactory

NOW = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)  # a Monday


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield NOW


def _post_only_addresses(postmortem):
    """Every POST-only address of one review, with the page a GET of it leads back to."""
    number = postmortem.incident.number
    item = ActionItemFactory(postmortem=postmortem)
    comment = ReviewCommentFactory(postmortem=postmortem)
    editor = reverse("pm-postmortem-edit", args=[number])
    detail = reverse("pm-postmortem-detail", args=[number])
    history = reverse("pm-postmortem-history", args=[number])
    return [
        (reverse("pm-section-save", args=[number, "summary"]), editor),
        (reverse("pm-blameless-check", args=[number, "summary"]), editor),
        (reverse("pm-blameless-dismiss", args=[number, "summary"]), editor),
        (reverse("pm-postmortem-details", args=[number]), editor),
        (reverse("pm-postmortem-status", args=[number]), editor),
        (reverse("pm-timeline-import-add", args=[number]), editor),
        (reverse("pm-event-add", args=[number]), editor),
        (reverse("pm-action-add", args=[number]), editor),
        (reverse("pm-action-delete", args=[number, item.code]), editor),
        (reverse("pm-revision-restore", args=[number, "summary", 1]), history),
        (reverse("pm-comment-add", args=[number]), detail),
        (reverse("pm-comment-resolve", args=[number, comment.code]), detail),
        (reverse("pm-action-done", args=[number, item.code]), detail),
        (reverse("pm-action-extend", args=[number, item.code]), detail),
        (reverse("pm-action-reassign", args=[number, item.code]), detail),
        (reverse("pm-action-nudge", args=[number, item.code]), detail),
        (
            reverse("pm-postmortem-start", args=[number]),
            reverse("pm-incident-detail", args=[number]),
        ),
    ]


def test_a_get_of_a_post_only_review_address_leads_back_and_changes_nothing(
    client, owner, postmortem
):
    client.force_login(owner)
    addresses = _post_only_addresses(postmortem)
    before = Postmortem.objects.values().get(pk=postmortem.pk)

    for address, back in addresses:
        response = client.get(address)
        assert (response.status_code, response["Location"]) == (302, back), address
        assert client.get(back).status_code == 200, back

    assert Postmortem.objects.values().get(pk=postmortem.pk) == before


def test_other_methods_on_a_post_only_address_are_still_refused(client, owner, postmortem):
    client.force_login(owner)
    address = reverse("pm-section-save", args=[postmortem.incident.number, "summary"])

    assert client.put(address).status_code == 405
    assert client.delete(address).status_code == 405


def test_leading_back_tells_an_outsider_nothing_about_a_restricted_review(
    client, outsider, postmortem
):
    postmortem.incident.restricted = True
    postmortem.incident.save()
    client.force_login(outsider)

    for address, back in _post_only_addresses(postmortem):
        assert client.get(address, follow=True).status_code == 404, address
        assert client.get(back).status_code == 404, back


def test_the_profile_and_archive_forms_lead_back_to_their_pages(client, owner):
    client.force_login(owner)
    profile = reverse("accounts-profile")

    assert client.get(reverse("pm-api-token-create"))["Location"] == profile
    assert client.get(reverse("pm-calendar-renew"))["Location"] == profile
    assert client.get(reverse("pm-archive-follow"))["Location"] == reverse("pm-archive")


@pytest.mark.parametrize("page", ["pm-dashboard", "pm-my-work"])
def test_start_the_postmortem_on_the_dashboards_is_a_form_that_starts_one(
    client, frozen, lead, team, page
):
    incident = IncidentFactory(
        team=team, owner=lead, title="Queue backlog",
        started_at=NOW - dt.timedelta(hours=40), resolved_at=NOW - dt.timedelta(hours=31),
    )  # fmt: skip
    client.force_login(lead)
    body = client.get(reverse(page)).content.decode()
    start = reverse("pm-postmortem-start", args=[incident.number])

    assert re.search(rf'<form[^>]*method="post"[^>]*action="{start}"', body)
    assert f'href="{start}"' not in body
    response = client.post(start)

    assert response["Location"] == reverse("pm-postmortem-edit", args=[incident.number])
    assert Postmortem.objects.filter(incident=incident).exists()

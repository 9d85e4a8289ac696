"""Publishing announces the review to the owning team and to followers, once."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from audit.models import AuditEvent
from postmortems.models import OutboundMessage, Postmortem, Subscription
from postmortems.notifications.tasks import send_email
from postmortems.services.postmortems import postmortem_set_status, postmortem_update_details
from tests.factories import (
    ActionItemFactory,
    MembershipFactory,
    ServiceFactory,
    UserFactory,
    complete_postmortem,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def postmortem(postmortem):
    """Ready to publish: these tests are about what publishing sends."""
    return complete_postmortem(postmortem)


def _deliver():
    """Announcements only; the pulse survey sent on publishing is tested in
    tests/insights/test_pulse.py."""
    published = OutboundMessage.objects.filter(kind=OutboundMessage.Kind.PUBLISHED)
    for pk in published.values_list("pk", flat=True):
        send_email.apply(args=(pk,))


def test_the_team_and_followers_of_a_parent_service_or_a_tag_hear_about_it(
    postmortem, owner, teammate, lead, outsider, mailoutbox
):
    edge = ServiceFactory(name="Edge", slug="edge")
    resolvers = ServiceFactory(name="Resolvers", slug="resolvers", parent=edge)
    postmortem.incident.services.add(resolvers)
    postmortem_update_details(postmortem=postmortem, authors=[owner], tag_names=["dns"])
    Subscription.objects.create(user=outsider, service=edge)
    tag_fan = UserFactory()
    Subscription.objects.create(user=tag_fan, tag=postmortem.tags.get())
    ActionItemFactory(postmortem=postmortem, title="Raise conntrack limits", owner=teammate)

    postmortem_set_status(postmortem=postmortem, status="published", by=owner)
    _deliver()
    recipients = sorted(m.to[0] for m in mailoutbox)
    assert recipients == sorted([teammate.email, lead.email, outsider.email, tag_fan.email])
    message = next(m for m in mailoutbox if m.to == [outsider.email])
    assert (
        message.subject == f"Published: {postmortem.incident.reference} {postmortem.incident.title}"
    )
    assert postmortem.summary in message.body
    assert "Raise conntrack limits" in message.body
    assert "because you follow Edge" in message.body
    assert "<strong>" not in message.body
    html, _mimetype = message.alternatives[0]
    assert "Raise conntrack limits" in html


def test_amendments_published_again_are_not_announced_twice(
    postmortem, owner, teammate, mailoutbox
):
    postmortem_set_status(postmortem=postmortem, status="published", by=owner)
    postmortem_set_status(postmortem=postmortem, status="draft", by=owner)
    postmortem_set_status(postmortem=postmortem, status="published", by=owner)
    _deliver()
    assert [m.to for m in mailoutbox] == [[teammate.email]]


def test_followers_who_may_not_see_a_restricted_incident_hear_nothing(
    postmortem, owner, outsider, mailoutbox
):
    postmortem.incident.restricted = True
    postmortem.incident.save()
    service = ServiceFactory()
    postmortem.incident.services.add(service)
    Subscription.objects.create(user=outsider, service=service)
    admin = UserFactory(is_superuser=True)
    Subscription.objects.create(user=admin, service=service)
    postmortem_set_status(postmortem=postmortem, status="published", by=owner)
    _deliver()
    recipients = {m.to[0] for m in mailoutbox}
    assert outsider.email not in recipients
    assert admin.email in recipients


def test_people_follow_and_unfollow_from_the_archive(client, outsider):
    service = ServiceFactory(name="Checkout API", slug="checkout-api")
    client.force_login(outsider)
    page = client.get(reverse("pm-archive"), {"service": "checkout-api"}).content.decode()
    assert "Follow Checkout API" in page
    response = client.post(
        reverse("pm-archive-follow"), {"service": "checkout-api"}, HTTP_HX_REQUEST="true"
    )
    assert "Unfollow Checkout API" in response.content.decode()
    assert Subscription.objects.filter(user=outsider, service=service).exists()
    client.post(reverse("pm-archive-follow"), {"service": "checkout-api"})  # idempotent
    assert Subscription.objects.filter(user=outsider).count() == 1
    response = client.post(
        reverse("pm-archive-follow"), {"service": "checkout-api", "action": "unfollow"}
    )
    assert response.status_code == 302
    assert not Subscription.objects.exists()


def test_narrowing_the_archive_by_htmx_brings_and_takes_the_follow_card(client, outsider):
    ServiceFactory(name="Checkout API", slug="checkout-api")
    client.force_login(outsider)
    archive = reverse("pm-archive")

    narrowed = client.get(archive, {"service": "checkout-api"}, HTTP_HX_REQUEST="true")
    widened = client.get(archive, {"q": "timeout"}, HTTP_HX_REQUEST="true")

    body = narrowed.content.decode()
    assert '<div id="results"' in body
    assert '<div id="follow-slot" hx-swap-oob="true">' in body
    assert "Follow Checkout API" in body
    assert '<div id="follow-slot" hx-swap-oob="true"></div>' in widened.content.decode()


def test_following_nothing_is_a_clear_error(client, outsider):
    client.force_login(outsider)
    response = client.post(reverse("pm-archive-follow"), {"service": "nope"})
    assert response.status_code == 400
    assert b"Name a service or a tag" in response.content


def test_a_member_of_two_teams_gets_one_email(postmortem, owner, other_team, mailoutbox):
    both = MembershipFactory(team=postmortem.incident.team).user
    MembershipFactory(team=other_team, user=both)
    Subscription.objects.create(user=both, tag=postmortem.tags.create(name="x", slug="x"))
    postmortem_set_status(postmortem=postmortem, status="published", by=owner)
    _deliver()
    assert [m.to for m in mailoutbox].count([both.email]) == 1


def test_publishing_again_from_a_page_loaded_before_the_first_publication_changes_nothing(
    postmortem, owner
):
    """The move is judged from the row as saved (locked), not as the caller loaded it:
    the other tab's publish neither stamps a second publication time nor announces."""
    other_tab = Postmortem.objects.get(pk=postmortem.pk)  # loaded while still a draft
    first = dt.datetime(2026, 11, 3, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(first, tick=False):
        postmortem_set_status(postmortem=postmortem, status="published", by=owner)
    announced = OutboundMessage.objects.count()

    with (
        time_machine.travel(first + dt.timedelta(minutes=5), tick=False),
        pytest.raises(ValidationError, match="A published postmortem cannot move to published"),
    ):
        postmortem_set_status(postmortem=other_tab, status="published", by=owner)

    assert Postmortem.objects.get(pk=postmortem.pk).published_at == first
    assert OutboundMessage.objects.count() == announced
    published = AuditEvent.objects.filter(action=AuditEvent.Action.POSTMORTEM_PUBLISHED)
    assert published.count() == 1

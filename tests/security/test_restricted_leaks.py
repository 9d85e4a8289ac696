"""A restricted incident leaks through nothing an outsider can reach.

One restricted, published incident carries a marker word everywhere a word can go:
title, description, every section, timeline, action items, review comments, a blameless
dismissal. The outsider (signed in, in another team) follows its service and tag, owns
one of its action items, leads their own team, and has feed, calendar and API tokens:
every list, search, feed, export, calendar and API list they can reach is searched for
the marker, and so is every email addressed to them after publishing and a day of
reminder and digest sweeps."""

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.urls import reverse

from accounts.models import Membership
from accounts.tokens import feed_token
from postmortems.api.tokens import api_token_create
from postmortems.archive.services import subscription_set
from postmortems.blameless.services import blameless_dismissal_create
from postmortems.models import OutboundMessage
from postmortems.notifications.calendar_feed import calendar_token
from postmortems.notifications.reminders import reminders_sweep
from postmortems.notifications.tasks import send_email
from postmortems.services.comments import review_comment_add
from postmortems.services.postmortems import postmortem_set_status, postmortem_update_details
from tests.api.conftest import ApiClient
from tests.factories import (
    BASE_TIME,
    ActionItemFactory,
    IncidentFactory,
    PostmortemFactory,
    ServiceFactory,
    TimelineEventFactory,
    complete_postmortem,
)

MARKER = "Zanzibarquux"
# Searches are case-insensitive and pages echo the query back in the search box: the
# query is in lower case, the stored text capitalised, and the checks case-sensitive.
QUERY = MARKER.lower()
SECTIONS = [
    "summary",
    "impact",
    "contributing_factors",
    "went_well",
    "went_wrong",
    "got_lucky",
]


@pytest.fixture
def secret(team, owner, lead, outsider, other_team, django_capture_on_commit_callbacks):
    """The restricted incident, published, and a second one still missing its review."""
    with time_machine.travel(BASE_TIME, tick=False):
        return _secret(team, other_team, owner, lead, outsider, django_capture_on_commit_callbacks)


def _secret(team, outsider_team, owner, lead, outsider, django_capture_on_commit_callbacks):
    Membership.objects.filter(user=outsider).update(role=Membership.Role.LEAD)
    service = ServiceFactory(name="Ledger", slug="ledger")
    incident = IncidentFactory(
        team=team,
        owner=owner,
        restricted=True,
        title=f"{MARKER} ledger outage",
        description=f"The {MARKER} ledger stopped.",
    )
    incident.services.add(service)
    postmortem = complete_postmortem(
        incident=incident, **dict.fromkeys(SECTIONS, f"{MARKER}: 4% failed for 38 minutes.")
    )
    TimelineEventFactory(postmortem=postmortem, text=f"{MARKER} paged the on-call.")
    today = BASE_TIME.date()
    ActionItemFactory(
        postmortem=postmortem,
        owner=outsider,
        title=f"{MARKER} item the outsider owns",
        description=f"{MARKER} description.",
        due_date=today + dt.timedelta(days=3),
    )
    ActionItemFactory(
        postmortem=postmortem,
        owner=owner,
        title=f"{MARKER} item the owner owns",
        due_date=today + dt.timedelta(days=3),
    )
    postmortem_update_details(postmortem=postmortem, authors=[owner], tag_names=["ledgers"])
    blameless_dismissal_create(
        postmortem=postmortem,
        section="summary",
        category="blame",
        excerpt=MARKER,
        reason=f"{MARKER} is a system.",
        by=owner,
    )
    postmortem_set_status(postmortem=postmortem, status="in_review", by=owner)
    review_comment_add(postmortem=postmortem, section="summary", text=f"{MARKER}?", by=lead)
    subscription_set(user=outsider, service=service, following=True)
    subscription_set(user=outsider, tag=postmortem.tags.get(), following=True)
    with django_capture_on_commit_callbacks(execute=True):
        postmortem_set_status(
            postmortem=postmortem, status="published", by=owner, publish_with_open_comments=True
        )
    # The outsider's own work, so the digest has something to say to them.
    ActionItemFactory(
        postmortem=PostmortemFactory(incident=IncidentFactory(team=outsider_team)),
        owner=outsider,
        title="Rotate the payments keys",
        due_date=today + dt.timedelta(days=3),
    )
    # Resolved a day ago with no review: the missing-review reminders are due.
    IncidentFactory(
        team=team,
        owner=owner,
        restricted=True,
        title=f"{MARKER} second outage",
        started_at=BASE_TIME - dt.timedelta(days=2),
    )
    return postmortem


def _pages(outsider, service_slug="ledger", tag_slug="ledgers"):
    feeds = [
        feed_token(outsider, scope)
        for scope in [{}, {"service": service_slug}, {"tag": tag_slug}, {"team": "platform"}]
    ]
    return [
        reverse("pm-incident-list"),
        f"{reverse('pm-incident-list')}?q={QUERY}",
        f"{reverse('pm-incident-list')}?restricted=1&status=resolved",
        reverse("pm-archive"),
        f"{reverse('pm-archive')}?q={QUERY}",
        f"{reverse('pm-archive')}?q={QUERY}&service={service_slug}&tag={tag_slug}",
        reverse("pm-archive-services"),
        reverse("pm-archive-tags"),
        reverse("pm-archive-feeds"),
        *[reverse("pm-archive-feed", args=[token]) for token in feeds],
        reverse("pm-calendar-feed", args=[calendar_token(outsider)]),
        reverse("pm-dashboard"),
        f"{reverse('pm-dashboard')}?team=platform",
        reverse("pm-dashboard-items"),
        f"{reverse('pm-dashboard-items')}?team=platform",
        reverse("pm-dashboard-csv"),
        reverse("pm-my-work"),
        reverse("accounts-profile"),
        reverse("pm-team-notifications", args=["payments"]),
        reverse("pm-alerting-list", args=["payments"]),
    ]


def test_no_page_an_outsider_can_reach_mentions_the_marker(client, outsider, secret):
    client.force_login(outsider)
    for path in _pages(outsider):
        for headers in [{}, {"HX-Request": "true"}]:
            response = client.get(path, headers=headers)
            # Another team's dashboard filter is refused outright.
            assert response.status_code in {200, 404}, (path, response.status_code)
            body = b"".join(response) if response.streaming else response.content
            assert MARKER not in body.decode(), path


def test_the_marker_is_there_for_the_team(client, owner, secret):
    """The same pages do show it to those allowed to see it: the search above is real."""
    client.force_login(owner)
    for path in [f"{reverse('pm-archive')}?q={QUERY}", reverse("pm-incident-list")]:
        assert MARKER in client.get(path).content.decode()


def test_no_api_list_mentions_the_marker(outsider, secret):
    api = ApiClient(api_token_create(user=outsider, name="t", scope="read")[1])
    for path in [
        reverse("pm-api:incidents"),
        f"{reverse('pm-api:incidents')}?q={QUERY}",
        reverse("pm-api:archive"),
        f"{reverse('pm-api:archive')}?q={QUERY}",
    ]:
        response = api.get(path)
        assert response.status_code == 200, path
        assert MARKER not in response.content.decode(), path


def test_no_email_to_the_outsider_mentions_the_marker(outsider, owner, secret, mailoutbox):
    # A week later every item is overdue and the second incident misses its review.
    start = BASE_TIME + dt.timedelta(days=7)
    for hour in range(0, 48, 1):
        reminders_sweep(now=start + dt.timedelta(hours=hour))
    for pk in OutboundMessage.objects.filter(status="queued").values_list("pk", flat=True):
        send_email.apply(args=(pk,))
    rows = OutboundMessage.objects.filter(to_address=outsider.email)
    digests = rows.filter(kind="action_digest")
    assert any("Rotate the payments keys" in row.body_text for row in digests)
    for row in rows:
        assert MARKER not in f"{row.subject}\n{row.body_text}\n{row.body_html}", row.kind
    for message in mail.outbox:
        if outsider.email in message.to:
            assert isinstance(message, EmailMultiAlternatives)
            html = "".join(str(body) for body, _type in message.alternatives)
            assert MARKER not in f"{message.subject}{message.body}{html}"
    # The sweeps and the announcement did write to the team about it.
    team_rows = OutboundMessage.objects.filter(to_address=owner.email)
    assert any(MARKER in row.subject + row.body_text for row in team_rows)

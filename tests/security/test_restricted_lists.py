"""One visibility rule (postmortems/permissions.py) for every list of names, counts
and logs: a restricted incident's tag, outbox rows, alert deliveries and firings show nothing
of it to an outsider, nor to staff who are not superusers (pages and admin alike),
and show it to a superuser."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from audit.models import AuditEvent
from audit.services import audit_record
from postmortems.models import AlertDelivery, AlertRule, Firing, OutboundMessage
from tests.alerting.support import make_hook
from tests.factories import ActionItemFactory, TagFactory, UserFactory, review

MARKER = "Zanzibarquux"


@pytest.fixture
def secret(team, owner):
    tag = TagFactory(name=f"{MARKER} tag", slug="zanzibar-tag")
    postmortem = review(team=team, restricted=True, tags=[tag], title=f"{MARKER} outage")
    postmortem.incident.owner = owner
    postmortem.incident.save()
    ActionItemFactory(postmortem=postmortem, title=f"{MARKER} item")
    incident = postmortem.incident
    OutboundMessage.objects.create(
        dedup_key="secret-reminder",
        kind="postmortem_missing",
        to_address=owner.email,
        subject=f"{MARKER} outage needs a postmortem",
        body_text="-",
        body_html="-",
        incident=incident,
        status="failed",
    )
    OutboundMessage.objects.create(
        dedup_key="secret-published",
        kind="postmortem_published",
        to_address=owner.email,
        subject=f"Published: {MARKER} outage",
        body_text="-",
        body_html="-",
        postmortem=postmortem,
    )
    AlertDelivery.objects.create(
        outcome="created", http_status=200, message=f"Opened for {MARKER}", incident=incident
    )
    integration = make_hook(team).integration
    rule = AlertRule.objects.create(integration=integration, team=team, name=f"{MARKER}Alert")
    Firing.objects.create(
        rule=rule,
        team=team,
        integration=integration,
        external_key="secret",
        fired_at=incident.started_at,
        incident=incident,
    )
    audit_record(action=AuditEvent.Action.POSTMORTEM_PUBLISHED, actor=owner, target=postmortem)
    audit_record(action=AuditEvent.Action.INCIDENT_DELETED, actor=owner, target=incident)
    return postmortem


@pytest.fixture
def staff(other_team):
    """Staff, not a superuser, in another team, allowed to view everything in the admin."""
    user = UserFactory(is_staff=True, display_name="Stella Staff")
    user.user_permissions.set(Permission.objects.filter(codename__startswith="view_"))
    return user


def _body(response) -> str:
    return (b"".join(response) if response.streaming else response.content).decode()


ARCHIVE_PAGES = ["pm-archive", "pm-archive-tags", "pm-archive-feeds", "pm-archive-services"]
STAFF_PAGES = ["pm-outbox", "pm-alert-deliveries"]
# The outbox: session, user, its failed/deferred counts, the page count, the rows. The
# delivery log also lists the failing on-call schedule feeds.
QUERIES = {"pm-outbox": 5, "pm-alert-deliveries": 6}
ADMIN_LISTS = [
    "postmortems_incident",
    "postmortems_postmortem",
    "postmortems_actionitem",
    "postmortems_alertdelivery",
    "postmortems_firing",
    "postmortems_tag",
    "audit_auditevent",
]


def _admin_pages() -> list[str]:
    pages = []
    for model in ADMIN_LISTS:
        url = reverse(f"admin:{model}_changelist")
        pages += [url, f"{url}?q={MARKER.lower()}"]
    return pages


def test_an_outsider_sees_no_restricted_tag_in_archive_filters_feeds_or_tag_lists(
    client, outsider, secret
):
    client.force_login(outsider)
    for name in ARCHIVE_PAGES:
        response = client.get(reverse(name))
        assert response.status_code == 200
        assert MARKER not in _body(response), name
    response = client.get(reverse("pm-archive"), {"tag": "zanzibar-tag"})
    assert MARKER not in _body(response)


def test_an_outsider_cannot_follow_a_tag_used_only_on_restricted_reviews(client, outsider, secret):
    client.force_login(outsider)
    response = client.post(reverse("pm-archive-follow"), {"tag": "zanzibar-tag"})
    assert response.status_code == 400
    assert not outsider.subscriptions.exists()


def test_staff_who_are_not_superusers_see_nothing_of_a_restricted_incident(client, staff, secret):
    client.force_login(staff)
    for path in [*(reverse(name) for name in ARCHIVE_PAGES + STAFF_PAGES), *_admin_pages()]:
        response = client.get(path)
        assert response.status_code == 200, path
        body = _body(response)
        assert MARKER not in body, path
        assert secret.incident.reference not in body, path
    # The rows are still there to run the outbox and read the log, without their words.
    outbox = _body(client.get(reverse("pm-outbox")))
    assert outbox.count("About a restricted incident you cannot see.") == 2
    assert "Retry" in outbox
    deliveries = _body(client.get(reverse("pm-alert-deliveries")))
    assert "About a restricted incident you cannot see." in deliveries


def test_the_team_and_superusers_see_the_restricted_incident_everywhere(
    client, owner, admin_user, secret
):
    client.force_login(owner)
    archive = _body(client.get(reverse("pm-archive")))
    assert MARKER in archive
    assert MARKER in _body(client.get(reverse("pm-archive-feeds")))
    client.force_login(admin_user)
    for path in [*(reverse(name) for name in STAFF_PAGES), *_admin_pages()]:
        assert MARKER in _body(client.get(path)), path


@pytest.mark.parametrize("name", STAFF_PAGES)
def test_the_staff_logs_hide_rows_in_the_same_number_of_queries_however_many_rows(
    client, staff, secret, name, django_assert_num_queries
):
    """The visibility test is part of the page's one list query, not one per row."""
    client.force_login(staff)
    client.get(reverse(name))  # the session and the user, loaded once
    with django_assert_num_queries(QUERIES[name]):
        client.get(reverse(name))
    for n in range(10):
        OutboundMessage.objects.create(
            dedup_key=f"more-{n}", kind="postmortem_missing", to_address="a@example.com",
            subject="s", body_text="-", body_html="-", incident=secret.incident,
        )  # fmt: skip
        AlertDelivery.objects.create(
            outcome="created", http_status=200, message="m", incident=secret.incident
        )
    with django_assert_num_queries(QUERIES[name]):
        body = _body(client.get(reverse(name)))
    assert MARKER not in body

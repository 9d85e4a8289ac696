"""The team's tracker settings, an item's issue panel (with and without htmx) and the API."""

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from postmortems.models import ActionItem
from postmortems.trackers.models import TrackerConnection, TrackerIssue, TrackerPerson
from tests.api.conftest import ApiClient, token_for
from tests.factories import ActionItemFactory
from tests.trackers.support import deliver_due, tracker_rows

pytestmark = pytest.mark.django_db


def test_a_lead_connects_github_and_sees_the_secret_once(client, lead, team):
    client.force_login(lead)
    url = reverse("pm-tracker-settings", args=[team.slug])
    response = client.post(
        url,
        {
            "kind": "github",
            "base_url": "https://api.github.com",
            "project": "acme/api",
            "token": "github_pat_do_not_show",
            "labels": "postmortem, reliability",
            "auto_create": "on",
            "sync_enabled": "on",
        },
    )
    connection = TrackerConnection.objects.get(team=team)
    assert connection.token == "github_pat_do_not_show"
    assert connection.auto_create
    page = response.content.decode()
    assert connection.webhook_secret in page  # shown this once
    assert str(connection.code) in page
    assert "github_pat_do_not_show" not in page
    again = client.get(url).content.decode()
    assert connection.webhook_secret not in again
    assert "github_pat_do_not_show" not in again
    # Saving without a token keeps the stored one.
    client.post(
        url,
        {
            "base_url": "https://api.github.com",
            "project": "acme/web",
            "labels": "",
            "sync_enabled": "on",
        },
    )
    connection.refresh_from_db()
    assert (connection.project, connection.token) == ("acme/web", "github_pat_do_not_show")
    # The audit log says who connected and changed what, never the token or the secret.
    events = AuditEvent.objects.filter(action__startswith="tracker_").order_by("at", "id")
    assert [(e.action, e.actor, e.details.get("project")) for e in events] == [
        ("tracker_connected", lead, "acme/api"),
        ("tracker_changed", lead, "acme/web"),
    ]
    logged = str([e.details for e in events])
    assert "github_pat_do_not_show" not in logged
    assert connection.webhook_secret not in logged


def test_leads_map_people_and_a_new_secret_replaces_the_old(client, lead, owner, team, connection):
    client.force_login(lead)
    response = client.post(
        reverse("pm-tracker-people", args=[team.slug]),
        {f"people-person_{owner.pk}": "@octocat", f"people-person_{lead.pk}": ""},
    )
    assert response.status_code == 302
    assert TrackerPerson.objects.get(connection=connection).account == "octocat"
    old = connection.webhook_secret
    page = client.post(reverse("pm-tracker-secret", args=[team.slug])).content.decode()
    connection.refresh_from_db()
    assert connection.webhook_secret != old
    assert connection.webhook_secret in page
    replaced = AuditEvent.objects.get(action="tracker_secret_replaced")
    assert (replaced.actor, replaced.details) == (lead, {})


def test_the_settings_page_reads_a_fixed_number_of_queries(
    client, lead, team, connection, django_assert_num_queries
):
    client.force_login(lead)
    url = reverse("pm-tracker-settings", args=[team.slug])
    client.get(url)
    with django_assert_num_queries(7):
        assert client.get(url).status_code == 200


def test_create_and_link_from_the_item_page(client, owner, postmortem, connection, github):
    item = ActionItemFactory(postmortem=postmortem, owner=owner)
    other = ActionItemFactory(postmortem=postmortem, owner=owner)
    client.force_login(owner)
    number = postmortem.incident.number
    url = reverse("pm-action-tracker", args=[number, item.code])
    assert "Create issue in GitHub Issues" in client.get(url).content.decode()
    # htmx: the panel comes back in place.
    panel = client.post(url, headers={"HX-Request": "true"})
    assert panel.status_code == 200
    assert 'id="tracker-panel"' in panel.content.decode()
    assert "Being created" in panel.content.decode()
    deliver_due()
    # Without JavaScript, linking an existing issue.
    github.edit(1, state="open")
    other_url = reverse("pm-action-tracker", args=[number, other.code])
    response = client.post(other_url, {"reference": "https://github.com/acme/api/issues/1"})
    assert response.status_code == 422
    assert "already linked to another action item" in response.content.decode()
    github._create({"title": "Existing"})
    github.edit(2, state="closed")
    response = client.post(other_url, {"reference": "acme/api#2"})
    assert response.status_code == 302
    assert deliver_due() == ["sent"]
    link = TrackerIssue.objects.get(action_item=other)
    assert (link.key, link.sync, link.remote_closed) == ("acme/api#2", "linked", True)
    assert ActionItem.objects.get(pk=other.pk).status == "done"  # an issue already closed


def test_the_api_creates_an_issue_and_shows_it_on_the_item(owner, postmortem, connection, github):
    item = ActionItemFactory(postmortem=postmortem, owner=owner)
    api = ApiClient(token_for(owner))
    response = api.post(reverse("pm-api:action-tracker-issue", args=[item.code]), {})
    assert response.status_code == 202
    assert response.json()["sync"] == "pending"
    deliver_due()
    listed = api.get(reverse("pm-api:action-items"))
    [row] = [i for i in listed.json()["items"] if i["code"] == str(item.code)]
    assert row["tracker_issue"] == {
        "key": "acme/api#1",
        "url": "https://github.com/acme/api/issues/1",
        "closed": False,
        "sync": "linked",
        "error": "",
    }
    again = api.post(reverse("pm-api:action-tracker-issue", args=[item.code]), {})
    assert again.status_code == 422
    bad = api.post(
        reverse("pm-api:action-tracker-issue", args=[item.code]),
        {"reference": "https://github.com/other/repo/issues/1"},
    )
    assert bad.status_code == 422
    assert tracker_rows().count() == 1


def test_the_demo_team_has_github_issues_and_never_calls_github(github):
    import datetime as dt

    from postmortems.demo.seed import seed_demo

    seed_demo(now=dt.datetime(2026, 11, 2, 12, tzinfo=dt.UTC))
    connection = TrackerConnection.objects.get(team__slug="platform")
    assert not connection.sync_enabled
    links = TrackerIssue.objects.filter(connection=connection)
    assert links.count() == 8
    assert all(link.key.startswith("example-org/platform#") for link in links)
    item = links.first().action_item
    from postmortems.trackers.requests import tracker_reconcile_all

    assert tracker_reconcile_all(now=dt.datetime(2026, 11, 2, 12, tzinfo=dt.UTC)) == 0
    other = ActionItem.objects.filter(team=connection.team).exclude(tracker_issue__isnull=False)
    assert other.exists()
    from postmortems.trackers.requests import tracker_issue_create

    tracker_issue_create(item=other.exclude(status="idea").earliest("created_at"), by=None)
    assert deliver_due() == ["failed"]
    assert "Sync is off" in tracker_rows().get().last_error
    assert github.calls == []
    assert item.changes.filter(source="GitHub").exists()


def test_webhook_edges(client, connection):
    import uuid

    url = reverse("pm-tracker-webhook", args=[uuid.uuid4()])
    assert client.post(url, data=b"{}", content_type="application/json").status_code == 404
    import hashlib
    import hmac

    body = b'{"zen": "Keep it logically awesome.", "hook_id": 1}'
    signature = hmac.new(connection.webhook_secret.encode(), body, hashlib.sha256).hexdigest()
    response = client.post(
        reverse("pm-tracker-webhook", args=[connection.code]),
        data=body,
        content_type="application/json",
        headers={
            "X-GitHub-Event": "ping",
            "X-GitHub-Delivery": "p-1",
            "X-Hub-Signature-256": f"sha256={signature}",
        },
    )
    assert response.status_code == 200
    assert response.json() == {"applied": 0}
    unsigned = client.post(
        reverse("pm-tracker-webhook", args=[connection.code]),
        data=body,
        content_type="application/json",
        headers={"X-GitHub-Event": "ping"},
    )
    assert unsigned.status_code == 401


def test_the_item_page_reads_a_fixed_number_of_queries(
    client, owner, postmortem, connection, github, django_assert_num_queries
):
    item = ActionItemFactory(postmortem=postmortem, owner=owner)
    client.force_login(owner)
    client.post(reverse("pm-action-tracker", args=[postmortem.incident.number, item.code]))
    deliver_due()
    url = reverse("pm-action-history", args=[postmortem.incident.number, item.code])
    client.get(url)
    with django_assert_num_queries(7):
        assert "acme/api#1" in client.get(url).content.decode()

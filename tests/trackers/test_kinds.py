"""GitLab, Jira Cloud, Jira Data Center and Linear end to end through the framework: a
lead connects from the team's tracker settings, an item's issue is made through the
outbox (each adapter's own fake transport, as its adapter tests use), and a recorded
delivery (tests/trackers/adapters/fixtures/<kind>/), signed as that tracker signs,
closes the item."""

import base64
import datetime as dt
import hashlib
import hmac
import json

import pytest
import responses
import time_machine
from django.urls import reverse

from postmortems.models import ActionItem
from postmortems.trackers.adapters import jira
from postmortems.trackers.models import TrackerConnection, TrackerIssue
from postmortems.trackers.requests import tracker_issue_create, tracker_issue_link
from tests.factories import ActionItemFactory, complete_postmortem
from tests.trackers.adapters.jira_support import FakeJira, answer, documented_example, fixture
from tests.trackers.adapters.test_gitlab import FIXTURES as GITLAB_FIXTURES
from tests.trackers.adapters.test_linear import FIXTURES as LINEAR_FIXTURES
from tests.trackers.adapters.test_linear import TEAM_ID, FakeLinear, issue_node
from tests.trackers.support import deliver_due

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 12, 3, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def item(postmortem, owner):
    complete_postmortem(postmortem, items=0)
    return ActionItemFactory(postmortem=postmortem, owner=owner, title="Alert on saturation")


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def connect(client, lead, team, **fields) -> tuple[TrackerConnection, str]:
    """POST the settings form as a lead; the connection and the page answered."""
    client.force_login(lead)
    url = reverse("pm-tracker-settings", args=[team.slug])
    response = client.post(url, {"labels": "", "sync_enabled": "on", **fields})
    assert response.status_code == 200, response.content
    return TrackerConnection.objects.get(team=team), response.content.decode()


def link_for(item) -> TrackerIssue:
    tracker_issue_create(item=item, by=None)
    assert deliver_due() == ["sent"]
    return TrackerIssue.objects.get(action_item=item)


def post_hook(client, connection, body: bytes, headers: dict[str, str]):
    return client.post(
        reverse("pm-tracker-webhook", args=[connection.code]),
        data=body,
        content_type="application/json",
        headers=headers,
    )


def assert_closed_by(item, source: str) -> None:
    item = ActionItem.objects.get(pk=item.pk)
    assert item.status == "done"
    change = item.changes.get(field="status")
    assert (change.new_value, change.source, change.changed_by) == ("Done", source, None)


def test_gitlab_with_a_signing_token_from_gitlab(client, lead, team, item):
    key = b"a signing key made by GitLab, 32b"
    signing_token = "whsec_" + base64.b64encode(key).decode()
    connection, page = connect(
        client,
        lead,
        team,
        kind="gitlab",
        base_url="",  # the default: gitlab.com
        project="gitlabhq/gitlab-test",
        token="glpat-do-not-show",
        tracker_secret=signing_token,
    )
    assert connection.base_url == "https://gitlab.com"
    assert connection.webhook_secret == signing_token
    assert signing_token not in page
    assert "glpat-do-not-show" not in page
    assert "Issues events" in page  # GitLab's setup steps

    issues = "https://gitlab.com/api/v4/projects/gitlabhq%2Fgitlab-test/issues"
    made = json.loads((GITLAB_FIXTURES / "issues_list.json").read_text())[0]
    made |= {
        "iid": 23,
        "web_url": "https://gitlab.com/gitlabhq/gitlab-test/-/issues/23",
        "references": {"full": "gitlabhq/gitlab-test#23"},
    }
    with responses.RequestsMock() as api:
        api.get(issues, json=[])  # no issue holds the marker yet
        api.post(issues, json=made, status=201)
        link = link_for(item)
    assert (link.key, link.sync) == ("gitlabhq/gitlab-test#23", "linked")

    hook = json.loads((GITLAB_FIXTURES / "issue_hook.json").read_text())
    # Closed after it was made (an older update is a stale delivery, left alone).
    hook["object_attributes"] |= {
        "state": "closed",
        "action": "close",
        "updated_at": "2026-12-03 09:59:00 UTC",
    }
    body = json.dumps(hook).encode()
    stamp = str(int(NOW.timestamp()))
    signed = hmac.new(key, b"msg_1." + stamp.encode() + b"." + body, hashlib.sha256).digest()
    headers = {
        "X-Gitlab-Event": "Issue Hook",
        "webhook-id": "msg_1",
        "webhook-timestamp": stamp,
        "webhook-signature": "v1," + base64.b64encode(signed).decode(),
    }
    assert (
        post_hook(client, connection, body, {**headers, "webhook-id": "msg_2"}).status_code == 401
    )
    response = post_hook(client, connection, body, headers)
    assert response.json() == {"applied": 1}
    assert_closed_by(item, "GitLab")


def _jira_done_delivery(name: str, key: str, issue_id: str) -> bytes:
    """A recorded Jira delivery, its issue moved to a status of the Done category (the
    one of Jira's documented done issue)."""
    payload = fixture(name)
    payload["issue"] |= {"key": key, "id": issue_id}
    payload["issue"]["fields"]["status"] = fixture("v2-issue-done.json")["fields"]["status"]
    return json.dumps(payload).encode()


@pytest.mark.parametrize(
    ("kind", "fields", "search", "delivery"),
    [
        (
            "jira_cloud",
            {"base_url": "https://acme.atlassian.net", "email": "sync@acme.example"},
            ("/rest/api/3/search/jql", {"issues": [], "isLast": True}),
            "webhook-cloud-issue-updated-status.json",
        ),
        (
            "jira_dc",
            {"base_url": "https://jira.acme.example"},
            ("/rest/api/2/search", {"total": 0, "issues": []}),
            "webhook-server-issue-updated-assigned.json",
        ),
    ],
)
def test_jira(client, lead, team, item, monkeypatch, kind, fields, search, delivery):
    connection, page = connect(
        client, lead, team, kind=kind, project="OPS", token="jira-token", issue_type="Bug", **fields
    )
    assert connection.options["issue_type"] == "Bug"
    assert connection.webhook_secret in page  # generated here, shown once
    assert "Issue: updated" in page

    version = "3" if kind == "jira_cloud" else "2"
    created = documented_example("/rest/api/3/issue", "post", "201") | {
        "id": "10007",
        "key": "OPS-7",
    }
    fake = FakeJira(
        ("GET", search[0], answer(200, search[1])),
        ("POST", f"/rest/api/{version}/issue", answer(201, created)),
    )
    monkeypatch.setattr(jira, "urllib_transport", fake)
    link = link_for(item)
    assert (link.key, link.sync) == ("OPS-7", "linked")
    sent = fake.json(1)["fields"]
    assert (sent["project"], sent["issuetype"]) == ({"key": "OPS"}, {"name": "Bug"})
    if kind == "jira_cloud":
        basic = base64.b64encode(b"sync@acme.example:jira-token").decode()
        assert fake.requests[1].headers["Authorization"] == f"Basic {basic}"
    else:
        assert fake.requests[1].headers["Authorization"] == "Bearer jira-token"

    body = _jira_done_delivery(delivery, "OPS-7", "10007")
    digest = hmac.new(connection.webhook_secret.encode(), body, hashlib.sha256).hexdigest()
    bad = post_hook(client, connection, body, {"X-Hub-Signature": "sha256=" + "0" * 64})
    assert bad.status_code == 401
    response = post_hook(client, connection, body, {"X-Hub-Signature": f"sha256={digest}"})
    assert response.json() == {"applied": 1}
    assert_closed_by(item, "Jira")


def test_an_existing_jira_cloud_issue_is_linked_by_its_address(client, lead, team, item):
    connection, _page = connect(
        client,
        lead,
        team,
        kind="jira_cloud",
        project="OPS",
        token="jira-token",
        base_url="https://acme.atlassian.net",
        email="sync@acme.example",
    )
    link = tracker_issue_link(
        item=item, reference="https://acme.atlassian.net/browse/OPS-12", by=lead
    )
    assert (link.connection, link.key, link.sync) == (connection, "OPS-12", "pending")


def test_jira_cloud_needs_the_site_and_the_accounts_email(client, lead, team):
    client.force_login(lead)
    response = client.post(
        reverse("pm-tracker-settings", args=[team.slug]),
        {"kind": "jira_cloud", "base_url": "", "project": "OPS", "token": "t", "labels": ""},
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"base_url", "email"}
    assert not TrackerConnection.objects.exists()


def test_linear_with_its_signing_secret(client, lead, team, item):
    connection, page = connect(
        client,
        lead,
        team,
        kind="linear",
        base_url="",
        project="POR",
        token="lin_api_do_not_show",
        tracker_secret="lin_wh_signing_secret",
    )
    assert connection.base_url == "https://api.linear.app"
    assert connection.webhook_secret == "lin_wh_signing_secret"
    assert "lin_wh_signing_secret" not in page
    assert "lin_api_do_not_show" not in page
    assert "Data change events" in page

    team_answer = {"teams": {"nodes": [{"id": TEAM_ID, "key": "POR", "states": {"nodes": []}}]}}
    node = issue_node(identifier="POR-5", url="https://linear.app/getport/issue/POR-5")
    with responses.RequestsMock() as mock:
        linear = FakeLinear(mock)
        linear.on("IssueByUuid", {"issues": {"nodes": []}})
        linear.on("Team", team_answer)
        linear.on("IssueCreate", {"issueCreate": {"success": True, "issue": node}})
        link = link_for(item)
    assert (link.key, link.sync) == ("POR-5", "linked")
    assert linear.sent[-1][2]["Authorization"] == "lin_api_do_not_show"

    payload = json.loads((LINEAR_FIXTURES / "issue_create_webhook.json").read_text())
    payload["action"] = "update"
    payload["data"]["state"] = {"id": "s", "color": "#5e6ad2", "name": "Done", "type": "completed"}
    payload["data"]["updatedAt"] = "2026-12-03T09:59:00.000Z"  # after it was made
    payload["webhookTimestamp"] = int(NOW.timestamp() * 1000)
    body = json.dumps(payload).encode()
    signature = hmac.new(b"lin_wh_signing_secret", body, hashlib.sha256).hexdigest()
    headers = {"Linear-Event": "Issue", "Linear-Delivery": "d-1"}
    bad = post_hook(client, connection, body, {**headers, "Linear-Signature": "0" * 64})
    assert bad.status_code == 401
    response = post_hook(client, connection, body, {**headers, "Linear-Signature": signature})
    assert response.json() == {"applied": 1}
    assert_closed_by(item, "Linear")


@pytest.mark.parametrize("kind", ["gitlab", "jira_cloud", "jira_dc", "linear"])
def test_the_form_speaks_of_the_chosen_tracker(client, lead, team, kind):
    client.force_login(lead)
    page = client.get(reverse("pm-tracker-settings", args=[team.slug]), {"kind": kind})
    form = page.context["form"]
    assert form.kind == kind
    assert ("email" in form.fields) is (kind == "jira_cloud")
    assert ("issue_type" in form.fields) is kind.startswith("jira")
    assert f'name="kind" value="{kind}"' in page.content.decode()


def test_test_the_connection_and_the_reconcile_go_through_the_adapter(
    client, lead, team, item, monkeypatch
):
    connection, _ = connect(
        client,
        lead,
        team,
        kind="jira_dc",
        base_url="https://jira.acme.example",
        project="OPS",
        token="pat",
    )
    assert connection.options == {"issue_type": "Task"}
    fake = FakeJira(("GET", "/rest/api/2/search", answer(200, {"total": 0, "issues": []})))
    monkeypatch.setattr(jira, "urllib_transport", fake)
    response = client.post(reverse("pm-tracker-check", args=[team.slug]), follow=True)
    assert "Connected: OPS answered (0 issues" in response.content.decode()
    assert "project = " in fake.query(0)["jql"]

    fake = FakeJira(("GET", "/rest/api/2/search", answer(401, {"errorMessages": ["No."]})))
    monkeypatch.setattr(jira, "urllib_transport", fake)
    response = client.post(reverse("pm-tracker-check", args=[team.slug]), follow=True)
    assert "The tracker refused or could not be reached" in response.content.decode()


def test_an_edit_keeps_the_secrets_and_replaces_the_secret_with_one_from_the_tracker(
    client, lead, team
):
    connection, _ = connect(
        client,
        lead,
        team,
        kind="jira_cloud",
        base_url="https://acme.atlassian.net",
        project="OPS",
        token="jira-token",
        email="sync@acme.example",
    )
    generated = connection.webhook_secret
    url = reverse("pm-tracker-settings", args=[team.slug])
    page = client.get(url).content.decode()
    assert generated not in page
    assert "jira-token" not in page
    assert 'value="sync@acme.example"' in page  # not a secret: shown to edit
    fields = {"base_url": "https://acme.atlassian.net", "project": "OPS", "labels": ""}
    response = client.post(url, {**fields, "email": "bot@acme.example", "issue_type": ""})
    assert response.status_code == 302
    connection.refresh_from_db()
    assert (connection.token, connection.webhook_secret) == ("jira-token", generated)
    assert connection.options == {"email": "bot@acme.example", "issue_type": "Task"}
    client.post(url, {**fields, "email": "bot@acme.example", "tracker_secret": "from-jira"})
    connection.refresh_from_db()
    assert connection.webhook_secret == "from-jira"
    assert "from-jira" not in client.get(url).content.decode()


def test_the_unconnected_page_reads_a_fixed_number_of_queries(
    client, lead, team, django_assert_num_queries
):
    client.force_login(lead)
    url = reverse("pm-tracker-settings", args=[team.slug])
    client.get(url, {"kind": "linear"})
    with django_assert_num_queries(5):
        page = client.get(url, {"kind": "linear"})
    assert page.context["form"].initial["base_url"] == "https://api.linear.app"

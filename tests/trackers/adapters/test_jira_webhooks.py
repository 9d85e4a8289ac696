"""Recorded Jira webhook deliveries: signed as Jira signs them (X-Hub-Signature,
HMAC-SHA256 of the raw body), and read into the issues' state."""

import datetime
import hmac

import pytest

from postmortems.trackers.adapters.base import TrackerError
from postmortems.trackers.adapters.jira import JiraCloudTracker, JiraDataCenterTracker
from tests.trackers.adapters.jira_support import fixture_bytes

SECRET = "It's a Secret to Everybody"


def signed(body: bytes, secret: str = SECRET, algorithm: str = "sha256") -> dict[str, str]:
    digest = hmac.new(secret.encode(), body, algorithm).hexdigest()
    return {"X-Hub-Signature": f"{algorithm}={digest}", "Content-Type": "application/json"}


@pytest.mark.parametrize("adapter", [JiraCloudTracker, JiraDataCenterTracker])
def test_a_delivery_signed_with_the_secret_is_accepted(adapter):
    body = fixture_bytes("webhook-cloud-issue-updated-status.json")

    assert adapter.verify_webhook(headers=signed(body), body=body, secret=SECRET)
    lower = {k.lower(): v for k, v in signed(body).items()}  # as a proxy may pass them
    assert adapter.verify_webhook(headers=lower, body=body, secret=SECRET)


def test_the_signature_is_checked_against_a_published_hmac_sha256_value():
    # HMAC_SHA256("key", "The quick brown fox jumps over the lazy dog"), the example
    # value quoted wherever HMAC is explained: the algorithm is checked, not a round trip.
    body = b"The quick brown fox jumps over the lazy dog"
    digest = "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"

    assert JiraCloudTracker.verify_webhook(
        headers={"X-Hub-Signature": f"sha256={digest}"}, body=body, secret="key"
    )
    assert JiraCloudTracker.verify_webhook(
        headers={"X-Hub-Signature": f"sha256={digest.upper()}"}, body=body, secret="key"
    )


@pytest.mark.parametrize(
    "case",
    ["wrong secret", "tampered body", "no header", "no secret", "sha1", "empty digest", "not hex"],
)
def test_a_delivery_not_signed_with_the_secret_is_refused(case):
    body = fixture_bytes("webhook-cloud-issue-created.json")
    headers, secret, sent = signed(body), SECRET, body
    if case == "wrong secret":
        headers = signed(body, secret="another")
    elif case == "tampered body":
        sent = body.replace(b"To Do", b"Done")
    elif case == "no header":
        headers = {}
    elif case == "no secret":
        secret = ""
    elif case == "sha1":
        headers = signed(body, algorithm="sha1")
    elif case == "empty digest":
        headers = {"X-Hub-Signature": "sha256="}
    elif case == "not hex":
        headers = {"X-Hub-Signature": "sha256=ünïcode"}

    assert not JiraCloudTracker.verify_webhook(headers=headers, body=sent, secret=secret)


def test_a_cloud_issue_created_delivery_reports_the_issue():
    body = fixture_bytes("webhook-cloud-issue-created.json")

    [issue] = JiraCloudTracker.parse_webhook(headers=signed(body), body=body)

    assert issue.key == "BBCOM-1398"
    assert issue.remote_id == "30369"
    assert issue.url == "https://jira.test-example.ru/jira/browse/BBCOM-1398"
    assert issue.closed is False
    assert issue.assignee == "5b912f5c8a96e82b9549361c"
    assert issue.assignee_name == "Иванов Иван Иванович"
    assert issue.updated_at == datetime.datetime(
        2018, 1, 11, 13, 8, 3, 317000, tzinfo=datetime.timezone(datetime.timedelta(hours=3))
    )


def test_a_cloud_status_change_delivery_reports_the_new_state():
    body = fixture_bytes("webhook-cloud-issue-updated-status.json")

    [issue] = JiraCloudTracker.parse_webhook(headers={}, body=body)

    assert (issue.key, issue.closed, issue.due_date) == ("INDEV-6", False, None)
    assert issue.url == "https://jira.test-example.ru/browse/INDEV-6"


def test_a_server_delivery_reports_the_assignee_by_user_name():
    body = fixture_bytes("webhook-server-issue-updated-assigned.json")

    [issue] = JiraDataCenterTracker.parse_webhook(headers={}, body=body)

    assert (issue.key, issue.assignee, issue.assignee_name) == (
        "VRF-799",
        "crystal.johnston",
        "Crystal Johnston",
    )
    assert issue.title == "Create a slack/jira integration"


def test_a_done_issue_in_a_delivery_is_closed():
    body = fixture_bytes("webhook-cloud-issue-updated-status.json").replace(
        b'"key": "indeterminate"', b'"key": "done"'
    )

    [issue] = JiraCloudTracker.parse_webhook(headers={}, body=body)

    assert issue.closed


@pytest.mark.parametrize(
    "body",
    [
        b'{"webhookEvent": "comment_created", "comment": {}}',
        b'{"webhookEvent": "jira:issue_deleted", "issue": {"key": "OPS-1"}}',
        b'{"webhookEvent": "jira:issue_updated"}',
        b"[]",
    ],
)
def test_events_of_no_interest_report_nothing(body):
    assert JiraCloudTracker.parse_webhook(headers={}, body=body) == []


def test_a_delivery_that_is_not_json_is_an_error():
    with pytest.raises(TrackerError, match="not JSON"):
        JiraDataCenterTracker.parse_webhook(headers={}, body=b"<html>")

"""Linear's webhooks: the signature and freshness check, and what a delivery reports,
against a recorded delivery and Linear's published schema (fixtures/linear/README.md)."""

import datetime as dt
import hashlib
import hmac
import json
from pathlib import Path

import pytest
import time_machine
from graphql import build_schema

from postmortems.trackers.adapters.linear import LinearTracker

FIXTURES = Path(__file__).parent / "fixtures" / "linear"
SCHEMA = build_schema((FIXTURES / "schema.graphql").read_text())
USER_ID = "11c5ce7d-229b-4487-b23b-f404e4a8c85d"
RECORDED = (FIXTURES / "issue_create_webhook.json").read_bytes()
RECORDED_AT = dt.datetime.fromtimestamp(1716141329394 / 1000, tz=dt.UTC)


def sign(body: bytes, secret: str = "lin_wh_secret") -> dict[str, str]:
    return {"Linear-Signature": hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()}


def test_the_recorded_issue_delivery_is_parsed():
    (issue,) = LinearTracker.parse_webhook(headers={"Linear-Event": "Issue"}, body=RECORDED)

    assert issue.key == "POR-5"
    assert issue.url == "https://linear.app/getport/issue/POR-5/new-issue-again"
    assert issue.title == "New issue again"
    assert issue.closed is False
    assert issue.assignee == ""
    assert issue.due_date is None
    assert issue.updated_at == dt.datetime(2024, 5, 19, 17, 55, 29, 277000, tzinfo=dt.UTC)
    assert issue.remote_id == "d62a755d-5389-4dbd-98bb-3db03f239d9d"


@pytest.mark.parametrize(
    ("state", "closed"), [("completed", True), ("canceled", True), ("started", False)]
)
def test_an_update_reports_state_assignee_and_due_date(state, closed):
    payload = json.loads(RECORDED)
    payload["action"] = "update"
    payload["data"] |= {
        "state": {"id": "s", "color": "#5e6ad2", "name": state.title(), "type": state},
        "assigneeId": USER_ID,
        "assignee": {"id": USER_ID, "name": "Mor Paz", "email": "mor@example.com"},
        "dueDate": "2026-02-01",
        "updatedAt": "2026-01-20T08:00:00.000Z",
    }

    (issue,) = LinearTracker.parse_webhook(headers={}, body=json.dumps(payload).encode())

    assert issue.closed is closed
    assert (issue.assignee, issue.assignee_name) == (USER_ID, "Mor Paz")
    assert issue.due_date == dt.date(2026, 2, 1)


@pytest.mark.parametrize(
    "change",
    [{"type": "Comment"}, {"action": "remove"}, {"data": None}, {"data": {"id": "x"}}],
)
def test_other_deliveries_report_nothing(change):
    payload = json.loads(RECORDED) | change
    assert LinearTracker.parse_webhook(headers={}, body=json.dumps(payload).encode()) == []
    assert LinearTracker.parse_webhook(headers={}, body=b"not json") == []


def test_the_fields_read_from_a_delivery_are_linears_webhook_fields():
    issue_fields = SCHEMA.type_map["IssueWebhookPayload"].fields  # type: ignore[attr-defined]
    read = {
        "id",
        "identifier",
        "url",
        "title",
        "dueDate",
        "updatedAt",
        "assigneeId",
        "assignee",
        "state",
    }
    assert read <= set(issue_fields)
    recorded = json.loads(RECORDED)["data"]
    required = {name for name, field in issue_fields.items() if str(field.type).endswith("!")}
    assert required <= set(recorded)


def test_a_signed_fresh_delivery_is_accepted():
    with time_machine.travel(RECORDED_AT + dt.timedelta(seconds=30), tick=False):
        assert LinearTracker.verify_webhook(
            headers=sign(RECORDED), body=RECORDED, secret="lin_wh_secret"
        )
        lowered = {"linear-signature": sign(RECORDED)["Linear-Signature"].upper()}
        assert LinearTracker.verify_webhook(headers=lowered, body=RECORDED, secret="lin_wh_secret")


def test_a_wrong_signature_or_secret_is_refused():
    verify = LinearTracker.verify_webhook
    with time_machine.travel(RECORDED_AT, tick=False):
        assert not verify(headers=sign(RECORDED, "other"), body=RECORDED, secret="lin_wh_secret")
        assert not verify(headers=sign(RECORDED), body=RECORDED + b"\n", secret="lin_wh_secret")
        assert not verify(headers={}, body=RECORDED, secret="lin_wh_secret")
        assert not verify(headers=sign(RECORDED, ""), body=RECORDED, secret="")


@pytest.mark.parametrize("offset", [dt.timedelta(seconds=-61), dt.timedelta(seconds=61)])
def test_a_delivery_more_than_a_minute_away_is_refused(offset):
    with time_machine.travel(RECORDED_AT + offset, tick=False):
        assert not LinearTracker.verify_webhook(
            headers=sign(RECORDED), body=RECORDED, secret="lin_wh_secret"
        )


def test_the_timestamp_header_serves_when_the_body_has_none():
    body = json.dumps(json.loads(RECORDED) | {"webhookTimestamp": None}).encode()
    headers = sign(body) | {"Linear-Timestamp": "1716141329394"}
    with time_machine.travel(RECORDED_AT, tick=False):
        assert LinearTracker.verify_webhook(headers=headers, body=body, secret="lin_wh_secret")
        assert not LinearTracker.verify_webhook(
            headers=sign(body), body=body, secret="lin_wh_secret"
        )

"""The Linear adapter against Linear's published GraphQL schema and a recorded webhook
delivery (fixtures/linear/README.md). The fake API below answers over the real HTTP
client (requests, faked by `responses`) and checks, on every call, that the document
and the variables the adapter sent are valid for the schema and that its own canned
answer is a valid result of that document: a field the adapter asks for or reads that
Linear does not have fails the test."""

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests
import responses
from graphql import build_schema, execute, parse, validate
from graphql.execution.values import get_variable_values
from graphql.language import OperationDefinitionNode

from postmortems.trackers.adapters import adapter_for
from postmortems.trackers.adapters.base import (
    Connection,
    IssueDraft,
    TrackerError,
    TrackerUnavailable,
)
from postmortems.trackers.adapters.linear import LinearTracker, issue_id_for
from postmortems.trackers.adapters.linear_graphql import DOCUMENTS

FIXTURES = Path(__file__).parent / "fixtures" / "linear"
SCHEMA = build_schema((FIXTURES / "schema.graphql").read_text())
ENDPOINT = "https://api.linear.app/graphql"
TEAM_ID = "92d25fa4-fb1c-449f-b314-47f82e8f280d"
STATES = [
    {"id": "st-backlog", "name": "Backlog", "type": "backlog", "position": 0},
    {"id": "st-todo", "name": "Todo", "type": "unstarted", "position": 1},
    {"id": "st-doing", "name": "In Progress", "type": "started", "position": 2},
    {"id": "st-review", "name": "In Review", "type": "completed", "position": 4},
    {"id": "st-done", "name": "Done", "type": "completed", "position": 3},
    {"id": "st-canceled", "name": "Canceled", "type": "canceled", "position": 5},
]
TEAM = {"teams": {"nodes": [{"id": TEAM_ID, "key": "ENG", "states": {"nodes": STATES}}]}}
USER_ID = "11c5ce7d-229b-4487-b23b-f404e4a8c85d"


def issue_node(**changes: Any) -> dict[str, Any]:
    node = {
        "id": "d62a755d-5389-4dbd-98bb-3db03f239d9d",
        "identifier": "ENG-42",
        "url": "https://linear.app/acme/issue/ENG-42/add-a-canary-stage",
        "title": "Add a canary stage",
        "dueDate": "2026-01-15",
        "updatedAt": "2026-01-05T10:00:00.000Z",
        "state": {"type": "unstarted"},
        "assignee": {"id": USER_ID, "name": "Mor Paz"},
    }
    return node | changes


Answer = dict[str, Any] | Callable[[dict[str, Any]], Any]


class FakeLinear:
    """Answers each operation (by name) with the next canned answer queued for it."""

    def __init__(self, mock: responses.RequestsMock) -> None:
        self.answers: dict[str, list[Answer]] = {}
        self.sent: list[tuple[str, dict[str, Any], dict[str, str]]] = []
        mock.add_callback(responses.POST, ENDPOINT, callback=self._answer)

    def on(self, operation: str, *answers: Answer) -> None:
        self.answers.setdefault(operation, []).extend(answers)

    def variables(self, operation: str) -> list[dict[str, Any]]:
        return [variables for name, variables, _ in self.sent if name == operation]

    def operations(self) -> list[str]:
        return [name for name, _, _ in self.sent]

    def _answer(self, request):
        sent = json.loads(request.body)
        document = parse(sent["query"])
        assert validate(SCHEMA, document) == []
        (operation,) = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        assert operation.name is not None
        name = operation.name.value
        coerced = get_variable_values(
            SCHEMA, operation.variable_definitions or (), sent["variables"]
        )
        assert not isinstance(coerced, list), coerced  # a list holds the variables' errors
        self.sent.append((name, sent["variables"], dict(request.headers)))
        answer = self.answers[name].pop(0)
        if callable(answer):
            return answer(sent["variables"])
        result = execute(SCHEMA, document, root_value=answer, variable_values=sent["variables"])
        assert result.errors is None, result.errors  # the canned answer fits the schema
        return 200, {}, json.dumps({"data": result.data})


@pytest.fixture
def linear():
    with responses.RequestsMock() as mock:
        yield FakeLinear(mock)


def connect(**options: Any) -> LinearTracker:
    connection = Connection(
        kind="linear",
        base_url="",
        project="eng",
        token="lin_api_test",
        webhook_secret="lin_wh_secret",
        options=options,
    )
    adapter = adapter_for(connection)
    assert isinstance(adapter, LinearTracker)
    return adapter


def failure(status: int, errors: list[dict[str, Any]]) -> Callable[[dict[str, Any]], Any]:
    return lambda _variables: (status, {}, json.dumps({"errors": errors}))


def test_every_document_is_valid_for_linears_schema():
    for name, document in DOCUMENTS.items():
        assert validate(SCHEMA, parse(document)) == [], name


def test_create_issue_resolves_team_user_and_labels_and_sends_a_derived_id(linear):
    linear.on("Team", TEAM)
    linear.on("Users", {"users": {"nodes": [{"id": USER_ID, "name": "Mor Paz"}]}})
    workspace_label = {"id": "lb-1", "name": "Postmortem", "team": None}
    other_team = {"id": "lb-x", "name": "reliability", "team": {"id": "another-team"}}
    linear.on("Labels", {"issueLabels": {"nodes": [workspace_label, other_team]}})
    linear.on(
        "LabelCreate",
        {
            "issueLabelCreate": {
                "success": True,
                "issueLabel": {"id": "lb-2", "name": "reliability"},
            }
        },
    )
    linear.on("IssueCreate", {"issueCreate": {"success": True, "issue": issue_node()}})

    issue = connect().create_issue(
        IssueDraft(
            title="Add a canary stage",
            body="From the review of **INC-7**.",
            assignee="mor@example.com",
            due_date=dt.date(2026, 1, 15),
            labels=("postmortem", "reliability"),
            marker="pm-action-7f3a",
        )
    )

    assert linear.operations() == ["Team", "Users", "Labels", "LabelCreate", "IssueCreate"]
    assert linear.variables("Team") == [{"key": "ENG"}]
    assert linear.variables("LabelCreate") == [
        {"input": {"name": "reliability", "teamId": TEAM_ID}}
    ]
    (sent,) = linear.variables("IssueCreate")
    assert sent["input"] == {
        "id": issue_id_for("ENG", "pm-action-7f3a"),
        "teamId": TEAM_ID,
        "title": "Add a canary stage",
        "description": "From the review of **INC-7**.",
        "assigneeId": USER_ID,
        "dueDate": "2026-01-15",
        "labelIds": ["lb-1", "lb-2"],
    }
    headers = linear.sent[-1][2]
    assert headers["Authorization"] == "lin_api_test"
    assert issue.key == "ENG-42"
    assert issue.remote_id == "d62a755d-5389-4dbd-98bb-3db03f239d9d"
    assert issue.closed is False
    assert (issue.assignee, issue.assignee_name) == (USER_ID, "Mor Paz")
    assert issue.due_date == dt.date(2026, 1, 15)
    assert issue.updated_at == dt.datetime(2026, 1, 5, 10, tzinfo=dt.UTC)


def test_the_derived_id_is_stable_and_differs_by_team_and_marker():
    assert issue_id_for("ENG", "pm-1") == issue_id_for("eng", "pm-1")
    assert issue_id_for("ENG", "pm-1") != issue_id_for("OPS", "pm-1")
    assert issue_id_for("ENG", "pm-1") != issue_id_for("ENG", "pm-2")


def test_missing_labels_are_left_out_when_the_team_does_not_want_them_made(linear):
    linear.on("Team", TEAM)
    linear.on("Labels", {"issueLabels": {"nodes": []}})
    linear.on("IssueCreate", {"issueCreate": {"success": True, "issue": issue_node()}})

    connect(create_labels=False).create_issue(IssueDraft(title="T", body="", labels=("x",)))

    assert "LabelCreate" not in linear.operations()
    assert linear.variables("IssueCreate")[0]["input"]["labelIds"] == []


def test_a_retried_creation_finds_the_issue_the_first_attempt_made(linear):
    linear.on("Team", TEAM)
    taken = [{"message": "Entity already exists", "extensions": {"type": "invalid input"}}]
    linear.on("IssueCreate", failure(400, taken))
    linear.on("IssueByUuid", {"issues": {"nodes": [issue_node()]}})

    issue = connect().create_issue(IssueDraft(title="T", body="", marker="pm-action-7f3a"))

    assert issue.key == "ENG-42"
    assert linear.variables("IssueByUuid") == [{"id": issue_id_for("ENG", "pm-action-7f3a")}]


def test_a_refused_creation_with_no_earlier_issue_is_a_permanent_error(linear):
    linear.on("Team", TEAM)
    refused = [
        {
            "message": "Argument Validation Error",
            "extensions": {"type": "invalid input", "userPresentableMessage": "Title is too long"},
        }
    ]
    linear.on("IssueCreate", failure(400, refused))
    linear.on("IssueByUuid", {"issues": {"nodes": []}})

    with pytest.raises(TrackerError, match="Title is too long"):
        connect().create_issue(IssueDraft(title="T", body="", marker="pm-1"))


def test_find_by_marker_looks_the_derived_id_up(linear):
    linear.on("IssueByUuid", {"issues": {"nodes": []}}, {"issues": {"nodes": [issue_node()]}})
    tracker = connect()

    assert tracker.find_by_marker("pm-action-7f3a") is None
    found = tracker.find_by_marker("pm-action-7f3a")
    assert found is not None
    assert found.key == "ENG-42"
    assert tracker.find_by_marker("") is None
    assert len(linear.sent) == 2


def test_get_issue_reads_it_by_identifier(linear):
    linear.on("Issue", {"issue": issue_node(state={"type": "canceled"})})

    issue = connect().get_issue("https://linear.app/acme/issue/ENG-42/add-a-canary-stage")

    assert linear.variables("Issue") == [{"id": "ENG-42"}]
    assert issue.closed is True


def test_closing_moves_the_issue_to_the_teams_first_completed_state(linear):
    linear.on("Issue", {"issue": issue_node(state={"type": "started"})})
    linear.on("Team", TEAM)
    done = issue_node(state={"type": "completed"})
    linear.on("IssueUpdate", {"issueUpdate": {"success": True, "issue": done}})

    issue = connect().set_closed("ENG-42", closed=True)

    assert linear.variables("IssueUpdate") == [
        {"id": "d62a755d-5389-4dbd-98bb-3db03f239d9d", "input": {"stateId": "st-done"}}
    ]
    assert issue.closed is True


def test_reopening_moves_the_issue_to_the_first_unstarted_state(linear):
    linear.on("Issue", {"issue": issue_node(state={"type": "completed"})})
    linear.on("Team", TEAM)
    linear.on("IssueUpdate", {"issueUpdate": {"success": True, "issue": issue_node()}})

    issue = connect().set_closed("ENG-42", closed=False)

    assert linear.variables("IssueUpdate")[0]["input"] == {"stateId": "st-todo"}
    assert issue.closed is False


def test_an_issue_already_in_the_wanted_state_is_left_alone(linear):
    linear.on("Issue", {"issue": issue_node(state={"type": "started"})})

    issue = connect().set_closed("ENG-42", closed=False)

    assert linear.operations() == ["Issue"]
    assert issue.closed is False


def test_changed_since_follows_the_cursor_oldest_change_first(linear):
    linear.on("Team", TEAM)
    first = {"nodes": [issue_node()], "pageInfo": {"hasNextPage": True, "endCursor": "c1"}}
    second = {
        "nodes": [issue_node(identifier="ENG-43")],
        "pageInfo": {"hasNextPage": False, "endCursor": "c2"},
    }
    linear.on("IssuesChanged", {"issues": first}, {"issues": second})

    changed = connect().changed_since(dt.datetime(2026, 1, 1, tzinfo=dt.UTC))

    assert [issue.key for issue in changed] == ["ENG-42", "ENG-43"]
    sent = linear.variables("IssuesChanged")
    issue_filter = {
        "team": {"id": {"eq": TEAM_ID}},
        "updatedAt": {"gt": "2026-01-01T00:00:00+00:00"},
    }
    assert sent == [
        {"filter": issue_filter, "after": None},
        {"filter": issue_filter, "after": "c1"},
    ]


def test_changed_since_stops_after_max_pages(linear):
    linear.on("Team", TEAM)
    endless = {"nodes": [issue_node()], "pageInfo": {"hasNextPage": True, "endCursor": "c"}}
    linear.on("IssuesChanged", {"issues": endless}, {"issues": endless})

    changed = connect(max_pages=2).changed_since(dt.datetime(2026, 1, 1, tzinfo=dt.UTC))

    assert len(changed) == 2


def test_an_unknown_team_is_a_permanent_error(linear):
    linear.on("Team", {"teams": {"nodes": []}})

    with pytest.raises(TrackerError, match="no team with the key ENG"):
        connect().changed_since(dt.datetime(2026, 1, 1, tzinfo=dt.UTC))


@pytest.mark.parametrize(
    ("status", "errors"),
    [
        (400, [{"message": "Rate limit exceeded", "extensions": {"code": "RATELIMITED"}}]),
        (400, [{"message": "ratelimited", "extensions": {"type": "ratelimited"}}]),
        (200, [{"message": "Lock timeout", "extensions": {"type": "lock timeout"}}]),
        (429, []),
        (500, []),
        (503, []),
    ],
)
def test_rate_limits_and_server_errors_are_temporary(linear, status, errors):
    linear.on("Issue", failure(status, errors))

    with pytest.raises(TrackerUnavailable):
        connect().get_issue("ENG-42")


@pytest.mark.parametrize(
    ("status", "errors", "message"),
    [
        (
            400,
            [
                {
                    "message": "Authentication required",
                    "extensions": {"type": "authentication error"},
                }
            ],
            "Authentication required",
        ),
        (400, [{"message": "Forbidden", "extensions": {"type": "forbidden"}}], "Forbidden"),
        (
            200,
            [{"message": "Entity not found: Issue", "extensions": {"type": "invalid input"}}],
            "Entity not found",
        ),
        (401, [], "401"),
    ],
)
def test_authentication_and_validation_errors_are_permanent(linear, status, errors, message):
    linear.on("Issue", failure(status, errors))

    with pytest.raises(TrackerError, match=message):
        connect().get_issue("ENG-42")


def test_network_failures_are_temporary():
    with responses.RequestsMock() as mock:
        mock.post(ENDPOINT, body=requests.ConnectTimeout("connect timed out"))
        with pytest.raises(TrackerUnavailable, match="could not be reached"):
            connect().get_issue("ENG-42")


def test_every_request_carries_a_timeout_and_oauth_tokens_go_as_bearer():
    tracker = LinearTracker(
        Connection(
            kind="linear", base_url="https://api.linear.app", project="ENG", token="lin_oauth_x"
        )
    )
    with responses.RequestsMock() as mock:
        mock.post(ENDPOINT, json={"data": {"issue": issue_node()}})
        tracker.get_issue("ENG-42")
        # responses keeps the keyword arguments requests was called with.
        sent = mock.calls[0].request
        assert sent.req_kwargs["timeout"] == (5.0, 15.0)  # type: ignore[attr-defined]
        assert mock.calls[0].request.headers["Authorization"] == "Bearer lin_oauth_x"


@pytest.mark.parametrize(
    ("reference", "key"),
    [
        ("ENG-42", "ENG-42"),
        ("eng-042", "ENG-42"),
        ("https://linear.app/acme/issue/ENG-42/add-a-canary-stage", "ENG-42"),
        ("https://linear.app/acme/issue/ENG-42", "ENG-42"),
        ("https://linear.app/acme/issue/OPS-42/other-team", None),
        ("https://example.com/acme/issue/ENG-42", None),
        ("OPS-42", None),
        ("acme/api#42", None),
        ("", None),
    ],
)
def test_key_from_reference(reference, key):
    assert connect().key_from_reference(reference) == key

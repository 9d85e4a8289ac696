"""The GraphQL documents the Linear adapter sends, and the one function that sends them.

tests/trackers/adapters/test_linear.py validates every document here, and the variables
the adapter builds, against Linear's published schema.
"""

import json
from typing import Any

import requests

from postmortems.trackers.adapters.base import TrackerError, TrackerUnavailable

DEFAULT_ENDPOINT = "https://api.linear.app/graphql"
CONNECT_TIMEOUT = 5.0
# extensions.type values of Linear's errors (the SDK's packages/sdk/src/error.ts) that a
# later attempt may not meet; every other one (authentication, forbidden, invalid input,
# feature not accessible, usage limit...) is the request's own fault.
TEMPORARY_TYPES = frozenset({"ratelimited", "network error", "internal error", "lock timeout"})
TEMPORARY_CODES = frozenset({"RATELIMITED", "INTERNAL_SERVER_ERROR"})

ISSUE_FIELDS = """
fragment IssueFields on Issue {
  id
  identifier
  url
  title
  dueDate
  updatedAt
  state { type }
  assignee { id name }
}
"""

TEAM = """
query Team($key: String!) {
  teams(filter: {key: {eq: $key}}, first: 1) {
    nodes {
      id
      key
      states(first: 100) { nodes { id name type position } }
    }
  }
}
"""

USERS = """
query Users($filter: UserFilter!) {
  users(filter: $filter, first: 2) { nodes { id name } }
}
"""

LABELS = """
query Labels($filter: IssueLabelFilter!) {
  issueLabels(filter: $filter, first: 250) { nodes { id name team { id } } }
}
"""

LABEL_CREATE = """
mutation LabelCreate($input: IssueLabelCreateInput!) {
  issueLabelCreate(input: $input) { success issueLabel { id name } }
}
"""

ISSUE_CREATE = (
    """
mutation IssueCreate($input: IssueCreateInput!) {
  issueCreate(input: $input) { success issue { ...IssueFields } }
}
"""
    + ISSUE_FIELDS
)

ISSUE_BY_UUID = (
    """
query IssueByUuid($id: ID!) {
  issues(filter: {id: {eq: $id}}, first: 1, includeArchived: true) {
    nodes { ...IssueFields }
  }
}
"""
    + ISSUE_FIELDS
)

ISSUE = (
    """
query Issue($id: String!) {
  issue(id: $id) { ...IssueFields }
}
"""
    + ISSUE_FIELDS
)

ISSUE_UPDATE = (
    """
mutation IssueUpdate($id: String!, $input: IssueUpdateInput!) {
  issueUpdate(id: $id, input: $input) { success issue { ...IssueFields } }
}
"""
    + ISSUE_FIELDS
)

ISSUES_CHANGED = (
    """
query IssuesChanged($filter: IssueFilter!, $after: String) {
  issues(
    filter: $filter
    first: 100
    after: $after
    includeArchived: true
    sort: [{updatedAt: {order: Ascending}}]
  ) {
    nodes { ...IssueFields }
    pageInfo { hasNextPage endCursor }
  }
}
"""
    + ISSUE_FIELDS
)

DOCUMENTS = {
    "TEAM": TEAM,
    "USERS": USERS,
    "LABELS": LABELS,
    "LABEL_CREATE": LABEL_CREATE,
    "ISSUE_CREATE": ISSUE_CREATE,
    "ISSUE_BY_UUID": ISSUE_BY_UUID,
    "ISSUE": ISSUE,
    "ISSUE_UPDATE": ISSUE_UPDATE,
    "ISSUES_CHANGED": ISSUES_CHANGED,
}


def authorization(token: str) -> str:
    # Personal API keys are sent as they are; OAuth access tokens as Bearer tokens.
    return f"Bearer {token}" if token.startswith("lin_oauth_") else token


def execute(
    *,
    session: requests.Session,
    endpoint: str,
    token: str,
    timeout: float,
    document: str,
    variables: dict[str, Any],
) -> dict[str, Any]:
    """The `data` of Linear's answer; TrackerUnavailable for what may pass (network,
    timeouts, HTTP 429 and 5xx, rate limiting), TrackerError for the rest."""
    try:
        response = session.post(
            endpoint,
            json={"query": document, "variables": variables},
            headers={"Authorization": authorization(token), "Content-Type": "application/json"},
            timeout=(CONNECT_TIMEOUT, timeout),
        )
    except requests.RequestException as exc:
        raise TrackerUnavailable(f"Linear could not be reached: {exc}") from exc
    status = response.status_code
    try:
        answer = response.json()
    except (ValueError, json.JSONDecodeError):
        answer = None
    if not isinstance(answer, dict):
        answer = {}
    errors = answer.get("errors") or []
    if status == 429 or status >= 500 or any(_temporary(error) for error in errors):
        raise TrackerUnavailable(f"Linear answered {status}: {_message(errors, response)}")
    if errors or status >= 400:
        raise TrackerError(f"Linear refused the request ({status}): {_message(errors, response)}")
    data = answer.get("data")
    if not isinstance(data, dict):
        raise TrackerUnavailable(f"Linear answered {status} without data")
    return data


def _temporary(error: Any) -> bool:
    extensions = (error.get("extensions") if isinstance(error, dict) else None) or {}
    kind = str(extensions.get("type", "")).lower()
    return kind in TEMPORARY_TYPES or extensions.get("code") in TEMPORARY_CODES


def _message(errors: list[Any], response: requests.Response) -> str:
    messages = []
    for error in errors:
        if isinstance(error, dict):
            extensions = error.get("extensions") or {}
            messages.append(str(extensions.get("userPresentableMessage") or error.get("message")))
    return "; ".join(messages) or (response.text or response.reason or "no message").strip()[:500]

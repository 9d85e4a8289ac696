"""Linear issues, through Linear's GraphQL API (Linear publishes no Python SDK).

`Connection.project` is the team's key ("ENG"), `token` a personal API key (`lin_api_...`)
or an OAuth access token, `base_url` empty or Linear's API (https://api.linear.app),
`webhook_secret` the signing secret Linear shows for the webhook.

Creation is idempotent: the issue's id is a UUID derived from the team and the item's
marker, sent with `issueCreate`, so an attempt repeated after a lost answer finds the
issue instead of making a second one (Linear refuses an id it already has).

Options (all optional): `timeout` in seconds (default 15), `max_pages` of 100 issues the
reconcile reads at most (default 20), `create_labels` (default true: a label the team
does not have yet is made in the team, as GitLab does; false: such labels are left out).
"""

import datetime
import hashlib
import hmac
import json
import re
import time
import uuid
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import requests

from postmortems.trackers.adapters import linear_graphql as gql
from postmortems.trackers.adapters.base import (
    Connection,
    IssueDraft,
    RemoteIssue,
    TrackerError,
)
from postmortems.trackers.adapters.timestamps import parse_date, parse_datetime

DEFAULT_TIMEOUT = 15.0
DEFAULT_MAX_PAGES = 20
# Linear's own SDK refuses a delivery whose webhookTimestamp is more than a minute away
# (packages/sdk/src/webhooks/client.ts).
WEBHOOK_TOLERANCE_MS = 60_000
CLOSED_TYPES = frozenset({"completed", "canceled"})
# Fixed for ever: changing it would make a retried creation miss the issue it made.
ISSUE_ID_NAMESPACE = uuid.UUID("8f0d3c52-6a8e-4b3e-9a43-6f2f5b8c1d7e")
KEY_RE = re.compile(r"^(?P<team>[A-Za-z][A-Za-z0-9_]*)-(?P<number>\d+)$")
URL_PATH_RE = re.compile(r"^/[^/]+/issue/(?P<key>[A-Za-z][A-Za-z0-9_]*-\d+)(?:/[^/]*)?/?$")
UUID_RE = re.compile(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
)


def issue_id_for(team_key: str, marker: str) -> str:
    """The id an item's issue gets in a team: the same on every attempt."""
    return str(uuid.uuid5(ISSUE_ID_NAMESPACE, f"{team_key.upper()}:{marker}"))


class LinearTracker:
    kind = "linear"

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.team_key = connection.project.strip().upper()
        base = (connection.base_url or "").rstrip("/")
        if not base:
            self.endpoint = gql.DEFAULT_ENDPOINT
        else:
            self.endpoint = base if base.endswith("/graphql") else f"{base}/graphql"
        options = connection.options or {}
        self.timeout = float(options.get("timeout", DEFAULT_TIMEOUT))
        self.max_pages = int(options.get("max_pages", DEFAULT_MAX_PAGES))
        self.create_labels = bool(options.get("create_labels", True))
        self.session = requests.Session()
        self._team: dict[str, Any] | None = None

    # -- issues ---------------------------------------------------------------------

    def create_issue(self, draft: IssueDraft) -> RemoteIssue:
        team = self._team_record()
        data: dict[str, Any] = {
            "teamId": team["id"],
            "title": draft.title,
            "description": draft.body,
        }
        if draft.marker:
            data["id"] = issue_id_for(self.team_key, draft.marker)
        if draft.assignee:
            data["assigneeId"] = self._user_id(draft.assignee)
        if draft.due_date:
            data["dueDate"] = draft.due_date.isoformat()
        if draft.labels:
            data["labelIds"] = self._label_ids(draft.labels, team["id"])
        try:
            answer = self._run(gql.ISSUE_CREATE, {"input": data})["issueCreate"]
        except TrackerError:
            # Refused: maybe because an earlier attempt made it (the id is taken).
            earlier = self._by_uuid(data["id"]) if "id" in data else None
            if earlier is not None:
                return earlier
            raise
        if not answer.get("success") or not answer.get("issue"):
            raise TrackerError("Linear did not create the issue")
        return self._remote(answer["issue"])

    def find_by_marker(self, marker: str) -> RemoteIssue | None:
        if not marker:
            return None
        return self._by_uuid(issue_id_for(self.team_key, marker))

    def get_issue(self, key: str) -> RemoteIssue:
        return self._remote(self._run(gql.ISSUE, {"id": self._key(key)})["issue"])

    def set_closed(self, key: str, *, closed: bool) -> RemoteIssue:
        current = self.get_issue(key)
        if current.closed == closed:
            return current  # already so: an "In Progress" issue is not sent back to "Todo"
        state_id = self._state_id(closed=closed)
        answer = self._run(
            gql.ISSUE_UPDATE, {"id": current.remote_id, "input": {"stateId": state_id}}
        )["issueUpdate"]
        if not answer.get("success") or not answer.get("issue"):
            raise TrackerError(f"Linear did not move {key} to another state")
        return self._remote(answer["issue"])

    def changed_since(self, since: datetime.datetime) -> list[RemoteIssue]:
        """Oldest change first, at most `max_pages` pages: a reconcile that stops short
        starts the next run from the last `updated_at` it saw."""
        team = self._team_record()
        issue_filter = {"team": {"id": {"eq": team["id"]}}, "updatedAt": {"gt": since.isoformat()}}
        changed: list[RemoteIssue] = []
        after = None
        for _page in range(self.max_pages):
            issues = self._run(gql.ISSUES_CHANGED, {"filter": issue_filter, "after": after})[
                "issues"
            ]
            changed.extend(self._remote(node) for node in issues["nodes"])
            page = issues["pageInfo"]
            if not page["hasNextPage"]:
                break
            after = page["endCursor"]
        return changed

    def key_from_reference(self, reference: str) -> str | None:
        reference = reference.strip()
        if reference.startswith(("http://", "https://")):
            url = urlsplit(reference)
            found = URL_PATH_RE.match(url.path)
            if url.hostname != "linear.app" or not found:
                return None
            reference = found["key"]
        match = KEY_RE.match(reference)
        if not match or match["team"].upper() != self.team_key:
            return None
        return f"{self.team_key}-{int(match['number'])}"

    # -- webhooks -------------------------------------------------------------------

    @staticmethod
    def verify_webhook(*, headers: Mapping[str, str], body: bytes, secret: str) -> bool:
        """Linear-Signature is the hex HMAC-SHA256 of the raw body; the delivery's
        webhookTimestamp (or the Linear-Timestamp header) must be within a minute."""
        if not secret:
            return False
        lowered = {name.lower(): value for name, value in headers.items()}
        given = lowered.get("linear-signature", "").strip().lower()
        expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(given.encode(), expected.encode()):
            return False
        try:
            payload = json.loads(body)
        except ValueError:
            return False
        stamp = payload.get("webhookTimestamp") if isinstance(payload, dict) else None
        if stamp is None:
            stamp = lowered.get("linear-timestamp")
        try:
            stamp_ms = float(stamp)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return False
        return abs(time.time() * 1000 - stamp_ms) <= WEBHOOK_TOLERANCE_MS

    @staticmethod
    def parse_webhook(*, headers: Mapping[str, str], body: bytes) -> list[RemoteIssue]:
        try:
            payload = json.loads(body)
        except ValueError:
            return []
        if not isinstance(payload, dict) or payload.get("type") != "Issue":
            return []  # comments, projects, cycles, labels and the rest
        data = payload.get("data")
        if payload.get("action") not in ("create", "update") or not isinstance(data, dict):
            return []  # "remove": the issue is gone, nothing to report the state of
        if not data.get("identifier"):
            return []
        assignee = data.get("assignee") or {}
        return [
            RemoteIssue(
                key=data["identifier"],
                url=data.get("url") or payload.get("url") or "",
                title=data.get("title") or "",
                closed=(data.get("state") or {}).get("type") in CLOSED_TYPES,
                assignee=data.get("assigneeId") or "",
                assignee_name=assignee.get("name", ""),
                due_date=parse_date(data.get("dueDate")),
                updated_at=parse_datetime(data.get("updatedAt")),
                remote_id=data.get("id") or "",
            )
        ]

    # -- helpers --------------------------------------------------------------------

    def _run(self, document: str, variables: dict[str, Any]) -> dict[str, Any]:
        return gql.execute(
            session=self.session,
            endpoint=self.endpoint,
            token=self.connection.token,
            timeout=self.timeout,
            document=document,
            variables=variables,
        )

    def _team_record(self) -> dict[str, Any]:
        """The team and its workflow states, read once per adapter."""
        if self._team is None:
            nodes = self._run(gql.TEAM, {"key": self.team_key})["teams"]["nodes"]
            if not nodes:
                raise TrackerError(f"Linear has no team with the key {self.team_key}")
            self._team = nodes[0]
        return self._team

    def _state_id(self, *, closed: bool) -> str:
        states = self._team_record()["states"]["nodes"]
        wanted = ("completed",) if closed else ("unstarted", "backlog")
        for kind in wanted:
            candidates = sorted(
                (s for s in states if s["type"] == kind), key=lambda s: s["position"]
            )
            if candidates:
                return candidates[0]["id"]
        raise TrackerError(f"The Linear team {self.team_key} has no {' or '.join(wanted)} state")

    def _by_uuid(self, issue_id: str) -> RemoteIssue | None:
        nodes = self._run(gql.ISSUE_BY_UUID, {"id": issue_id})["issues"]["nodes"]
        return self._remote(nodes[0]) if nodes else None

    def _user_id(self, assignee: str) -> str:
        if UUID_RE.match(assignee):
            return assignee
        login = assignee.lstrip("@")
        user_filter = {
            "or": [{"email": {"eqIgnoreCase": login}}, {"displayName": {"eqIgnoreCase": login}}]
        }
        nodes = self._run(gql.USERS, {"filter": user_filter})["users"]["nodes"]
        if len(nodes) != 1:
            raise TrackerError(f"Linear has no single user {assignee!r}")
        return nodes[0]["id"]

    def _label_ids(self, names: tuple[str, ...], team_id: str) -> list[str]:
        """The team's labels (or the workspace's) by name, any case; missing ones made."""
        label_filter = {"or": [{"name": {"eqIgnoreCase": name}} for name in names]}
        nodes = self._run(gql.LABELS, {"filter": label_filter})["issueLabels"]["nodes"]
        usable = {
            node["name"].lower(): node["id"]
            for node in nodes
            if node.get("team") is None or node["team"]["id"] == team_id
        }
        ids = []
        for name in dict.fromkeys(names):
            if name.lower() in usable:
                ids.append(usable[name.lower()])
            elif self.create_labels:
                made = self._run(gql.LABEL_CREATE, {"input": {"name": name, "teamId": team_id}})
                ids.append(made["issueLabelCreate"]["issueLabel"]["id"])
        return ids

    def _key(self, key: str) -> str:
        normal = self.key_from_reference(key)
        if normal is None:
            raise TrackerError(f"{key!r} is not an issue of the Linear team {self.team_key}")
        return normal

    @staticmethod
    def _remote(node: dict[str, Any]) -> RemoteIssue:
        assignee = node.get("assignee") or {}
        return RemoteIssue(
            key=node["identifier"],
            url=node.get("url") or "",
            title=node.get("title") or "",
            closed=(node.get("state") or {}).get("type") in CLOSED_TYPES,
            assignee=assignee.get("id", ""),
            assignee_name=assignee.get("name", ""),
            due_date=parse_date(node.get("dueDate")),
            updated_at=parse_datetime(node.get("updatedAt")),
            remote_id=node.get("id") or "",
        )

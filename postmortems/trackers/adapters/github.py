"""GitHub Issues over GitHub's REST API (version 2022-11-28), plain HTTP.

Plain HTTP rather than PyGithub: five documented calls are all this needs, and the
requests are then exactly the ones the tests validate against GitHub's published
OpenAPI description (tests/trackers/fixtures/).

Choices GitHub's model forces:
- Assignee: the owner's GitHub login (the team's people mapping; GitHub cannot look
  an account up by email address).
- Due date: GitHub issues have none, and a milestone per date would litter the
  repository. The date is a line of the issue's body ("Due: 2026-12-31"), inside the
  block the item wrote; editing that line in GitHub moves the date here.
- Marker: an HTML comment in the body, invisible on GitHub, which find_by_marker
  looks for among the repository's newest issues.
"""

import datetime
import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from urllib.parse import quote, urlencode

from django.utils.dateparse import parse_datetime

from postmortems.trackers.adapters import http
from postmortems.trackers.adapters.base import (
    Connection,
    IssueDraft,
    RemoteIssue,
    TrackerError,
)

API_VERSION = "2022-11-28"
DUE_LINE = re.compile(r"^Due: (\d{4}-\d{2}-\d{2})\s*$", re.MULTILINE)
ISSUE_URL = re.compile(
    r"^https?://[^/]+/(?P<repo>[\w.-]+/[\w.-]+)/issues/(?P<number>\d+)/?(?:[#?].*)?$"
)
ISSUE_KEY = re.compile(r"^(?:(?P<repo>[\w.-]+/[\w.-]+))?#?(?P<number>\d+)$")
# Pages read by one reconcile (100 issues each); the rest waits for the next one.
MAX_PAGES = 10


def due_from_body(body: str) -> datetime.date | None:
    match = DUE_LINE.search(body or "")
    if not match:
        return None
    try:
        return datetime.date.fromisoformat(match[1])
    except ValueError:
        return None


def body_with_due(body: str, due: datetime.date | None) -> str:
    line = f"Due: {due.isoformat()}" if due else ""
    if DUE_LINE.search(body):
        return DUE_LINE.sub(line, body, count=1)
    return f"{body}\n\n{line}" if line else body


class GitHubTracker:
    kind = "github"

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.repo = connection.project.strip().strip("/")
        self.api = connection.base_url.rstrip("/") or "https://api.github.com"

    # --- calls -------------------------------------------------------------------

    def _call(self, method: str, path: str, payload: object = None) -> http.Response:
        return http.request_json(
            method,
            f"{self.api}{path}",
            headers={
                "Accept": "application/vnd.github+json",
                "Authorization": f"Bearer {self.connection.token}",
                "X-GitHub-Api-Version": API_VERSION,
            },
            payload=payload,
        )

    def _issues_path(self) -> str:
        owner, _, name = self.repo.partition("/")
        return f"/repos/{quote(owner)}/{quote(name)}/issues"

    def create_issue(self, draft: IssueDraft) -> RemoteIssue:
        body = body_with_due(draft.body, draft.due_date)
        if draft.marker:
            body = f"{body}\n\n<!-- {draft.marker} -->"
        payload: dict[str, object] = {"title": draft.title[:256], "body": body}
        if draft.assignee:
            payload["assignees"] = [draft.assignee]
        if draft.labels:
            payload["labels"] = list(draft.labels)
        return self.issue_from_json(self._call("POST", self._issues_path(), payload).json())

    def find_by_marker(self, marker: str) -> RemoteIssue | None:
        """The newest issues, made by anyone, whose body holds the marker. The search
        API would be shorter but its index lags by minutes: a retry right after a
        crash must find the issue made seconds before."""
        query = urlencode({"state": "all", "sort": "created", "direction": "desc", "per_page": 100})
        for issue in self._call("GET", f"{self._issues_path()}?{query}").json():
            if marker and marker in (issue.get("body") or "") and "pull_request" not in issue:
                return self.issue_from_json(issue)
        return None

    def get_issue(self, key: str) -> RemoteIssue:
        number = self._number(key)
        return self.issue_from_json(self._call("GET", f"{self._issues_path()}/{number}").json())

    def set_closed(self, key: str, *, closed: bool) -> RemoteIssue:
        number = self._number(key)
        payload = {"state": "closed", "state_reason": "completed"} if closed else {"state": "open"}
        answer = self._call("PATCH", f"{self._issues_path()}/{number}", payload)
        return self.issue_from_json(answer.json())

    def changed_since(self, since: datetime.datetime) -> list[RemoteIssue]:
        params = {
            "state": "all",
            "since": since.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "sort": "updated",
            "direction": "asc",
            "per_page": 100,
        }
        issues: list[RemoteIssue] = []
        for page in range(1, MAX_PAGES + 1):
            query = urlencode({**params, "page": page})
            batch = self._call("GET", f"{self._issues_path()}?{query}").json()
            issues += [self.issue_from_json(i) for i in batch if "pull_request" not in i]
            if len(batch) < 100:
                break
        return issues

    # --- keys and references ------------------------------------------------------

    def key_from_reference(self, reference: str) -> str | None:
        reference = reference.strip()
        match = ISSUE_URL.match(reference) or ISSUE_KEY.match(reference)
        if not match:
            return None
        repo = match["repo"] or self.repo
        if repo.lower() != self.repo.lower():
            return None
        return f"{self.repo}#{int(match['number'])}"

    def _number(self, key: str) -> int:
        repo, _, number = key.rpartition("#")
        if not number.isdigit() or (repo and repo.lower() != self.repo.lower()):
            raise TrackerError(f"{key!r} is not an issue of {self.repo}.")
        return int(number)

    # --- webhooks -----------------------------------------------------------------

    @staticmethod
    def verify_webhook(*, headers: Mapping[str, str], body: bytes, secret: str) -> bool:
        signature = headers.get("X-Hub-Signature-256", "")
        if not secret or not signature.startswith("sha256="):
            return False
        expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(f"sha256={expected}", signature)

    @staticmethod
    def delivery_id(*, headers: Mapping[str, str], body: bytes) -> str:
        return headers.get("X-GitHub-Delivery", "")

    @staticmethod
    def parse_webhook(*, headers: Mapping[str, str], body: bytes) -> list[RemoteIssue]:
        if headers.get("X-GitHub-Event") != "issues":
            return []  # ping, and any other event the hook was also sent
        try:
            data = json.loads(body)
            issue, repo = data["issue"], data["repository"]["full_name"]
        except (ValueError, KeyError, TypeError) as error:
            raise TrackerError(f"Not an issues event GitHub sends: {error!r}") from None
        if data.get("action") in ("deleted", "transferred"):
            return []
        return [GitHubTracker.issue_from_json(issue, repo=repo)]

    @staticmethod
    def issue_from_json(issue: dict, *, repo: str = "") -> RemoteIssue:
        if not repo:
            # "https://api.github.com/repos/OWNER/REPO" -> OWNER/REPO
            repo = "/".join(str(issue.get("repository_url", "")).rstrip("/").split("/")[-2:])
        assignee = issue.get("assignee") or {}
        updated = parse_datetime(issue.get("updated_at") or "")
        return RemoteIssue(
            key=f"{repo}#{issue['number']}",
            url=issue["html_url"],
            title=issue.get("title") or "",
            closed=issue.get("state") == "closed",
            assignee=assignee.get("login", ""),
            assignee_name=assignee.get("login", ""),
            due_date=due_from_body(issue.get("body") or ""),
            updated_at=updated,
            remote_id=str(issue.get("id", "")),
        )

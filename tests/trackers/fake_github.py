"""A fake GitHub for the adapter: GitHub's own issue objects (octokit/webhooks examples),
and every request checked against GitHub's published request schemas (fixtures/)."""

import copy
import datetime as dt
import json
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import jsonschema
from django.utils import timezone

from postmortems.trackers.adapters.http import Response

FIXTURES = Path(__file__).parent / "fixtures" / "github"
SCHEMAS = json.loads((FIXTURES / "request-schemas.json").read_text())


def payload(name: str) -> dict:
    return json.loads((FIXTURES / f"issues.{name}.json").read_text())


class FakeGitHub:
    def __init__(self, repo: str = "acme/api") -> None:
        self.repo = repo
        self.issues: dict[int, dict] = {}
        self.calls: list[tuple[str, str, dict | None]] = []
        self.down = False
        self.refuse: int | None = None  # answer every call with this status
        self.template = payload("opened")["issue"]
        # GitHub's clock, a second per change, from the test's own (possibly moved) time.
        self.now = timezone.now().replace(microsecond=0)

    def tick(self) -> str:
        self.now = max(self.now, timezone.now().replace(microsecond=0)) + dt.timedelta(seconds=1)
        return self.now.strftime("%Y-%m-%dT%H:%M:%SZ")

    def __call__(self, method: str, url: str, headers: dict, body: bytes | None) -> Response:
        data = json.loads(body) if body else {}
        self.calls.append((method, url, data))
        assert headers["Authorization"].startswith("Bearer ")
        assert headers["X-GitHub-Api-Version"] == "2022-11-28"
        if self.down:
            return Response(503, {}, b'{"message": "Service Unavailable"}')
        if self.refuse:
            return Response(self.refuse, {}, b'{"message": "Bad credentials"}')
        parts = urlsplit(url)
        base = f"/repos/{self.repo}/issues"
        assert parts.path.startswith(base), parts.path
        rest = parts.path[len(base) :]
        if method == "POST" and rest == "":
            jsonschema.validate(data, SCHEMAS["issues/create"])
            return self._json(201, self._create(data))
        if method == "GET" and rest == "":
            return self._json(200, self._list(parse_qs(parts.query)))
        match = re.fullmatch(r"/(\d+)", rest)
        if not match or int(match[1]) not in self.issues:
            return self._json(404, {"message": "Not Found"})
        issue = self.issues[int(match[1])]
        if method == "GET":
            return self._json(200, issue)
        if method == "PATCH":
            jsonschema.validate(data, SCHEMAS["issues/update"])
            self.edit(issue["number"], **data)
            return self._json(200, issue)
        raise AssertionError(f"unexpected {method} {url}")

    def _json(self, status: int, data: object) -> Response:
        return Response(status, {"Content-Type": "application/json"}, json.dumps(data).encode())

    def _create(self, data: dict) -> dict:
        number = len(self.issues) + 1
        issue = copy.deepcopy(self.template)
        when = self.tick()
        issue.update(
            number=number,
            id=1000 + number,
            title=data["title"],
            body=data.get("body", ""),
            state="open",
            html_url=f"https://github.com/{self.repo}/issues/{number}",
            url=f"https://api.github.com/repos/{self.repo}/issues/{number}",
            repository_url=f"https://api.github.com/repos/{self.repo}",
            created_at=when,
            updated_at=when,
            labels=[{"name": name} for name in data.get("labels", [])],
        )
        logins = data.get("assignees", [])
        issue["assignee"] = {**self.template["user"], "login": logins[0]} if logins else None
        issue["assignees"] = [issue["assignee"]] if logins else []
        self.issues[number] = issue
        return issue

    def edit(self, number: int, **changes: object) -> dict:
        issue = self.issues[number]
        if "state" in changes:
            issue["state"] = changes["state"]
        if "assignees" in changes:
            logins = changes["assignees"]
            assert isinstance(logins, list)
            issue["assignee"] = {**self.template["user"], "login": logins[0]} if logins else None
        if "body" in changes:
            issue["body"] = changes["body"]
        issue["updated_at"] = self.tick()
        return issue

    def _list(self, query: dict) -> list[dict]:
        for name in query:
            assert name in SCHEMAS["issues/list-for-repo"]["query"], name
        issues = list(self.issues.values())
        if "since" in query:
            issues = [i for i in issues if i["updated_at"] >= query["since"][0]]
        key = "updated_at" if query.get("sort") == ["updated"] else "created_at"
        issues.sort(key=lambda i: (i[key], i["number"]), reverse=query.get("direction") == ["desc"])
        return issues

    def webhook(self, number: int, action: str) -> dict:
        """GitHub's delivery for this issue: the documented example, with our issue in it."""
        event = payload("reopened")
        event["action"] = action
        event["issue"] = copy.deepcopy(self.issues[number])
        event["repository"]["full_name"] = self.repo
        return event

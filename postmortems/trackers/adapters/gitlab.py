"""GitLab issues (gitlab.com and self-managed), through python-gitlab.

`Connection.base_url` is the instance (https://gitlab.com, https://git.example.org),
`project` the project's full path ("group/sub/project"), `token` a personal, group or
project access token with the `api` scope. The webhook secret is either the hook's
"Secret token" (sent back verbatim in `X-Gitlab-Token`) or its "Signing token"
(`whsec_...`, newer GitLab: an HMAC-SHA256 signature in the Standard Webhooks headers).

Options (all optional): `timeout` in seconds (default 15), `max_pages` of 100 issues the
reconcile reads at most (default 20).
"""

import base64
import binascii
import contextlib
import datetime
import hashlib
import hmac
import json
import re
import time
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import urlsplit

import gitlab
import requests
from gitlab import exceptions as gl_exc

from postmortems.trackers.adapters.base import (
    Connection,
    IssueDraft,
    RemoteIssue,
    TrackerError,
    TrackerUnavailable,
)
from postmortems.trackers.adapters.timestamps import parse_date, parse_datetime

DEFAULT_TIMEOUT = 15.0
DEFAULT_MAX_PAGES = 20
PER_PAGE = 100
# Standard Webhooks (what GitLab's signing tokens follow): a delivery older or newer
# than this is refused, so a captured one cannot be replayed later.
SIGNATURE_TOLERANCE_SECONDS = 5 * 60
SIGNING_TOKEN_PREFIX = "whsec_"
# Temporary answers: the outbox retries them. python-gitlab would sleep and retry a 429
# itself (obey_rate_limit); every call turns that off so a worker never blocks on it.
TEMPORARY_STATUSES = frozenset({408, 425, 429})
NO_WAIT: dict[str, Any] = {"obey_rate_limit": False, "retry_transient_errors": False}

# "group/sub/project#12" or "#12"; project paths allow letters, digits, _ - . and /.
KEY_RE = re.compile(r"^(?P<path>[\w.\-]+(?:/[\w.\-]+)+)?#(?P<iid>\d+)$")
# /<path>/-/issues/12, /<path>/-/work_items/12 and the old /<path>/issues/12.
URL_PATH_RE = re.compile(r"^/(?P<path>.+?)(?:/-)?/(?:issues|work_items)/(?P<iid>\d+)/?$")


class GitLabTracker:
    kind = "gitlab"

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.base_url = (connection.base_url or "https://gitlab.com").rstrip("/")
        self.project_path = connection.project.strip().strip("/")
        options = connection.options or {}
        self.max_pages = int(options.get("max_pages", DEFAULT_MAX_PAGES))
        self.gl = gitlab.Gitlab(
            self.base_url,
            private_token=connection.token,
            timeout=float(options.get("timeout", DEFAULT_TIMEOUT)),
            retry_transient_errors=False,
        )
        # lazy: no request until an issue is read or written.
        self.project = self.gl.projects.get(self.project_path, lazy=True)

    # -- issues ---------------------------------------------------------------------

    def create_issue(self, draft: IssueDraft) -> RemoteIssue:
        data: dict[str, Any] = {
            "title": draft.title,
            "description": description_with_marker(draft.body, draft.marker),
        }
        if draft.assignee:
            data["assignee_ids"] = [self._user_id(draft.assignee)]
        if draft.due_date:
            data["due_date"] = draft.due_date.isoformat()
        if draft.labels:
            # GitLab makes a label that does not exist yet in the project.
            data["labels"] = ",".join(draft.labels)
        with gitlab_errors():
            issue = self.project.issues.create(data, **NO_WAIT)
        return self._remote(issue.attributes)

    def find_by_marker(self, marker: str) -> RemoteIssue | None:
        if not marker:
            return None
        with gitlab_errors():
            found = self.project.issues.list(
                iterator=True,
                search=marker,
                state="all",
                order_by="created_at",
                sort="asc",
                per_page=PER_PAGE,
                **{"in": "description"},
                **NO_WAIT,
            )
            # GitLab's search matches words; keep only the exact text.
            for seen, issue in enumerate(found, start=1):
                if marker in (issue.attributes.get("description") or ""):
                    return self._remote(issue.attributes)
                if seen >= self.max_pages * PER_PAGE:
                    break
        return None

    def get_issue(self, key: str) -> RemoteIssue:
        iid = self._iid(key)
        with gitlab_errors():
            issue = self.project.issues.get(iid, **NO_WAIT)
        return self._remote(issue.attributes)

    def set_closed(self, key: str, *, closed: bool) -> RemoteIssue:
        iid = self._iid(key)
        event = "close" if closed else "reopen"
        with gitlab_errors():
            # One PUT; GitLab answers with the issue as it now is (closing a closed
            # issue changes nothing and is no error).
            attributes = self.project.issues.update(iid, {"state_event": event}, **NO_WAIT)
        return self._remote(attributes)

    def changed_since(self, since: datetime.datetime) -> list[RemoteIssue]:
        """Oldest change first, at most `max_pages` pages: a reconcile that stops short
        starts the next run from the last `updated_at` it saw."""
        changed: list[RemoteIssue] = []
        with gitlab_errors():
            issues = self.project.issues.list(
                iterator=True,
                updated_after=since.isoformat(),
                state="all",
                order_by="updated_at",
                sort="asc",
                per_page=PER_PAGE,
                **NO_WAIT,
            )
            for issue in issues:
                changed.append(self._remote(issue.attributes))
                if len(changed) >= self.max_pages * PER_PAGE:
                    break
        return changed

    def key_from_reference(self, reference: str) -> str | None:
        reference = reference.strip()
        match = KEY_RE.match(reference)
        path: str | None = None
        iid = ""
        if match:
            path, iid = match["path"] or self.project_path, match["iid"]
        elif reference.startswith(("http://", "https://")):
            url, base = urlsplit(reference), urlsplit(self.base_url)
            # An instance may live under a path (https://example.org/gitlab).
            found = URL_PATH_RE.match(url.path.removeprefix(base.path.rstrip("/")))
            if found and url.hostname == base.hostname:
                path, iid = found["path"], found["iid"]
        if path is None or not iid or path.lower() != self.project_path.lower():
            return None
        return f"{self.project_path}#{int(iid)}"

    # -- webhooks -------------------------------------------------------------------

    @staticmethod
    def verify_webhook(*, headers: Mapping[str, str], body: bytes, secret: str) -> bool:
        if not secret:
            return False
        lowered = {name.lower(): value for name, value in headers.items()}
        if secret.startswith(SIGNING_TOKEN_PREFIX):
            return _signature_is_valid(lowered, body, secret)
        token = lowered.get("x-gitlab-token", "")
        return hmac.compare_digest(token.encode(), secret.encode())

    @staticmethod
    def parse_webhook(*, headers: Mapping[str, str], body: bytes) -> list[RemoteIssue]:
        try:
            payload = json.loads(body)
        except ValueError:
            return []
        if not isinstance(payload, dict) or payload.get("object_kind") != "issue":
            return []  # pushes, comments, merge requests, tasks and other work items
        attributes = payload.get("object_attributes") or {}
        project_path = (payload.get("project") or {}).get("path_with_namespace", "")
        if not project_path or "iid" not in attributes:
            return []
        assignees = payload.get("assignees") or []
        first = assignees[0] if assignees else {}
        return [
            RemoteIssue(
                key=f"{project_path}#{attributes['iid']}",
                url=attributes.get("url") or "",
                title=attributes.get("title") or "",
                closed=attributes.get("state") == "closed",
                assignee=first.get("username", ""),
                assignee_name=first.get("name", ""),
                due_date=parse_date(attributes.get("due_date")),
                updated_at=parse_datetime(attributes.get("updated_at")),
                remote_id=str(attributes.get("id", "")),
            )
        ]

    # -- helpers --------------------------------------------------------------------

    def _iid(self, key: str) -> int:
        normal = self.key_from_reference(key)
        if normal is None:
            raise TrackerError(
                f"{key!r} is not an issue of the GitLab project {self.project_path}."
            )
        return int(normal.rsplit("#", 1)[1])

    def _user_id(self, assignee: str) -> int:
        if assignee.isdigit():
            return int(assignee)
        with gitlab_errors():
            users = self.gl.users.list(username=assignee.lstrip("@"), iterator=True, **NO_WAIT)
            for user in users:
                return int(user.id)
        raise TrackerError(f"GitLab has no user named {assignee!r}.")

    def _remote(self, attributes: dict[str, Any]) -> RemoteIssue:
        assignees = attributes.get("assignees") or []
        first = assignees[0] if assignees else (attributes.get("assignee") or {})
        references = attributes.get("references") or {}
        key = references.get("full") or f"{self.project_path}#{attributes['iid']}"
        return RemoteIssue(
            key=key,
            url=attributes.get("web_url") or "",
            title=attributes.get("title") or "",
            closed=attributes.get("state") == "closed",
            assignee=first.get("username", ""),
            assignee_name=first.get("name", ""),
            due_date=parse_date(attributes.get("due_date")),
            updated_at=parse_datetime(attributes.get("updated_at")),
            remote_id=str(attributes.get("id", "")),
        )


def description_with_marker(body: str, marker: str) -> str:
    """The body, ending with the marker unless it already holds it (find_by_marker
    searches descriptions for it)."""
    if not marker or marker in body:
        return body
    return f"{body.rstrip()}\n\n<sub>{marker}</sub>" if body.strip() else f"<sub>{marker}</sub>"


def _signature_is_valid(headers: Mapping[str, str], body: bytes, secret: str) -> bool:
    """Standard Webhooks: HMAC-SHA256 over "<webhook-id>.<webhook-timestamp>.<body>"
    with the base64-decoded signing token, sent as space-separated "v1,<base64>"."""
    msg_id = headers.get("webhook-id", "")
    stamp = headers.get("webhook-timestamp", "")
    signatures = headers.get("webhook-signature", "")
    if not (msg_id and stamp.isdigit() and signatures):
        return False
    if abs(time.time() - int(stamp)) > SIGNATURE_TOLERANCE_SECONDS:
        return False
    try:
        key = base64.b64decode(secret.removeprefix(SIGNING_TOKEN_PREFIX), validate=True)
    except (binascii.Error, ValueError):
        return False
    signed = msg_id.encode() + b"." + stamp.encode() + b"." + body
    expected = hmac.new(key, signed, hashlib.sha256).digest()
    for versioned in signatures.split():
        version, _, value = versioned.partition(",")
        if version != "v1":
            continue
        try:
            given = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            continue
        if hmac.compare_digest(expected, given):
            return True
    return False


@contextlib.contextmanager
def gitlab_errors() -> Iterator[None]:
    """python-gitlab's and requests' exceptions as TrackerError / TrackerUnavailable."""
    try:
        yield
    except gl_exc.RedirectError as exc:
        # http:// answered by a redirect to https://, or a moved instance: a write
        # would turn into a read. Only a corrected instance URL helps.
        raise TrackerError(f"GitLab redirected the request; check the instance URL. {exc}") from exc
    except gl_exc.GitlabError as exc:
        code = exc.response_code
        message = _message(exc.error_message)
        if code is not None and (code >= 500 or code in TEMPORARY_STATUSES):
            raise TrackerUnavailable(f"GitLab answered {code}: {message}") from exc
        if code is None:
            raise TrackerUnavailable(f"GitLab could not be read: {message}") from exc
        raise TrackerError(f"GitLab refused the request ({code}): {message}") from exc
    except requests.RequestException as exc:
        # Connection refused, DNS, TLS, timeouts, a dropped connection.
        raise TrackerUnavailable(f"GitLab could not be reached: {exc}") from exc


def _message(error: Any) -> str:
    # GitLab answers {"message": "404 Project Not Found"}, {"error": "..."} or, for a
    # refused field, {"message": {"title": ["can't be blank"]}}.
    if isinstance(error, dict):
        return "; ".join(
            f"{field} {', '.join(map(str, v)) if isinstance(v, list) else v}"
            for field, v in error.items()
        )
    if isinstance(error, list):
        return "; ".join(map(str, error))
    return str(error or "no message").strip()[:500]

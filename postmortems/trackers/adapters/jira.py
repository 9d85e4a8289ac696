"""Jira Cloud (REST API v3) and Jira Data Center (REST API v2) behind the adapter
interface (base.py).

The two speak the same API but for four things, each one method or attribute below:
the description (Atlassian Document Format on Cloud, wiki markup on Data Center), the
sign-in (account email and API token as basic auth on Cloud, a personal access token as
a bearer token on Data Center), who an assignee is (`accountId` on Cloud, the user
`name` on Data Center) and the search (Cloud's /search/jql pages with a token, Data
Center's /search with `startAt`).

Options read from `Connection.options`:
- `email`: the Atlassian account the API token belongs to (Jira Cloud; required).
- `issue_type`: the issue type's name for new issues ("Task" when unset), or
  `issue_type_id`: its id, for a project whose type names are ambiguous.
- `close_transition`, `reopen_transition`: the name of the workflow transition (or of
  its target status) to use; when unset, the first transition to a status in the
  "Done" category closes and one to the "To Do" category (else "In Progress") reopens.
- `resolution`: the resolution a closing transition's screen requires ("Done", else
  "Fixed", else the first Jira offers, when unset).
"""

import datetime
import re
import urllib.parse
from base64 import b64encode
from collections.abc import Mapping

from postmortems.trackers.adapters.base import (
    Connection,
    IssueDraft,
    RemoteIssue,
    TrackerError,
)
from postmortems.trackers.adapters.jira_http import Transport, json_request, urllib_transport
from postmortems.trackers.adapters.jira_issues import ISSUE_KEY, remote_issue
from postmortems.trackers.adapters.jira_markup import markdown_to_adf, markdown_to_wiki
from postmortems.trackers.adapters.jira_webhooks import parse_delivery, verify_signature

ISSUE_FIELDS = "summary,status,assignee,duedate,updated"
DEFAULT_ISSUE_TYPE = "Task"
SUMMARY_MAX_CHARS = 255  # Jira refuses a longer summary
# Jira refuses a description over 32,767 characters; its markup adds some to ours.
DESCRIPTION_MAX_CHARS = 30_000
LABEL_MAX_CHARS = 255
PAGE_SIZE = 100
MAX_PAGES = 100
# JQL reads "2026/12/06 14:00" in the time zone of the account's profile, which the API
# does not tell us. No zone is more than 14 hours from UTC, so asking from 14 hours
# before (in UTC) covers every zone; the answers are then kept by their exact `updated`
# time, which Jira gives with its offset.
JQL_ZONE_MARGIN = datetime.timedelta(hours=14)

_PROJECT = re.compile(r"[A-Z][A-Z0-9_]*")


def site_root(base_url: str, *, schemes: tuple[str, ...] = ("https",)) -> str:
    """The site's root URL ("https://acme.atlassian.net", "https://jira.corp/jira"), also
    when the REST API's root or an issue's page was pasted."""
    root = base_url.strip().rstrip("/")
    root = re.sub(r"/(rest/api/\d+|browse/.*|secure/.*)$", "", root).rstrip("/")
    link = urllib.parse.urlsplit(root)
    if link.scheme not in schemes or not link.hostname:
        start = " or ".join(f"{scheme}://" for scheme in schemes)
        raise TrackerError(f"The Jira address must start with {start} (got {base_url!r})")
    return root


def jql_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def normalise_labels(labels: tuple[str, ...] | list[str]) -> list[str]:
    """Jira labels hold no spaces: "customer impact" becomes "customer-impact"."""
    result: list[str] = []
    for label in labels:
        normal = re.sub(r"\s+", "-", label.strip())[:LABEL_MAX_CHARS]
        if normal and normal not in result:
            result.append(normal)
    return result


def one_line(title: str) -> str:
    """Jira refuses a summary with a line break or over 255 characters."""
    return " ".join(title.split())[:SUMMARY_MAX_CHARS]


def _text_in(description: object) -> str:
    """The words of a description: ADF's text nodes, or wiki markup without escapes."""
    if isinstance(description, str):
        return re.sub(r"\\(.)", r"\1", description)
    if isinstance(description, dict):
        if description.get("type") == "text":
            return str(description.get("text") or "")
        inner = "".join(_text_in(child) for child in description.get("content") or [])
        return inner + "\n"  # the end of a paragraph, a heading, a line
    return ""


class JiraTracker:
    """What Cloud and Data Center share; the subclasses fill in the differences."""

    kind = ""
    api_version = ""
    assignee_key = ""
    schemes: tuple[str, ...] = ("https",)

    def __init__(self, connection: Connection, *, transport: Transport | None = None) -> None:
        self.connection = connection
        self.project = connection.project.strip().upper()
        if not _PROJECT.fullmatch(self.project):
            raise TrackerError(f"{connection.project!r} is not a Jira project key")
        self.options = connection.options or {}
        self.site = site_root(connection.base_url, schemes=self.schemes)
        self.api = f"{self.site}/rest/api/{self.api_version}"
        self.transport = transport or urllib_transport
        self.authorization = self._authorization()

    # The differences -------------------------------------------------------------

    def _authorization(self) -> str:
        raise NotImplementedError

    def _description(self, markdown: str, marker: str) -> object:
        raise NotImplementedError

    def _search(self, jql: str, *, fields: str, limit: int) -> list[dict]:
        raise NotImplementedError

    # Requests -------------------------------------------------------------------

    def _call(self, method: str, path: str, params: dict | None = None, payload=None) -> dict:
        url = self.api + path + ("?" + urllib.parse.urlencode(params) if params else "")
        return json_request(
            self.transport, method, url, authorization=self.authorization, payload=payload
        )

    def _remote(self, issue: dict) -> RemoteIssue:
        return remote_issue(issue, site=self.site, assignee_key=self.assignee_key)

    def _key(self, key: str) -> str:
        match = ISSUE_KEY.fullmatch(key.strip())
        if not match:
            raise TrackerError(f"{key!r} is not a Jira issue key")
        return f"{match[1].upper()}-{match[2]}"

    # The interface --------------------------------------------------------------

    def create_issue(self, draft: IssueDraft) -> RemoteIssue:
        if issue_type_id := str(self.options.get("issue_type_id") or ""):
            issue_type = {"id": issue_type_id}
        else:
            issue_type = {"name": str(self.options.get("issue_type") or DEFAULT_ISSUE_TYPE)}
        fields: dict[str, object] = {
            "project": {"key": self.project},
            "issuetype": issue_type,
            "summary": one_line(draft.title),
            "description": self._description(draft.body[:DESCRIPTION_MAX_CHARS], draft.marker),
        }
        if labels := normalise_labels(draft.labels):
            fields["labels"] = labels
        if draft.due_date:
            fields["duedate"] = draft.due_date.isoformat()
        if draft.assignee:
            fields["assignee"] = {self.assignee_key: draft.assignee}
        created = self._call("POST", "/issue", payload={"fields": fields})
        key = self._key(str(created.get("key") or ""))
        return RemoteIssue(
            key=key,
            url=f"{self.site}/browse/{key}",
            title=str(fields["summary"]),
            closed=False,
            assignee=draft.assignee,
            due_date=draft.due_date,
            remote_id=str(created.get("id") or ""),
        )

    def find_by_marker(self, marker: str) -> RemoteIssue | None:
        """The oldest issue of the project whose description holds the marker.

        Jira's search index is eventually consistent: an issue made a moment ago may
        not be found for a few seconds (on Cloud, up to about a minute). The outbox asks
        only when retrying, after its backoff, which leaves that time. Text search
        matches words loosely (stemming, the phrase's parts), so each answer's
        description is checked for the exact marker before it counts.
        """
        phrase = '"' + marker.replace('"', " ").strip() + '"'
        jql = f"project = {jql_string(self.project)} AND text ~ {jql_string(phrase)}"
        jql += " ORDER BY created ASC"
        for issue in self._search(jql, fields=ISSUE_FIELDS + ",description", limit=50):
            if marker in _text_in((issue.get("fields") or {}).get("description")):
                return self._remote(issue)
        return None

    def get_issue(self, key: str) -> RemoteIssue:
        answer = self._call("GET", f"/issue/{self._key(key)}", {"fields": ISSUE_FIELDS})
        return self._remote(answer)

    def set_closed(self, key: str, *, closed: bool) -> RemoteIssue:
        key = self._key(key)
        current = self.get_issue(key)
        if current.closed == closed:
            return current  # already there: a retried request changes nothing
        # With each transition's screen fields, to fill a required resolution.
        expand = {"expand": "transitions.fields"}
        transitions = self._call("GET", f"/issue/{key}/transitions", expand).get("transitions")
        payload = self._transition(transitions or [], closed=closed, key=key)
        self._call("POST", f"/issue/{key}/transitions", payload=payload)
        return self.get_issue(key)

    def _transition(self, transitions: list[dict], *, closed: bool, key: str) -> dict:
        """Jira closes and reopens by moving through the workflow: the request for the
        transition named in the options, else for the first one to the wanted status
        category whose required fields can be filled."""
        usable = [t for t in transitions if t.get("isAvailable", True) and t.get("id")]
        wanted = str(self.options.get("close_transition" if closed else "reopen_transition") or "")
        if wanted:
            for transition in usable:
                names = {transition.get("name"), (transition.get("to") or {}).get("name")}
                if wanted.casefold() in {str(n).casefold() for n in names if n}:
                    return self._transition_request(transition, key=key)
            raise TrackerError(f"{key} has no transition named {wanted!r} available now")
        refusals: list[TrackerError] = []
        for category in ("done",) if closed else ("new", "indeterminate"):
            for transition in usable:
                status = transition.get("to") or {}
                if (status.get("statusCategory") or {}).get("key") == category:
                    try:
                        return self._transition_request(transition, key=key)
                    except TrackerError as refusal:
                        refusals.append(refusal)
        if refusals:
            raise refusals[0]
        target = "Done" if closed else "To Do"
        raise TrackerError(
            f"{key} has no transition to a status in the {target!r} category available to "
            f"this account. Add one to the workflow, or name the transition to use in the "
            f"connection's settings."
        )

    def _transition_request(self, transition: dict, *, key: str) -> dict:
        """A transition's screen may require fields. The resolution is chosen (the
        option `resolution`, else one named Done or Fixed, else the first offered); any
        other required field without a default makes the transition unusable here."""
        fields: dict[str, object] = {}
        for field_id, meta in (transition.get("fields") or {}).items():
            if not isinstance(meta, dict) or not meta.get("required"):
                continue
            if meta.get("hasDefaultValue"):
                continue
            if field_id == "resolution":
                fields["resolution"] = {"name": self._resolution(meta, key=key)}
                continue
            raise TrackerError(
                f"The transition {transition.get('name')!r} of {key} requires the field "
                f"{meta.get('name') or field_id!r}: name another transition in the "
                f"connection's settings"
            )
        request: dict[str, object] = {"transition": {"id": str(transition["id"])}}
        return {**request, "fields": fields} if fields else request

    def _resolution(self, meta: dict, *, key: str) -> str:
        offered = [str(v.get("name")) for v in meta.get("allowedValues") or [] if v.get("name")]
        wanted = str(self.options.get("resolution") or "")
        for name in [wanted, "Done", "Fixed"] if wanted else ["Done", "Fixed"]:
            for value in offered:
                if name and value.casefold() == name.casefold():
                    return value
        if wanted or not offered:
            raise TrackerError(
                f"Closing {key} needs a resolution, and Jira offers none named "
                f"{wanted or 'Done'!r} (offered: {', '.join(offered) or 'none'})"
            )
        return offered[0]

    def changed_since(self, since: datetime.datetime) -> list[RemoteIssue]:
        """Issues updated at or after `since`, oldest change first. At most MAX_PAGES
        pages: a caller that continues from the last `updated_at` it saw misses none."""
        if since.tzinfo is None:
            raise ValueError("changed_since needs an aware datetime")
        asked = (since.astimezone(datetime.UTC) - JQL_ZONE_MARGIN).strftime("%Y/%m/%d %H:%M")
        jql = f"project = {jql_string(self.project)} AND updated >= {jql_string(asked)}"
        jql += " ORDER BY updated ASC"
        issues = [self._remote(i) for i in self._search(jql, fields=ISSUE_FIELDS, limit=0)]
        return [i for i in issues if i.updated_at is None or i.updated_at >= since]

    def key_from_reference(self, reference: str) -> str | None:
        """ "OPS-7", or a link to it on this site: /browse/OPS-7, a board's
        ?selectedIssue=OPS-7, /projects/OPS/issues/OPS-7. Another project's or another
        site's issue is not one."""
        text = reference.strip()
        candidates = [text]
        if "://" in text:
            link = urllib.parse.urlsplit(text)
            if link.hostname is None or link.hostname != urllib.parse.urlsplit(self.site).hostname:
                return None
            query = urllib.parse.parse_qs(link.query)
            candidates = [*query.get("selectedIssue", []), *reversed(link.path.split("/"))]
        for candidate in candidates:
            match = ISSUE_KEY.fullmatch(urllib.parse.unquote(candidate))
            if match and match[1].upper() == self.project:
                return f"{self.project}-{match[2]}"
        return None


class JiraCloudTracker(JiraTracker):
    kind = "jira_cloud"
    api_version = "3"
    assignee_key = "accountId"

    def _authorization(self) -> str:
        email = str(self.options.get("email") or "").strip()
        if not email or not self.connection.token:
            raise TrackerError("Jira Cloud needs the account's email address and an API token")
        pair = f"{email}:{self.connection.token}".encode()
        return "Basic " + b64encode(pair).decode()

    def _description(self, markdown: str, marker: str) -> object:
        document = markdown_to_adf(markdown)
        if marker and marker not in markdown:
            paragraph = {"type": "paragraph", "content": [{"type": "text", "text": marker}]}
            document["content"].append(paragraph)
        return document

    def _search(self, jql: str, *, fields: str, limit: int) -> list[dict]:
        """GET /rest/api/3/search/jql, page after page by nextPageToken."""
        issues: list[dict] = []
        params = {"jql": jql, "fields": fields, "maxResults": str(limit or PAGE_SIZE)}
        seen: set[str] = set()
        for _ in range(MAX_PAGES):
            page = self._call("GET", "/search/jql", params)
            issues.extend(page.get("issues") or [])
            token = page.get("nextPageToken")
            if limit or page.get("isLast", True) or not token or token in seen:
                break
            seen.add(token)
            params = {**params, "nextPageToken": token}
        return issues

    @staticmethod
    def verify_webhook(*, headers: Mapping[str, str], body: bytes, secret: str) -> bool:
        return verify_signature(headers=headers, body=body, secret=secret)

    @staticmethod
    def parse_webhook(*, headers: Mapping[str, str], body: bytes) -> list[RemoteIssue]:
        return parse_delivery(body, assignee_key="accountId")


class JiraDataCenterTracker(JiraTracker):
    kind = "jira_dc"
    api_version = "2"
    assignee_key = "name"
    # A Jira inside the company's network may be served over plain HTTP; Atlassian's
    # cloud never is.
    schemes = ("https", "http")

    def _authorization(self) -> str:
        if not self.connection.token:
            raise TrackerError("Jira Data Center needs a personal access token")
        return f"Bearer {self.connection.token}"

    def _description(self, markdown: str, marker: str) -> object:
        text = markdown_to_wiki(markdown)
        if marker and marker not in markdown:
            text = f"{text}\n\n{marker}".strip()
        return text

    def _search(self, jql: str, *, fields: str, limit: int) -> list[dict]:
        """GET /rest/api/2/search, page after page by startAt."""
        issues: list[dict] = []
        size = limit or PAGE_SIZE
        for _ in range(MAX_PAGES):
            params = {"jql": jql, "fields": fields, "startAt": str(len(issues))}
            page = self._call("GET", "/search", {**params, "maxResults": str(size)})
            found = page.get("issues") or []
            issues.extend(found)
            if limit or not found or len(issues) >= int(page.get("total") or 0):
                break
        return issues

    @staticmethod
    def verify_webhook(*, headers: Mapping[str, str], body: bytes, secret: str) -> bool:
        return verify_signature(headers=headers, body=body, secret=secret)

    @staticmethod
    def parse_webhook(*, headers: Mapping[str, str], body: bytes) -> list[RemoteIssue]:
        return parse_delivery(body, assignee_key="name")

"""Jira's issue objects, as its REST API answers and its webhooks deliver them (the same
shape in both), read into the interface's RemoteIssue."""

import re

from postmortems.trackers.adapters.base import RemoteIssue, TrackerError
from postmortems.trackers.adapters.timestamps import parse_date, parse_datetime

ISSUE_KEY = re.compile(r"([A-Za-z][A-Za-z0-9_]*)-([1-9][0-9]{0,17})")


def remote_issue(issue: dict, *, site: str, assignee_key: str) -> RemoteIssue:
    """A REST or webhook issue object (the same shape in both) as a RemoteIssue."""
    key = issue.get("key")
    if not isinstance(key, str) or not ISSUE_KEY.fullmatch(key):
        raise TrackerError("Jira sent an issue without a key")
    fields = issue.get("fields") or {}
    status = fields.get("status") or {}
    category = (status.get("statusCategory") or {}).get("key") or ""
    assignee = fields.get("assignee") or {}
    return RemoteIssue(
        key=key,
        url=f"{site}/browse/{key}",
        title=fields.get("summary") or "",
        closed=category == "done",
        assignee=str(assignee.get(assignee_key) or ""),
        assignee_name=str(assignee.get("displayName") or ""),
        due_date=parse_date(_text(fields.get("duedate"))),
        updated_at=parse_datetime(_text(fields.get("updated"))),
        remote_id=str(issue.get("id") or ""),
    )


def _text(value: object) -> str | None:
    """A field's value when it is text (Atlassian's own examples have `"updated": 1`)."""
    return value if isinstance(value, str) else None

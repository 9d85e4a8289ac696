"""Jira's issue objects, as its REST API answers and its webhooks deliver them (the same
shape in both), read into the interface's RemoteIssue."""

import datetime
import re

from postmortems.trackers.adapters.base import RemoteIssue, TrackerError

ISSUE_KEY = re.compile(r"([A-Za-z][A-Za-z0-9_]*)-([1-9][0-9]{0,17})")


def parse_jira_datetime(value: object) -> datetime.datetime | None:
    """Jira's "2019-01-30T15:51:33.199+0300" as an aware datetime."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else None


def parse_jira_date(value: object) -> datetime.date | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.date.fromisoformat(value[:10])
    except ValueError:
        return None


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
        due_date=parse_jira_date(fields.get("duedate")),
        updated_at=parse_jira_datetime(fields.get("updated")),
        remote_id=str(issue.get("id") or ""),
    )

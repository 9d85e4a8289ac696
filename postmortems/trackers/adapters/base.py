"""What every tracker adapter offers the rest of the product.

An adapter speaks one tracker's API (its client library where a well-kept one exists,
plain HTTP with the documented API where not). It knows nothing of action items: the
trackers part turns an item into an `IssueDraft`, and a `RemoteIssue` back into changes
of the item. Adapters raise `TrackerError` for an answer that retrying will not change
(bad credentials, a missing project, a refused field) and let network errors, timeouts,
HTTP 429 and 5xx through as `TrackerUnavailable`, which the outbox retries with backoff.
"""

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol


class TrackerError(Exception):
    """A permanent failure: the tracker refused the request as it is."""

    # The outbox fails a row at once on an exception saying so (notifications/outbox.py).
    permanent = True


class TrackerUnavailable(Exception):
    """A temporary failure: down, slow, rate-limited; the same request may work later."""


@dataclass(frozen=True)
class IssueDraft:
    title: str
    body: str  # Markdown (converted by adapters whose tracker wants another format)
    assignee: str = ""  # the tracker's own account id or login; "" for nobody
    due_date: datetime.date | None = None
    labels: tuple[str, ...] = ()
    # A unique text put in the body (the item's code), so that after a worker died
    # between the tracker's answer and our record, the issue is found, not made twice.
    marker: str = ""


@dataclass(frozen=True)
class RemoteIssue:
    key: str  # as people write it: "acme/api#12", "group/project#3", "OPS-7", "ENG-42"
    url: str
    title: str
    closed: bool
    assignee: str = ""  # the tracker's account id or login; "" for nobody
    assignee_name: str = ""  # as the tracker shows it, for the item's history
    due_date: datetime.date | None = None
    updated_at: datetime.datetime | None = None
    # The tracker's own id where it differs from the key (Linear's UUID, Jira's id).
    remote_id: str = ""


@dataclass(frozen=True)
class Connection:
    """What an adapter needs to reach one team's project; the secrets decrypted."""

    kind: str
    base_url: str  # the API's root, e.g. https://api.github.com or a self-hosted host
    project: str  # "owner/repo", a GitLab project path, a Jira project key, a Linear team key
    token: str
    webhook_secret: str = ""
    options: dict = field(default_factory=dict)


class Tracker(Protocol):
    kind: str

    def __init__(self, connection: Connection) -> None: ...

    def create_issue(self, draft: IssueDraft) -> RemoteIssue: ...

    def find_by_marker(self, marker: str) -> RemoteIssue | None:
        """The issue an earlier attempt made for this marker, if any."""
        ...

    def get_issue(self, key: str) -> RemoteIssue: ...

    def set_closed(self, key: str, *, closed: bool) -> RemoteIssue:
        """Close or reopen (the item was finished or reopened here)."""
        ...

    def changed_since(self, since: datetime.datetime) -> list[RemoteIssue]:
        """Issues of the project changed since `since` (the reconcile)."""
        ...

    def key_from_reference(self, reference: str) -> str | None:
        """A pasted URL or key as this project's issue key; None if it is not one."""
        ...

    @staticmethod
    def verify_webhook(*, headers: Mapping[str, str], body: bytes, secret: str) -> bool:
        """Whether a delivery is signed with the connection's secret (constant time).
        `headers` are the request's, looked up without regard to case (request.headers)."""
        ...

    # Optional (the trackers part falls back to a hash of the body): the tracker's own
    # id of a delivery, the same on a redelivery, e.g. GitHub's X-GitHub-Delivery.
    # def delivery_id(*, headers: Mapping[str, str], body: bytes) -> str

    @staticmethod
    def parse_webhook(*, headers: Mapping[str, str], body: bytes) -> list[RemoteIssue]:
        """The issues a delivery reports the state of; [] for events of no interest."""
        ...

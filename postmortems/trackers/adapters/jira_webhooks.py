"""Jira's webhook deliveries: their signature and the issue they report."""

import hmac
import json
from collections.abc import Mapping

from postmortems.trackers.adapters.base import RemoteIssue, TrackerError
from postmortems.trackers.adapters.jira_issues import remote_issue

WEBHOOK_EVENTS = {"jira:issue_created", "jira:issue_updated"}
# Jira signs with HMAC-SHA256 by default ("sha256=<hex>"); the SHA-2 family is accepted
# for a Data Center that was set to another algorithm. Nothing weaker.
SIGNATURE_ALGORITHMS = {"sha256", "sha384", "sha512"}


def _header(headers: Mapping[str, str], name: str) -> str:
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return ""


def verify_signature(*, headers: Mapping[str, str], body: bytes, secret: str) -> bool:
    """X-Hub-Signature: sha256=<hex HMAC of the raw body, keyed with the secret>, as Jira
    Cloud's admin webhooks (https://developer.atlassian.com/cloud/jira/platform/webhooks/
    #secure-admin-webhooks) and Jira Data Center 10's (https://confluence.atlassian.com/
    adminjiraserver/managing-webhooks-938846912.html) send it. Constant time."""
    if not secret:
        return False
    algorithm, _, digest = _header(headers, "x-hub-signature").strip().partition("=")
    if algorithm.lower() not in SIGNATURE_ALGORITHMS or not digest:
        return False
    expected = hmac.new(secret.encode(), body, algorithm.lower()).hexdigest()
    return hmac.compare_digest(expected.encode(), digest.strip().lower().encode(errors="replace"))


def parse_delivery(body: bytes, *, assignee_key: str) -> list[RemoteIssue]:
    try:
        payload = json.loads(body)
    except ValueError as error:
        raise TrackerError("The Jira delivery is not JSON") from error
    if not isinstance(payload, dict) or payload.get("webhookEvent") not in WEBHOOK_EVENTS:
        return []
    issue = payload.get("issue")
    if not isinstance(issue, dict):
        return []
    # The issue's REST address ("https://acme.atlassian.net/rest/api/2/issue/10021")
    # names the site its page lives on.
    site = str(issue.get("self") or "").split("/rest/api/")[0]
    return [remote_issue(issue, site=site, assignee_key=assignee_key)]

"""Team chat notifications through Slack-compatible incoming webhooks.

Composes the outbox rows (channel "webhook") and posts one. A message is
`{"text": ...}` as JSON, in Slack's text format: links as <url|label>, and
&, < and > escaped. Posting happens only in the workers (notifications/outbox.py),
never in a request.
"""

import json
import urllib.request

from django.conf import settings

from accounts.models import Team
from postmortems.models.incidents import Incident
from postmortems.models.reviews import Postmortem
from postmortems.notifications.models import OutboundMessage

TIMEOUT_SECONDS = 10


def slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_link(url: str, label: str) -> str:
    return f"<{url}|{slack_escape(label)}>"


def compose_webhook(
    *,
    kind: OutboundMessage.Kind,
    team: Team,
    url: str,
    dedup_key: str,
    summary: str,
    text: str,
    incident: Incident | None = None,
    postmortem: Postmortem | None = None,
) -> OutboundMessage:
    """An unsaved outbox row for one chat message; `text` is already in Slack's format."""
    return OutboundMessage(
        channel=OutboundMessage.Channel.WEBHOOK,
        kind=kind,
        team=team,
        webhook_url=url,
        dedup_key=dedup_key,
        subject=summary[:300],
        body_text=text,
        body_html="",
        incident=incident,
        postmortem=postmortem,
    )


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect would turn the POST into a GET elsewhere: treat it as a failure."""

    def redirect_request(self, *args, **kwargs) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def post_webhook(url: str, text: str) -> None:
    """POST the message; raises on a network error, a timeout or a non-2xx answer."""
    request = urllib.request.Request(
        url,
        data=json.dumps({"text": text}).encode(),
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": f"Postmortems ({settings.SITE_URL})",
        },
    )
    with _opener.open(request, timeout=TIMEOUT_SECONDS) as response:
        response.read(1024)

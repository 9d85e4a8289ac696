import hashlib
import hmac
import json

from django.urls import reverse
from django.utils import timezone

from postmortems.notifications.models import OutboundMessage
from postmortems.notifications.outbox import outbox_send


def tracker_rows():
    return OutboundMessage.objects.filter(channel=OutboundMessage.Channel.TRACKER)


def deliver_due() -> list[str]:
    """What the workers would do: every due tracker row, once."""
    due = tracker_rows().filter(status="queued", next_attempt_at__lte=timezone.now())
    return [outbox_send(pk) for pk in due.order_by("pk").values_list("pk", flat=True)]


def post_delivery(client, connection, event: dict, *, delivery: str, secret: str | None = None):
    body = json.dumps(event).encode()
    key = (secret or connection.webhook_secret).encode()
    signature = "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest()
    return client.post(
        reverse("pm-tracker-webhook", args=[connection.code]),
        data=body,
        content_type="application/json",
        headers={
            "X-GitHub-Event": "issues",
            "X-GitHub-Delivery": delivery,
            "X-Hub-Signature-256": signature,
        },
    )

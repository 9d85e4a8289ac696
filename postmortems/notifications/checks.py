"""System checks: settings that are valid one by one but wrong together."""

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, register

from postmortems.notifications import chat as webhooks

# One send is several round trips (connect, EHLO, MAIL, RCPT, DATA, the message),
# each bounded by the timeout; a server slow at a few of them is still alive.
SLOW_STEPS = 3


def minimum_sending_timeout() -> float | None:
    """How long a live worker may hold a claim: None when a send is unbounded."""
    if settings.EMAIL_TIMEOUT is None:
        return None
    slowest = max(settings.EMAIL_TIMEOUT, webhooks.TIMEOUT_SECONDS)
    return SLOW_STEPS * slowest + settings.OUTBOX_MARK_RETRY_SECONDS


@register("outbox")
def check_outbox_sending_timeout(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """A claim older than OUTBOX_SENDING_TIMEOUT_SECONDS is taken for a dead worker's and
    sent again: shorter than a slow but live send, it sends that message twice."""
    minimum = minimum_sending_timeout()
    if minimum is None:
        return [
            Error(
                "EMAIL_TIMEOUT is not set, so a send can last forever and no stuck-row "
                "timeout is safe.",
                hint="Set EMAIL_TIMEOUT (seconds).",
                id="postmortems.E001",
            )
        ]
    if minimum > settings.OUTBOX_SENDING_TIMEOUT_SECONDS:
        return [
            Error(
                f"OUTBOX_SENDING_TIMEOUT_SECONDS ({settings.OUTBOX_SENDING_TIMEOUT_SECONDS}) is "
                "too short: a slow send that is still running would be taken for a dead "
                "worker's and sent twice.",
                hint=f"Make it at least {minimum:g}: {SLOW_STEPS} times the slowest of "
                f"EMAIL_TIMEOUT "
                f"({settings.EMAIL_TIMEOUT}) and the webhook timeout "
                f"({webhooks.TIMEOUT_SECONDS}), plus OUTBOX_MARK_RETRY_SECONDS "
                f"({settings.OUTBOX_MARK_RETRY_SECONDS}); or lower those.",
                id="postmortems.E002",
            )
        ]
    return []

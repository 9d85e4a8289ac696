"""Optional error reporting to Sentry (or a Sentry-compatible server such as GlitchTip).

Off unless SENTRY_DSN is set. Nothing is sent until there is an event: an unhandled
exception in a view or a task, or an ERROR log line. No personal data is sent
(`send_default_pii=False`: no user emails, IP addresses, cookies or request bodies);
the request id is attached as a tag, to find the matching log lines.
"""

import sentry_sdk
from sentry_sdk.integrations.celery import CeleryIntegration
from sentry_sdk.integrations.django import DjangoIntegration
from sentry_sdk.types import Event, Hint

from lib.request_ids import current_request_id


def sentry_init(*, dsn: str, environment: str, traces_sample_rate: float) -> None:
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        send_default_pii=False,
        traces_sample_rate=traces_sample_rate,
        before_send=tag_request_id,
    )


def tag_request_id(event: Event, hint: Hint) -> Event:
    request_id = current_request_id()
    if request_id:
        event.setdefault("tags", {})["request_id"] = request_id
    return event

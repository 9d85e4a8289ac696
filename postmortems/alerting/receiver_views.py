"""The alerting webhook receivers: POST /hooks/<integration code>/.

Machine to machine: no session, no CSRF token; each request proves itself with the
integration's token or PagerDuty's body signature. Every request leaves a log line;
an AlertDelivery row too, except for unknown integrations and floods of refused
requests (alerting/deliveries.py, delivery_reject). Nothing slow happens
here: no email is sent (reminders go through the outbox later).
"""

from uuid import UUID

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from lib.database_errors import RETRY_AFTER, Trouble, database_trouble
from postmortems.alerting.auth import request_is_authentic
from postmortems.alerting.deliveries import delivery_reject
from postmortems.alerting.incident_groups import alerts_receive
from postmortems.alerting.models import AlertDelivery, AlertIntegration
from postmortems.alerting.payloads import PayloadError, read_signals

# Headers worth keeping in the delivery log. Credentials are noted, never kept.
LOGGED_HEADERS = [
    "Content-Type",
    "Content-Length",
    "User-Agent",
    "X-PagerDuty-Signature",
    "X-Webhook-Id",
    "X-Request-Id",
    "X-Forwarded-For",
]


def _request_meta(request: HttpRequest, body: bytes, *, truncated: bool) -> dict:
    headers = {
        name: request.headers[name][:500] for name in LOGGED_HEADERS if name in request.headers
    }
    if "Authorization" in request.headers:
        headers["Authorization"] = "(sent, not kept)"
    if "token" in request.GET:
        headers["Query token"] = "(sent, not kept)"
    return {
        "body": body,
        "truncated": truncated,
        "headers": headers,
        "remote_addr": request.META.get("REMOTE_ADDR") or None,
    }


def _read_body(request: HttpRequest, limit: int) -> tuple[bytes, bool]:
    """The body, and whether it is over `limit`. Reads at most limit + 1 bytes, so an
    oversized body is never held in memory whole (Content-Length is checked first)."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        return request.read(AlertDelivery.BODY_KEPT), True  # enough for the log
    body = request.read(limit + 1)
    return body, len(body) > limit


def _error(status: int, message: str) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


@csrf_exempt
@login_not_required
@require_POST
def alert_receiver_view(request: HttpRequest, code: UUID) -> JsonResponse:
    received_at = timezone.now()
    integration = AlertIntegration.objects.select_related("team").filter(code=code).first()
    limit = settings.ALERT_WEBHOOK_MAX_BYTES
    body, too_large = _read_body(request, limit)
    meta = _request_meta(request, body, truncated=too_large)

    def reject(status: int, message: str) -> JsonResponse:
        delivery_reject(
            integration=integration,
            request_meta=meta,
            http_status=status,
            message=message,
            received_at=received_at,
        )
        return _error(status, message)

    if integration is None or not integration.enabled:
        return reject(404, "No such integration, or it is disabled.")
    if too_large:
        return reject(413, f"The body is larger than {limit} bytes.")
    if not request_is_authentic(request, integration, body):
        what = "signature" if integration.kind == AlertIntegration.Kind.PAGERDUTY else "token"
        return reject(401, f"Missing or wrong {what}.")
    try:
        signals = read_signals(integration.kind, body, received_at=received_at)
    except PayloadError as error:
        return reject(400, str(error))
    try:
        delivery, results = alerts_receive(
            integration=integration, signals=signals, request_meta=meta, received_at=received_at
        )
    except DatabaseError as error:
        if database_trouble(error) is not Trouble.CONTENTION:
            raise
        # Still meeting other writes to the incident after retrying: nothing was
        # recorded. 503, not the 409 people get: alerting systems send again after a
        # 5xx only, and this delivery must not be dropped.
        response = _error(503, "Busy with another write to this incident; send it again.")
        response["Retry-After"] = str(RETRY_AFTER[Trouble.CONTENTION])
        return response
    return JsonResponse(
        {
            "outcome": delivery.outcome,
            "message": delivery.message,
            "alerts": [
                {
                    "key": result.key,
                    "outcome": result.outcome,
                    "incident": result.incident.reference if result.incident else None,
                }
                for result in results
            ],
        }
    )

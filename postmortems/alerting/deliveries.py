"""The delivery log: every request to a receiver, accepted or refused, and its retention."""

import logging
from datetime import datetime, timedelta

from django.conf import settings

from postmortems.alerting.models import AlertDelivery, AlertIntegration

logger = logging.getLogger(__name__)

Outcome = AlertDelivery.Outcome


def _storable(text: str) -> str:
    """The log keeps what was sent, but PostgreSQL stores no NUL (in text or in JSON):
    each becomes U+FFFD, as undecodable bytes do."""
    return text.replace("\x00", "\ufffd")


def delivery_record(
    *,
    integration: AlertIntegration | None,
    request_meta: dict,
    outcome: str,
    http_status: int,
    message: str,
    received_at: datetime,
) -> AlertDelivery:
    body: bytes = request_meta["body"]
    return AlertDelivery.objects.create(
        integration=integration,
        received_at=received_at,
        remote_addr=request_meta.get("remote_addr"),
        headers={
            _storable(name): _storable(value)
            for name, value in request_meta.get("headers", {}).items()
        },
        body=_storable(body[: AlertDelivery.BODY_KEPT].decode(errors="replace")),
        body_truncated=request_meta.get("truncated", False) or len(body) > AlertDelivery.BODY_KEPT,
        outcome=outcome,
        http_status=http_status,
        message=_storable(message[:1000]),
    )


def delivery_reject(
    *,
    integration: AlertIntegration | None,
    request_meta: dict,
    http_status: int,
    message: str,
    received_at: datetime,
) -> AlertDelivery | None:
    """Logs a refused request; keeps a row only when it names a real integration and
    that integration has had fewer than ALERT_REJECTED_ROWS_PER_MINUTE refused rows in
    the last minute. Anyone can post to /hooks/: unknown codes and floods write no rows
    (the log line remains), so the delivery log grows only with what the integrations'
    owners need to see. deliveries_prune() removes old rows."""
    logger.warning(
        "Alert webhook rejected (%s): %s [integration=%s remote=%s]",
        http_status,
        message,
        integration.code if integration else "-",
        request_meta.get("remote_addr"),
    )
    if integration is None:
        return None
    limit = settings.ALERT_REJECTED_ROWS_PER_MINUTE
    recent = AlertDelivery.objects.filter(  # index pm_alertdelivery_intg
        integration=integration,
        received_at__gte=received_at - timedelta(minutes=1),
        outcome=Outcome.REJECTED,
    )
    if recent[:limit].count() >= limit:
        return None
    return delivery_record(
        integration=integration,
        request_meta=request_meta,
        outcome=Outcome.REJECTED,
        http_status=http_status,
        message=message,
        received_at=received_at,
    )


def deliveries_prune(*, now: datetime) -> int:
    """Removes delivery log rows older than ALERT_DELIVERY_RETENTION_DAYS (hourly, by
    beat). Alert events keep their incidents' history; their `delivery` is set null."""
    cutoff = now - timedelta(days=settings.ALERT_DELIVERY_RETENTION_DAYS)
    deleted, _by_model = AlertDelivery.objects.filter(received_at__lt=cutoff).delete()
    return deleted

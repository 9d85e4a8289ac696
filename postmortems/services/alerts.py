"""Alerts open, update, resolve and reopen incidents; every delivery is logged.

For each alert in a delivery (see postmortems/alert_payloads.py for the formats):
1. In a savepoint, lock the AlertLink of (integration, alert key), if there is one.
2. No link: open an incident (unless the alert is below the integration's
   `open_from`) and insert the link. A concurrent delivery of the same alert
   inserts the same key: the unique constraint fails the later insert, its
   savepoint (and the incident it made) rolls back, and it starts again at 1,
   where it now finds the link: one incident, however many deliveries.
3. A link: compare the alert's own times with the link's, so a late or repeated
   delivery changes nothing. A firing that started after the recorded resolution
   reopens the incident within the re-fire window, or opens a new one after it.
4. Every change is an AlertEvent, copied into the postmortem's timeline (now, or
   when the postmortem is started). Locks are taken link, incident, postmortem: the
   order of every write to a postmortem (services/locks.py).
A delivery that meets another write (a deadlock, say) runs again whole
(retry_on_contention); until it commits, nothing of it exists.
No email is sent here: resolving starts the 24-hour clock, and the reminder
sweep (postmortems/services/reminders.py) writes the reminder to the outbox later.
"""

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Team, User
from config.database_errors import retry_on_contention
from postmortems.alert_auth import new_token, token_hash
from postmortems.alert_payloads import AlertSignal
from postmortems.models import (
    AlertDelivery,
    AlertEvent,
    AlertIntegration,
    AlertLink,
    Incident,
    Postmortem,
    Severity,
    TimelineEvent,
)
from postmortems.search_index import index_postmortem
from postmortems.services.incidents import incident_create, incident_update
from postmortems.services.locks import postmortem_lock

logger = logging.getLogger(__name__)

Outcome = AlertDelivery.Outcome
Kind = TimelineEvent.Kind

DEFAULT_SEVERITY_MAPS = {
    AlertIntegration.Kind.ALERTMANAGER: {
        "critical": "SEV1",
        "page": "SEV2",
        "error": "SEV2",
        "warning": "SEV3",
        "info": "SEV4",
    },
    AlertIntegration.Kind.GRAFANA: {
        "critical": "SEV1",
        "error": "SEV2",
        "warning": "SEV3",
        "info": "SEV4",
    },
    AlertIntegration.Kind.PAGERDUTY: {
        "P1": "SEV1",
        "P2": "SEV2",
        "P3": "SEV3",
        "P4": "SEV4",
        "P5": "SEV4",
        "high": "SEV2",
        "low": "SEV4",
    },
    AlertIntegration.Kind.OPSGENIE: {
        "P1": "SEV1",
        "P2": "SEV2",
        "P3": "SEV3",
        "P4": "SEV4",
        "P5": "SEV4",
    },
}

# The outcome a delivery of several alerts reports: the weightiest of its alerts'.
OUTCOME_WEIGHT = [
    Outcome.CREATED,
    Outcome.REOPENED,
    Outcome.RESOLVED,
    Outcome.UPDATED,
    Outcome.DUPLICATE,
    Outcome.IGNORED,
]


def alert_integration_create(
    *, team: Team, by: User | None, **fields
) -> tuple[AlertIntegration, str]:
    """Returns the integration and its token (empty for PagerDuty), shown only once."""
    integration = AlertIntegration(team=team, created_by=by, **fields)
    if not integration.severity_map:
        integration.severity_map = dict(DEFAULT_SEVERITY_MAPS[integration.kind])
    token = new_token() if integration.uses_token else ""
    integration.token_hash = token_hash(token) if token else ""
    integration.full_clean()
    integration.save()
    return integration, token


def alert_integration_update(*, integration: AlertIntegration) -> AlertIntegration:
    if not integration.severity_map:
        integration.severity_map = dict(DEFAULT_SEVERITY_MAPS[integration.kind])
    integration.updated_at = timezone.now()
    integration.full_clean()
    integration.save()
    return integration


def alert_integration_rotate_token(*, integration: AlertIntegration) -> str:
    """A new token replaces the old one at once; the old one stops working."""
    token = new_token()
    integration.token_hash = token_hash(token)
    integration.updated_at = timezone.now()
    integration.save(update_fields=["token_hash", "updated_at"])
    return token


def severity_for(integration: AlertIntegration, value: str) -> str:
    wanted = value.strip().lower()
    for vendor_value, severity in integration.severity_map.items():
        if vendor_value.strip().lower() == wanted and severity in Severity.values:
            return severity
    return integration.default_severity


def _opens(integration: AlertIntegration, severity: str) -> bool:
    return severity <= integration.open_from  # "SEV1" < "SEV2": more severe sorts first


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


@dataclass
class AlertResult:
    key: str
    outcome: str
    message: str
    incident: Incident | None = None


@retry_on_contention
def alerts_receive(
    *,
    integration: AlertIntegration,
    signals: list[AlertSignal],
    request_meta: dict,
    received_at: datetime,
) -> tuple[AlertDelivery, list[AlertResult]]:
    """Apply each alert of one delivery and log the delivery with its weightiest outcome."""
    with transaction.atomic():
        delivery = delivery_record(
            integration=integration,
            request_meta=request_meta,
            outcome=Outcome.IGNORED,
            http_status=200,
            message="",
            received_at=received_at,
        )
        results = [
            _apply_with_retry(integration=integration, signal=signal, delivery=delivery)
            for signal in _applicable(signals)
        ]
        outcomes = {result.outcome for result in results}
        delivery.outcome = next((o for o in OUTCOME_WEIGHT if o in outcomes), Outcome.IGNORED)
        delivery.message = (
            "; ".join(result.message for result in results) or "No alert in this event type."
        )[:1000]
        if _tests_only(signals):
            delivery.outcome, delivery.message = Outcome.TEST, TEST_MESSAGE
        delivery.incident = next((r.incident for r in results if r.incident), None)
        delivery.save(update_fields=["outcome", "message", "incident"])
    logger.info(
        "Alert webhook %s: %s [integration=%s]",
        delivery.outcome,
        delivery.message,
        integration.code,
    )
    return delivery, results


TEST_MESSAGE = "Test notification received; no incident opened."


def _applicable(signals: list[AlertSignal]) -> list[AlertSignal]:
    """A tool's test notification (alert_payloads.py marks it) opens nothing."""
    return [signal for signal in signals if not signal.is_test]


def _tests_only(signals: list[AlertSignal]) -> bool:
    return bool(signals) and all(signal.is_test for signal in signals)


def _apply_with_retry(
    *, integration: AlertIntegration, signal: AlertSignal, delivery: AlertDelivery
) -> AlertResult:
    for attempt in range(3):
        try:
            with transaction.atomic():
                link = (
                    AlertLink.objects.select_for_update()
                    .filter(integration=integration, external_key=signal.key)
                    .first()
                )
                if link is None:
                    return _first_signal(integration, signal, delivery)
                return _next_signal(integration, link, signal, delivery)
        except IntegrityError:
            # Another delivery of this alert inserted the link first (step 2 above).
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _clock(moment: datetime) -> str:
    return f"{moment.astimezone(UTC):%H:%M} UTC"


def _markdown_text(text: str) -> str:
    """Alert names come from outside: keep them from turning into Markdown."""
    for char in "\\`*_[]<>#|~":
        text = text.replace(char, f"\\{char}")
    return text


def _event(
    incident: Incident, delivery: AlertDelivery, signal: AlertSignal, *, at, kind, text
) -> AlertEvent:
    event = AlertEvent.objects.create(
        incident=incident,
        delivery=delivery,
        occurred_at=at,
        kind=kind,
        text=f"Alert {_markdown_text(signal.name)} {text}",
        source_url=signal.source_url,
    )
    pk = Postmortem.objects.filter(incident=incident).values_list("pk", flat=True).first()
    if pk is not None:
        postmortem = postmortem_lock(postmortem_id=pk)
        _copy_to_timeline(postmortem, [event])
        index_postmortem(pk)
    return event


def _open_incident(
    integration: AlertIntegration, signal: AlertSignal, severity: str, delivery: AlertDelivery
) -> Incident:
    started_at = min(signal.started_at or signal.occurred_at, signal.occurred_at)
    fields = {}
    if signal.action == "resolved":
        fields = {"status": Incident.Status.RESOLVED, "resolved_at": signal.occurred_at}
    description = signal.description
    note = f"Opened by the alert integration {integration.name} ({integration.get_kind_display()})."
    incident = incident_create(
        by=None,
        title=signal.title[:200],
        severity=severity,
        team=integration.team,
        description=f"{description}\n\n{note}" if description else note,
        started_at=started_at,
        detected_at=started_at,
        **fields,
    )
    _event(
        incident,
        delivery,
        signal,
        at=started_at,
        kind=Kind.DETECTION,
        text=f"fired at {_clock(started_at)}",
    )
    if signal.action == "resolved":
        _event(
            incident,
            delivery,
            signal,
            at=signal.occurred_at,
            kind=Kind.RESOLUTION,
            text=f"resolved at {_clock(signal.occurred_at)}",
        )
    return incident


def _first_signal(
    integration: AlertIntegration, signal: AlertSignal, delivery: AlertDelivery
) -> AlertResult:
    severity = severity_for(integration, signal.severity)
    if not _opens(integration, severity):
        return AlertResult(
            signal.key,
            Outcome.IGNORED,
            f"{signal.name}: {severity} is below {integration.open_from}; no incident opened",
        )
    incident = _open_incident(integration, signal, severity, delivery)
    AlertLink.objects.create(
        integration=integration,
        external_key=signal.key,
        incident=incident,
        alert_name=signal.name,
        fired_at=incident.started_at,
        resolved_at=incident.resolved_at,
    )
    state = " (already resolved)" if signal.action == "resolved" else ""
    return AlertResult(
        signal.key, Outcome.CREATED, f"{signal.name}: opened {incident.reference}{state}", incident
    )


def _locked_incident(link: AlertLink) -> Incident:
    # A deleted incident still takes its alerts (hidden with it, back if restored).
    # NO KEY: deliveries of the alert queue here, rows that merely reference the
    # incident (a postmortem's publication email, say) need not.
    return Incident.all_objects.select_for_update(no_key=True).get(pk=link.incident_id)


def _save_link(link: AlertLink, **fields) -> None:
    for name, value in fields.items():
        setattr(link, name, value)
    link.updated_at = timezone.now()
    link.save(update_fields=[*fields, "updated_at"])


def _next_signal(
    integration: AlertIntegration, link: AlertLink, signal: AlertSignal, delivery: AlertDelivery
) -> AlertResult:
    incident = _locked_incident(link)
    name, at = signal.name, signal.occurred_at
    if signal.action == "resolved":
        return _resolve(link, incident, signal, delivery)
    start = signal.started_at or at
    if link.resolved_at is not None:
        return _fire_after_resolution(integration, link, incident, signal, delivery, start)
    if signal.action == "acknowledged":
        if link.acknowledged_at is not None:
            return AlertResult(signal.key, Outcome.DUPLICATE, f"{name}: already acknowledged")
        _save_link(link, acknowledged_at=at)
        _event(
            incident,
            delivery,
            signal,
            at=at,
            kind=Kind.ACTION,
            text=f"acknowledged at {_clock(at)}",
        )
        return AlertResult(
            signal.key, Outcome.UPDATED, f"{name}: acknowledged on {incident.reference}", incident
        )
    severity = severity_for(integration, signal.severity)
    if severity < incident.severity:
        incident.severity = severity
        incident_update(incident=incident, expected_revision=incident.revision)
        _event(
            incident,
            delivery,
            signal,
            at=max(at, incident.started_at),
            kind=Kind.OTHER,
            text=f"raised the severity to {severity} at {_clock(at)}",
        )
        return AlertResult(
            signal.key, Outcome.UPDATED, f"{name}: {incident.reference} now {severity}", incident
        )
    return AlertResult(
        signal.key, Outcome.DUPLICATE, f"{name}: {incident.reference} is already open", incident
    )


def _resolve(
    link: AlertLink, incident: Incident, signal: AlertSignal, delivery: AlertDelivery
) -> AlertResult:
    name, at = signal.name, signal.occurred_at
    if link.resolved_at is not None:
        return AlertResult(
            signal.key,
            Outcome.DUPLICATE,
            f"{name}: {incident.reference} already resolved",
            incident,
        )
    if at < link.fired_at or (signal.started_at and signal.started_at < link.fired_at):
        # The end of an earlier episode, delivered after the alert fired again.
        return AlertResult(signal.key, Outcome.IGNORED, f"{name}: resolution older than the firing")
    _save_link(link, resolved_at=at)
    if incident.resolved_at is None:
        # Starts the 24-hour postmortem clock (Incident.review_clock_started_at).
        incident.resolved_at = max(at, incident.started_at)
        incident.status = Incident.Status.RESOLVED
        incident_update(incident=incident, expected_revision=incident.revision)
    _event(
        incident,
        delivery,
        signal,
        at=max(at, incident.started_at),
        kind=Kind.RESOLUTION,
        text=f"resolved at {_clock(at)}",
    )
    return AlertResult(
        signal.key, Outcome.RESOLVED, f"{name}: resolved {incident.reference}", incident
    )


def _fire_after_resolution(
    integration: AlertIntegration,
    link: AlertLink,
    incident: Incident,
    signal: AlertSignal,
    delivery: AlertDelivery,
    start: datetime,
) -> AlertResult:
    name = signal.name
    if signal.action == "acknowledged" or start <= link.resolved_at:
        # A firing (or acknowledgement) from before the recorded resolution, arriving late.
        return AlertResult(
            signal.key,
            Outcome.IGNORED,
            f"{name}: older than the resolution of {incident.reference}",
            incident,
        )
    severity = severity_for(integration, signal.severity)
    if not _opens(integration, severity):
        return AlertResult(
            signal.key,
            Outcome.IGNORED,
            f"{name}: {severity} is below {integration.open_from}; no incident opened",
        )
    if start - link.resolved_at <= timedelta(minutes=integration.refire_window):
        incident.resolved_at = None
        incident.status = Incident.Status.INVESTIGATING
        incident_update(incident=incident, expected_revision=incident.revision)
        _save_link(link, fired_at=start, resolved_at=None, acknowledged_at=None)
        _event(
            incident,
            delivery,
            signal,
            at=start,
            kind=Kind.DETECTION,
            text=f"fired again at {_clock(start)}; {incident.reference} reopened",
        )
        return AlertResult(
            signal.key, Outcome.REOPENED, f"{name}: reopened {incident.reference}", incident
        )
    new = _open_incident(integration, signal, severity, delivery)
    _save_link(
        link,
        incident=new,
        alert_name=name,
        fired_at=new.started_at,
        resolved_at=None,
        acknowledged_at=None,
    )
    return AlertResult(
        signal.key,
        Outcome.CREATED,
        f"{name}: opened {new.reference} (fired again after {incident.reference})",
        new,
    )


def _copy_to_timeline(postmortem: Postmortem, events: list[AlertEvent]) -> None:
    now = timezone.now()
    for event in events:
        event.timeline_event = TimelineEvent.objects.create(
            postmortem=postmortem,
            occurred_at=event.occurred_at,
            kind=event.kind,
            text=event.text,
            source_url=event.source_url,
            created_at=now,
        )
        event.save(update_fields=["timeline_event"])


def alert_events_to_timeline(*, postmortem: Postmortem) -> int:
    """Copy the incident's alert events not yet in the timeline (called when the
    postmortem is started). The caller reindexes the postmortem for search."""
    events = list(
        AlertEvent.objects.filter(incident_id=postmortem.incident_id, timeline_event__isnull=True)
    )
    _copy_to_timeline(postmortem, events)
    return len(events)

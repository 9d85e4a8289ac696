# ruff: noqa: E501
"""Read the alerting tools' webhook bodies into one shape, `AlertSignal`.

Pure functions: no database. Each reader raises PayloadError (answered with 400)
for a body it cannot use. The formats are the vendors' public ones:
- Prometheus Alertmanager webhook, version 4; Grafana alerting's webhook, which
  has the same shape (`status`, `alerts[]` with `fingerprint`, `labels`, `startsAt`,
  `endsAt`) and a `title`.
- PagerDuty V3 webhooks: one `event` with `event_type` and the incident in `data`.
- Opsgenie's webhook integration: `action` and `alert`.
"""

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.dateparse import parse_datetime

from accounts.single_line import single_line
from postmortems.json_input import JsonInputError, loads_untrusted
from postmortems.moments import EARLIEST, LATEST, OUT_OF_RANGE, moment_in_range

# "updated": a priority or severity change only (PagerDuty incident.priority_updated).
Action = Literal["firing", "acknowledged", "resolved", "updated"]


class PayloadError(ValueError):
    pass


@dataclass(frozen=True)
class AlertSignal:
    key: str  # the vendor's alert id or fingerprint
    action: Action
    name: str  # alertname, or the title
    title: str
    description: str
    severity: str  # the vendor's severity, priority or urgency, as sent
    started_at: datetime | None  # when the alert started firing, if the vendor says
    occurred_at: datetime  # when this state began: firing, acknowledged or resolved
    source_url: str = ""
    # fmt: off
    group_key: str = ""          # the tool's own grouping: Alertmanager/Grafana groupKey, PagerDuty incident id, Opsgenie alias or alertId
    services: tuple[str, ...] = ()   # service names the tool names (labels service/job, PagerDuty service summary), as sent
    assignees: tuple[str, ...] = ()  # e-mail addresses of people the tool assigned, as sent
    labels: tuple[tuple[str, str], ...] = ()  # the alert's labels (Alertmanager/Grafana), sorted, for mapping
    is_test: bool = False        # a tool's test notification
    # fmt: on


def _object(value: Any, what: str) -> dict:
    if not isinstance(value, dict):
        raise PayloadError(f"{what} must be a JSON object.")
    return value


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _line(value: Any) -> str:
    """A name, title, key or severity: one line (accounts/single_line.py)."""
    return single_line(_text(value)).strip()


def _time(value: Any, what: str) -> datetime | None:
    """RFC 3339 text; Go's zero time (Alertmanager's endsAt while firing) means none."""
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise PayloadError(f"{what} must be an RFC 3339 time.")
    try:
        parsed = parse_datetime(value)
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise PayloadError(f"{what} must be an RFC 3339 time with a zone.")
    if parsed.year <= 1:
        return None
    if not moment_in_range(parsed):
        raise PayloadError(f"{what}: {OUT_OF_RANGE}")
    return parsed


def _epoch(value: Any, what: str) -> datetime | None:
    """Opsgenie sends milliseconds (createdAt) and sometimes nanoseconds (updatedAt)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        return None  # also NaN
    try:
        value = float(value)
    except OverflowError:  # an integer past any float
        raise PayloadError(f"{what}: {OUT_OF_RANGE}") from None
    for scale in (1e9, 1e6, 1e3, 1):
        if value / scale >= 1e8:  # after 1973 in this unit
            seconds = value / scale
            # Checked before converting: 1e308 or infinity overflow datetime itself.
            if not EARLIEST.timestamp() <= seconds <= LATEST.timestamp():
                raise PayloadError(f"{what}: {OUT_OF_RANGE}")
            return datetime.fromtimestamp(seconds, tz=UTC)
    return None


def _url(value: Any) -> str:
    url = _text(value)[:500]
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        return ""
    return url


def _short_key(key: str) -> str:
    """Keys are stored in 255 characters; a longer one (an Alertmanager groupKey of many
    labels) keeps its start and a hash of the whole, so two keys stay two."""
    if len(key) <= 255:
        return key
    return f"{key[:190]}#{hashlib.sha256(key.encode()).hexdigest()}"


def load_json(body: bytes) -> dict:
    try:
        data = loads_untrusted(body)
    except JsonInputError as error:
        raise PayloadError(str(error)) from None
    return _object(data, "The body")


def read_alertmanager(body: bytes, *, received_at: datetime) -> list[AlertSignal]:
    """Alertmanager (version 4) and Grafana: one signal per alert, keyed by fingerprint."""
    data = load_json(body)
    alerts = data.get("alerts")
    if not isinstance(alerts, list) or not alerts:
        raise PayloadError("`alerts` must be a non-empty list.")
    group_status = data.get("status")
    group_key = _short_key(_line(data.get("groupKey")))
    signals = []
    for index, raw in enumerate(alerts):
        alert = _object(raw, f"alerts[{index}]")
        status = alert.get("status", group_status)
        if status not in ("firing", "resolved"):
            raise PayloadError(f"alerts[{index}].status must be firing or resolved.")
        fingerprint = _line(alert.get("fingerprint"))
        if not fingerprint:
            raise PayloadError(f"alerts[{index}].fingerprint is missing.")
        labels = _object(alert.get("labels", {}), f"alerts[{index}].labels")
        annotations = _object(alert.get("annotations", {}), f"alerts[{index}].annotations")
        started_at = _time(alert.get("startsAt"), f"alerts[{index}].startsAt")
        ended_at = _time(alert.get("endsAt"), f"alerts[{index}].endsAt")
        name = _line(labels.get("alertname")) or _line(data.get("title")) or "Alert"
        summary = _line(annotations.get("summary"))
        occurred_at = (ended_at if status == "resolved" else started_at) or received_at
        signals.append(
            AlertSignal(
                key=fingerprint[:255],
                action=status,
                name=name[:200],
                title=f"{name}: {summary}" if summary else name,
                description=_text(annotations.get("description")) or summary,
                severity=_line(labels.get("severity")),
                started_at=started_at,
                occurred_at=occurred_at,
                source_url=_url(alert.get("generatorURL")),
                group_key=group_key,
                labels=tuple(
                    sorted(
                        (str(label)[:200], _line(value)[:200])
                        for label, value in labels.items()
                        if isinstance(value, str)
                    )
                ),
            )
        )
    return signals


PAGERDUTY_ACTIONS: dict[str, Action] = {
    "incident.triggered": "firing",
    "incident.reopened": "firing",
    "incident.acknowledged": "acknowledged",
    "incident.resolved": "resolved",
}


def read_pagerduty(body: bytes, *, received_at: datetime) -> list[AlertSignal]:
    """A V3 webhook event. Other event types (annotated, priority_updated...) are
    answered with no signals: recorded, nothing changes."""
    event = _object(load_json(body).get("event"), "`event`")
    event_type = _line(event.get("event_type"))
    if not event_type:
        raise PayloadError("`event.event_type` is missing.")
    action = PAGERDUTY_ACTIONS.get(event_type)
    if action is None:
        return []
    incident = _object(event.get("data"), "`event.data`")
    key = _line(incident.get("id"))
    if not key:
        raise PayloadError("`event.data.id` is missing.")
    occurred_at = _time(event.get("occurred_at"), "`event.occurred_at`") or received_at
    priority = incident.get("priority")
    severity = _line(priority.get("summary")) if isinstance(priority, dict) else ""
    title = _line(incident.get("title")) or f"PagerDuty incident {key}"
    return [
        AlertSignal(
            key=key[:255],
            action=action,
            name=title[:200],
            title=title,
            description="",
            severity=severity or _line(incident.get("urgency")),
            # A reopened incident fires again now, not when it was first created.
            started_at=None
            if event_type == "incident.reopened"
            else _time(incident.get("created_at"), "`event.data.created_at`"),
            occurred_at=occurred_at,
            source_url=_url(incident.get("html_url")),
        )
    ]


OPSGENIE_ACTIONS: dict[str, Action] = {
    "Create": "firing",
    "Acknowledge": "acknowledged",
    "Close": "resolved",
}


def read_opsgenie(body: bytes, *, received_at: datetime) -> list[AlertSignal]:
    """Keyed by the alert's alias when it has one (Opsgenie's own de-duplication key,
    which survives a re-fire), else by alertId. Other actions (AddNote...) give none."""
    data = load_json(body)
    action_name = _line(data.get("action"))
    if not action_name:
        raise PayloadError("`action` is missing.")
    alert = _object(data.get("alert"), "`alert`")
    key = _line(alert.get("alias")) or _line(alert.get("alertId"))
    if not key:
        raise PayloadError("`alert.alertId` is missing.")
    action = OPSGENIE_ACTIONS.get(action_name)
    if action is None:
        return []
    started_at = _epoch(alert.get("createdAt"), "`alert.createdAt`")
    updated_at = _epoch(alert.get("updatedAt"), "`alert.updatedAt`")
    occurred_at = (started_at if action == "firing" else updated_at) or received_at
    message = _line(alert.get("message")) or f"Opsgenie alert {key}"
    return [
        AlertSignal(
            key=key[:255],
            action=action,
            name=message[:200],
            title=message,
            description=_text(alert.get("description")),
            severity=_line(alert.get("priority")),
            started_at=started_at,
            occurred_at=occurred_at,
        )
    ]


READERS = {
    "alertmanager": read_alertmanager,
    "grafana": read_alertmanager,
    "pagerduty": read_pagerduty,
    "opsgenie": read_opsgenie,
}


def read_signals(kind: str, body: bytes, *, received_at: datetime) -> list[AlertSignal]:
    return READERS[kind](body, received_at=received_at)

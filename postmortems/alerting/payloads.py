"""Read the alerting tools' webhook bodies into one shape, `AlertSignal`.

Pure functions: no database. Each reader raises PayloadError (answered with 400)
for a body it cannot use. The formats are the vendors' public ones:
- Prometheus Alertmanager webhook, version 4; Grafana alerting's webhook, which
  has the same shape (`status`, `alerts[]` with `fingerprint`, `labels`, `startsAt`,
  `endsAt`) and a `title`, and whose contact-point "Test" button sends a test alert.
- PagerDuty V3 webhooks: one `event` with `event_type` and the incident in `data`;
  `pagey.ping` is the subscription's "Send test event".
- Opsgenie's webhook integration: `action` and `alert`.
Real deliveries of each are in tests/alerting/payloads/ (README.md there says where
each comes from).
"""

import hashlib
import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.dateparse import parse_datetime

from accounts.single_line import single_line
from lib.json_input import JsonInputError, loads_untrusted
from lib.moments import EARLIEST, LATEST, OUT_OF_RANGE, moment_in_range

# "updated": the alert's priority or severity changed, nothing else.
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
    # The tool's own grouping: Alertmanager/Grafana groupKey, PagerDuty incident id,
    # Opsgenie alias or alertId.
    group_key: str = ""
    # Service names the tool names (labels service/job, PagerDuty service summary), as sent.
    services: tuple[str, ...] = ()
    # E-mail addresses of people the tool assigned, as sent.
    assignees: tuple[str, ...] = ()
    # The alert's labels (Alertmanager/Grafana), sorted, for mapping.
    labels: tuple[tuple[str, str], ...] = ()
    # A tool's test notification.
    is_test: bool = False
    # The alert's runbook link (Alertmanager's and Grafana's `runbook_url` annotation,
    # Opsgenie's `runbook_url` or `runbook` detail).
    runbook_url: str = ""
    # Who the tool says it notified or assigned (names or addresses), as sent.
    notified: tuple[str, ...] = ()
    # The person who made this change (acknowledged or resolved it), when the tool
    # names one; empty when the tool did it itself or does not say.
    actor: str = ""


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
                # Grafana's rule form keeps its "Runbook URL" in the same annotation.
                runbook_url=_url(annotations.get("runbook_url")),
                services=_label_services(labels),
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


def _label_services(labels: dict) -> tuple[str, ...]:
    """The labels `service` and `job`, as sent (Prometheus's own `job` names the
    scraped service when no `service` label is set)."""
    names = [_line(labels.get(name))[:200] for name in ("service", "job")]
    return tuple(dict.fromkeys(name for name in names if name))


# Grafana's contact-point "Test" button (grafana/alerting notify/test_receivers.go):
# a made-up alert with these labels, sent with the group key
# "<integration>-<the alert's fingerprint>-<unix time>" instead of a route's
# "{...}:{...}". The labels can be changed in the test dialog; the group key cannot.
GRAFANA_TEST_LABELS = {"alertname": "TestAlert", "instance": "Grafana"}


def _grafana_test(data: dict, alert: dict) -> bool:
    labels = alert.get("labels")
    if isinstance(labels, dict) and all(
        labels.get(name) == value for name, value in GRAFANA_TEST_LABELS.items()
    ):
        return True
    group_key, fingerprint = data.get("groupKey"), alert.get("fingerprint")
    if not (isinstance(group_key, str) and isinstance(fingerprint, str) and fingerprint):
        return False
    return re.fullmatch(rf".+-{re.escape(fingerprint)}-\d+", group_key) is not None


def read_grafana(body: bytes, *, received_at: datetime) -> list[AlertSignal]:
    """Alertmanager's format (read_alertmanager), plus Grafana's test notifications.
    Grafana alerts often carry no `severity` label: the integration's default applies."""
    signals = read_alertmanager(body, received_at=received_at)
    data = load_json(body)  # read_alertmanager checked it: one alert object per signal
    return [
        replace(signal, is_test=True) if _grafana_test(data, alert) else signal
        for signal, alert in zip(signals, data["alerts"], strict=True)
    ]


PAGERDUTY_ACTIONS: dict[str, Action] = {
    "incident.triggered": "firing",
    "incident.reopened": "firing",
    "incident.acknowledged": "acknowledged",
    "incident.resolved": "resolved",
    "incident.priority_updated": "updated",
}
# What the webhook subscription's "Send test event" sends.
PAGERDUTY_PING = "pagey.ping"


def _emails(values: list[Any]) -> tuple[str, ...]:
    """The e-mail addresses among `values`, as sent; anything else is left out."""
    found = [_line(value)[:254] for value in values]
    return tuple(dict.fromkeys(value for value in found if "@" in value))


def _pagerduty_severity(incident: dict) -> str:
    """The priority's name ("P1"); PagerDuty sends `"priority": null` when the account
    has no priorities or the incident has none: then its urgency ("high", "low")."""
    priority = incident.get("priority")
    summary = _line(priority.get("summary")) if isinstance(priority, dict) else ""
    return summary or _line(incident.get("urgency"))


def _pagerduty_test(event: dict, received_at: datetime) -> AlertSignal:
    key = _line(event.get("id")) or PAGERDUTY_PING
    return AlertSignal(
        key=key[:255],
        action="firing",
        name="PagerDuty test event",
        title="PagerDuty test event",
        description="",
        severity="",
        started_at=None,
        occurred_at=_time(event.get("occurred_at"), "`event.occurred_at`") or received_at,
        is_test=True,
    )


def read_pagerduty(body: bytes, *, received_at: datetime) -> list[AlertSignal]:
    """A V3 webhook event. Other event types (annotated, escalated...) are answered
    with no signals: recorded, nothing changes."""
    event = _object(load_json(body).get("event"), "`event`")
    event_type = _line(event.get("event_type"))
    if not event_type:
        raise PayloadError("`event.event_type` is missing.")
    if event_type == PAGERDUTY_PING:
        return [_pagerduty_test(event, received_at)]
    action = PAGERDUTY_ACTIONS.get(event_type)
    if action is None:
        return []
    incident = _object(event.get("data"), "`event.data`")
    key = _line(incident.get("id"))
    if not key:
        raise PayloadError("`event.data.id` is missing.")
    occurred_at = _time(event.get("occurred_at"), "`event.occurred_at`") or received_at
    title = _line(incident.get("title")) or f"PagerDuty incident {key}"
    service = incident.get("service")
    service_name = _line(service.get("summary"))[:200] if isinstance(service, dict) else ""
    assignees = incident.get("assignees")
    # V3 assignees are user references (id and name); an e-mail only when one is sent.
    people = [
        person.get("email") or person.get("summary")
        for person in (assignees if isinstance(assignees, list) else [])
        if isinstance(person, dict)
    ]
    # No runbook: the V3 incident in `data` carries no custom details (the alert's
    # details and the service's runbook stay in PagerDuty), only references.
    return [
        AlertSignal(
            key=key[:255],
            action=action,
            name=title[:200],
            title=title,
            description="",
            severity=_pagerduty_severity(incident),
            # A reopened incident fires again now, not when it was first created.
            started_at=None
            if event_type == "incident.reopened"
            else _time(incident.get("created_at"), "`event.data.created_at`"),
            occurred_at=occurred_at,
            source_url=_url(incident.get("html_url")),
            group_key=key[:255],
            services=(service_name,) if service_name else (),
            assignees=_emails(people),
            notified=_names(people),
            actor=_pagerduty_person(event.get("agent")),
        )
    ]


def _names(values: list[Any]) -> tuple[str, ...]:
    found = [_line(value)[:254] for value in values]
    return tuple(dict.fromkeys(value for value in found if value))[:50]


def _pagerduty_person(agent: Any) -> str:
    """The `agent` of a V3 event, when it is a person (`user_reference`); a service or
    an integration that acted (an auto-resolution) is the tool itself."""
    if not isinstance(agent, dict) or agent.get("type") != "user_reference":
        return ""
    return _line(agent.get("summary") or agent.get("email") or agent.get("id"))[:254]


OPSGENIE_ACTIONS: dict[str, Action] = {
    "Create": "firing",
    "Acknowledge": "acknowledged",
    "Close": "resolved",
    # The "alert's priority is updated" trigger; named like AssignOwnership and AddNote,
    # the other actions Opsgenie sends, but no recorded delivery of it was at hand.
    "UpdatePriority": "updated",
}
OPSGENIE_PRIORITY = re.compile(r"[Pp]?([1-5])")


def _opsgenie_priority(value: Any) -> str:
    """ "P1".."P5" as Opsgenie's API documents it; its webhook has also sent the bare
    number (`"priority": 3`, zulip's recorded Create). Anything else, as sent."""
    if isinstance(value, int) and not isinstance(value, bool):
        return f"P{value}" if 1 <= value <= 5 else str(value)
    if isinstance(value, float) and value.is_integer():
        return _opsgenie_priority(int(value))
    text = _line(value)
    match = OPSGENIE_PRIORITY.fullmatch(text)
    return f"P{match[1]}" if match else text[:100]


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
            severity=_opsgenie_priority(alert.get("priority")),
            started_at=started_at,
            occurred_at=occurred_at,
            group_key=key[:255],
            # The owner is the user's Opsgenie username, which is their e-mail address.
            assignees=_emails([alert.get("owner")]),
            runbook_url=_opsgenie_runbook(alert.get("details")),
            notified=_opsgenie_notified(alert),
            actor=_opsgenie_person(alert.get("username")),
        )
    ]


# The username Opsgenie's action data gives when Opsgenie itself acted (an alert
# closed by its integration or a policy), not a person.
OPSGENIE_ITSELF = {"System"}


def _opsgenie_person(value: Any) -> str:
    name = _line(value)[:254]
    return "" if name in OPSGENIE_ITSELF else name


def _opsgenie_runbook(details: Any) -> str:
    if not isinstance(details, dict):
        return ""
    return _url(details.get("runbook_url")) or _url(details.get("runbook"))


def _opsgenie_notified(alert: dict) -> tuple[str, ...]:
    """The alert's recipients (names) and responders (teams, people, by name), as sent."""
    recipients = alert.get("recipients")
    responders = alert.get("responders")
    names = list(recipients) if isinstance(recipients, list) else []
    names += [
        responder.get("name") or responder.get("username")
        for responder in (responders if isinstance(responders, list) else [])
        if isinstance(responder, dict)
    ]
    names.append(alert.get("owner"))
    return _names(names)


READERS = {
    "alertmanager": read_alertmanager,
    "grafana": read_grafana,
    "pagerduty": read_pagerduty,
    "opsgenie": read_opsgenie,
}


def read_signals(kind: str, body: bytes, *, received_at: datetime) -> list[AlertSignal]:
    return READERS[kind](body, received_at=received_at)

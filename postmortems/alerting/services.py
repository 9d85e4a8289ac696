"""Alerts open, update, resolve and reopen incidents; every delivery is logged.

Alerts are grouped as the tool groups them (`AlertSignal.group_key`: Alertmanager's
and Grafana's groupKey, a PagerDuty incident, an Opsgenie alias): one incident per
group (AlertGroup), each alert of it an AlertLink with its own state. A delivery's
alerts are applied group by group:
1. In a savepoint, lock the AlertGroup of (integration, group key), if there is one.
2. No group: open one incident for the group's alerts (unless they are all below
   the integration's `open_from`), insert the group and its alerts' links in bulk.
   A concurrent delivery of the same group inserts the same key: the unique
   constraint fails the later insert, its savepoint (and the incident it made) rolls
   back, and it starts again at 1, where it now finds the group: one incident,
   however many deliveries.
3. A group: apply each alert's change to its link, then the group's: the incident
   is resolved when every alert of the group has resolved (at the last alert's end);
   an alert firing again reopens it within the re-fire window, or opens a new one
   after it. Which delivery is newer:
   - Alertmanager and Grafana send the whole state of the group each time, in
     order, so the newest delivery is the truth: a firing after a resolution is a
     re-fire even with the alert's original startsAt (an alert resolved by
     resolve_timeout, or across a Prometheus restart, fires again with its first
     start). A delivery received before the last one applied, and a resolution of
     an earlier episode (an older startsAt), change nothing.
   - PagerDuty and Opsgenie events carry the time of the change: compare it with
     the link's times, so a late or repeated delivery changes nothing.
   A priority change ("updated") sets the severity, up or down, while the incident
   is open; an empty priority changes nothing.
4. Every change is an AlertEvent (one per alert state change, and one summary when a
   delivery changes many alerts), copied into the postmortem's timeline (now, or
   when the postmortem is started). Locks are taken group, incident, postmortem: the
   order of every write to a postmortem (services/locks.py).
Each group costs a fixed number of queries, however many alerts it has.
A delivery that meets another write (a deadlock, say) runs again whole
(retry_on_contention); until it commits, nothing of it exists.
No email is sent here: resolving starts the 24-hour clock, and the reminder
sweep (postmortems/notifications/reminders.py) writes the reminder to the outbox later.
"""

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import Team, User
from lib.database_errors import retry_on_contention
from postmortems.alerting.auth import new_token, token_hash
from postmortems.alerting.models import (
    AlertDelivery,
    AlertEvent,
    AlertGroup,
    AlertIntegration,
    AlertLink,
)
from postmortems.alerting.payloads import AlertSignal
from postmortems.models.catalog import Service
from postmortems.models.incidents import Incident, Severity
from postmortems.models.reviews import Postmortem, TimelineEvent
from postmortems.services.incidents import incident_create, incident_update
from postmortems.services.locks import postmortem_lock
from postmortems.services.search_index import index_postmortem

logger = logging.getLogger(__name__)

Outcome = AlertDelivery.Outcome
Kind = TimelineEvent.Kind

DEFAULT_SEVERITY_MAPS: dict[str, dict[str, str]] = {
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


# Alertmanager and Grafana re-send the group's whole state: the newest delivery wins.
ORDERED_BY_DELIVERY = (AlertIntegration.Kind.ALERTMANAGER, AlertIntegration.Kind.GRAFANA)
# A delivery changing more alerts of a group than this also gets one summary event.
SUMMARY_FROM = 10


@retry_on_contention
def alerts_receive(
    *,
    integration: AlertIntegration,
    signals: list[AlertSignal],
    request_meta: dict,
    received_at: datetime,
) -> tuple[AlertDelivery, list[AlertResult]]:
    """Apply each alert group of one delivery and log the delivery with its weightiest
    outcome. Results come back in the order of `signals`."""
    with transaction.atomic():
        delivery = delivery_record(
            integration=integration,
            request_meta=request_meta,
            outcome=Outcome.IGNORED,
            http_status=200,
            message="",
            received_at=received_at,
        )
        by_key: dict[str, AlertResult] = {}
        groups = _groups(integration, _applicable(signals))
        # Groups locked in one order: two deliveries of the same groups cannot deadlock.
        for group_key, group_signals in sorted(groups.items()):
            for result in _apply_with_retry(
                integration=integration,
                group_key=group_key,
                signals=group_signals,
                delivery=delivery,
                received_at=received_at,
            ):
                by_key[result.key] = result
        results = [by_key[s.key] for s in signals if s.key in by_key]
        results = list({id(r): r for r in results}.values())  # an alert sent twice: once
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
        delivery.message[:200],
        integration.code,
    )
    return delivery, results


TEST_MESSAGE = "Test notification received; no incident opened."


def _applicable(signals: list[AlertSignal]) -> list[AlertSignal]:
    """A tool's test notification (alerting/payloads.py marks it) opens nothing."""
    return [signal for signal in signals if not signal.is_test]


def _tests_only(signals: list[AlertSignal]) -> bool:
    return bool(signals) and all(signal.is_test for signal in signals)


def _groups(
    integration: AlertIntegration, signals: list[AlertSignal]
) -> dict[str, list[AlertSignal]]:
    """The delivery's alerts by group key (an alert without one is a group of its own);
    the last of an alert sent twice counts. An alert that opened an incident of its own
    before alerts were grouped (migration 0025) stays with it until it resolves."""
    regrouped = {s.key for s in signals if s.group_key and s.group_key != s.key}
    legacy = set()
    if regrouped:
        legacy = set(
            AlertGroup.objects.filter(
                integration=integration, group_key__in=regrouped, resolved_at__isnull=True
            ).values_list("group_key", flat=True)
        )
    groups: dict[str, dict[str, AlertSignal]] = {}
    for signal in signals:
        key = signal.key if signal.key in legacy else (signal.group_key or signal.key)
        groups.setdefault(key, {})[signal.key] = signal
    return {key: list(alerts.values()) for key, alerts in groups.items()}


def _apply_with_retry(
    *,
    integration: AlertIntegration,
    group_key: str,
    signals: list[AlertSignal],
    delivery: AlertDelivery,
    received_at: datetime,
) -> list[AlertResult]:
    for attempt in range(3):
        try:
            with transaction.atomic():
                group = (
                    AlertGroup.objects.select_for_update()
                    .filter(integration=integration, group_key=group_key)
                    .first()
                )
                if group is None:
                    return _first_delivery(integration, group_key, signals, delivery, received_at)
                return _GroupDelivery(integration, group, signals, delivery, received_at).apply()
        except IntegrityError:
            # Another delivery of this group inserted it first (step 2 above).
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


def _start(signal: AlertSignal) -> datetime:
    return min(signal.started_at or signal.occurred_at, signal.occurred_at)


class _Events:
    """The alert events of one group in one delivery, written in one statement."""

    def __init__(self, delivery: AlertDelivery) -> None:
        self.delivery = delivery
        self.pending: list[AlertEvent] = []

    def add(self, incident: Incident, signal: AlertSignal, *, at, kind, text) -> None:
        self.pending.append(
            AlertEvent(
                incident=incident,
                delivery=self.delivery,
                occurred_at=max(at, incident.started_at),
                kind=kind,
                text=f"Alert {_markdown_text(signal.name)} {text}",
                source_url=signal.source_url,
            )
        )

    def save(self, incident: Incident) -> None:
        events = [e for e in self.pending if e.incident_id == incident.pk]
        if not events:
            return
        if len(events) > SUMMARY_FROM:
            counts: dict[str, int] = {}
            for event in events:
                counts[event.kind] = counts.get(event.kind, 0) + 1
            what = ", ".join(
                f"{count} {Kind(kind).label.lower()}" for kind, count in sorted(counts.items())
            )
            events.insert(
                0,
                AlertEvent(
                    incident=incident,
                    delivery=self.delivery,
                    occurred_at=min(e.occurred_at for e in events),
                    kind=Kind.OTHER,
                    text=f"{len(events)} alerts of the group changed in one delivery ({what})",
                ),
            )
        AlertEvent.objects.bulk_create(events)
        pk = Postmortem.objects.filter(incident=incident).values_list("pk", flat=True).first()
        if pk is not None:
            postmortem = postmortem_lock(postmortem_id=pk)
            _copy_to_timeline(postmortem, events)
            index_postmortem(pk)


def _most_severe(integration: AlertIntegration, signals: list[AlertSignal]) -> str:
    return min(severity_for(integration, s.severity) for s in signals)


def _service_names(integration: AlertIntegration, signal: AlertSignal) -> list[str]:
    """The first of the integration's service labels the alert has, else the services
    the tool names (PagerDuty's service)."""
    labels = dict(signal.labels)
    for label in integration.service_labels or []:
        if labels.get(label):
            return [labels[label]]
    return list(signal.services)


def _catalog_services(integration: AlertIntegration, signals: list[AlertSignal]) -> list[Service]:
    """Services of the catalog the alerts name, by name (any case) or slug. Names not
    in the catalog are left out: the catalog is kept by people, not by alerts."""
    names = {name for s in signals for name in _service_names(integration, s) if name}
    if not names:
        return []
    wanted = Q(slug__in={slugify(name) for name in names})
    for name in names:
        wanted |= Q(name__iexact=name)
    return list(Service.objects.filter(wanted))


def _assignee(integration: AlertIntegration, signals: list[AlertSignal]) -> User | None:
    """The first assignee (by e-mail address) with an active account, if the
    integration takes the owner from the tool."""
    if not integration.owner_from_assignee:
        return None
    emails = [e.strip().lower() for s in signals for e in s.assignees if "@" in e]
    if not emails:
        return None
    wanted = Q()
    for email in emails:
        wanted |= Q(email__iexact=email)
    found = {u.email.lower(): u for u in User.objects.filter(wanted, is_active=True)}
    return next((found[e] for e in emails if e in found), None)


def _open_incident(
    integration: AlertIntegration,
    signals: list[AlertSignal],
    severity: str,
    *,
    started_at: datetime,
    resolved_at: datetime | None,
) -> Incident:
    first = next((s for s in signals if s.action != "resolved"), signals[0])
    others = len({s.key for s in signals}) - 1
    title = first.title
    if others:
        more = f" (and {others} more alert{'s' if others > 1 else ''})"
        title = f"{title[: 200 - len(more)]}{more}"
    fields = {}
    if resolved_at is not None:
        fields = {"status": Incident.Status.RESOLVED, "resolved_at": resolved_at}
    note = f"Opened by the alert integration {integration.name} ({integration.get_kind_display()})."
    description = first.description
    return incident_create(
        by=None,
        title=title[:200],
        severity=severity,
        team=integration.team,
        owner=_assignee(integration, signals),
        services=_catalog_services(integration, signals),
        description=f"{description}\n\n{note}" if description else note,
        started_at=started_at,
        detected_at=started_at,
        **fields,
    )


def _first_events(events: _Events, incident: Incident, signal: AlertSignal, start) -> None:
    events.add(incident, signal, at=start, kind=Kind.DETECTION, text=f"fired at {_clock(start)}")
    at = signal.occurred_at
    if signal.action == "acknowledged":
        events.add(incident, signal, at=at, kind=Kind.ACTION, text=f"acknowledged at {_clock(at)}")
    if signal.action == "resolved":
        events.add(incident, signal, at=at, kind=Kind.RESOLUTION, text=f"resolved at {_clock(at)}")


def _first_delivery(
    integration: AlertIntegration,
    group_key: str,
    signals: list[AlertSignal],
    delivery: AlertDelivery,
    received_at: datetime,
) -> list[AlertResult]:
    states = [s for s in signals if s.action != "updated"]
    if not states:
        return [AlertResult(s.key, Outcome.IGNORED, f"{s.name}: not seen before") for s in signals]
    severity = _most_severe(integration, states)
    if not _opens(integration, severity):
        return [
            AlertResult(
                s.key,
                Outcome.IGNORED,
                f"{s.name}: {severity} is below {integration.open_from}; no incident opened",
            )
            for s in signals
        ]
    started_at = min(_start(s) for s in states)
    resolved_at = None
    if all(s.action == "resolved" for s in states):
        resolved_at = max(max(s.occurred_at for s in states), started_at)
    incident = _open_incident(
        integration, states, severity, started_at=started_at, resolved_at=resolved_at
    )
    group = AlertGroup.objects.create(
        integration=integration,
        group_key=group_key,
        incident=incident,
        fired_at=started_at,
        resolved_at=resolved_at,
        last_received_at=received_at,
    )
    events = _Events(delivery)
    links = []
    for signal in states:
        start = _start(signal)
        at = signal.occurred_at
        links.append(
            AlertLink(
                integration=integration,
                group=group,
                external_key=signal.key,
                alert_name=signal.name,
                started_at=signal.started_at,
                fired_at=start,
                # A first-seen acknowledgement is recorded: the same one again is a duplicate.
                acknowledged_at=at if signal.action == "acknowledged" else None,
                resolved_at=max(at, start) if signal.action == "resolved" else None,
            )
        )
        _first_events(events, incident, signal, start)
    AlertLink.objects.bulk_create(links)
    events.save(incident)
    state = " (already resolved)" if resolved_at else ""
    return [
        AlertResult(
            s.key, Outcome.CREATED, f"{s.name}: opened {incident.reference}{state}", incident
        )
        for s in states
    ] + [
        AlertResult(s.key, Outcome.IGNORED, f"{s.name}: not seen before")
        for s in signals
        if s.action == "updated"
    ]


class _GroupDelivery:
    """One delivery's alerts applied to a group that exists (step 3 above)."""

    def __init__(
        self,
        integration: AlertIntegration,
        group: AlertGroup,
        signals: list[AlertSignal],
        delivery: AlertDelivery,
        received_at: datetime,
    ) -> None:
        self.integration = integration
        self.group = group
        self.signals = signals
        self.received_at = received_at
        self.by_delivery = integration.kind in ORDERED_BY_DELIVERY
        self.events = _Events(delivery)
        self.results: dict[str, AlertResult] = {}
        self.new_links: list[AlertLink] = []
        self.changed_links: dict[int, AlertLink] = {}
        self.link_fields: set[str] = set()
        # (signal, link, change, at) for the alerts that changed
        self.changes: list[tuple[AlertSignal, AlertLink, str, datetime]] = []
        self.outcome_fired = Outcome.UPDATED
        self.incident_changed = False
        self.resolved_group = False
        self.severity_from: str | None = None  # the severity before this delivery

    def result(self, signal: AlertSignal, outcome: str, message: str, incident=None) -> None:
        self.results[signal.key] = AlertResult(signal.key, outcome, message, incident)

    def apply(self) -> list[AlertResult]:
        group = self.group
        if (
            self.by_delivery
            and group.last_received_at is not None
            and self.received_at < group.last_received_at
        ):
            for signal in self.signals:
                self.result(signal, Outcome.IGNORED, f"{signal.name}: a newer delivery came first")
            return list(self.results.values())
        self.incident = Incident.all_objects.select_for_update(no_key=True).get(
            pk=group.incident_id
        )
        # Rows of the group: its lock (taken above) keeps them as they are.
        links = {link.external_key: link for link in AlertLink.objects.filter(group=group)}
        for signal in self.signals:
            link = links.get(signal.key)
            if link is None:
                self._new_alert(signal)
            else:
                self._next_state(signal, link)
        self._group_state(list(links.values()))
        self._save()
        return [self.results[s.key] for s in self.signals]

    # Each alert's own change

    def _new_alert(self, signal: AlertSignal) -> None:
        """An alert of the group not seen before (Alertmanager adds alerts to a group)."""
        if signal.action == "updated":
            self.result(signal, Outcome.IGNORED, f"{signal.name}: not seen before")
            return
        start = _start(signal)
        at = signal.occurred_at
        link = AlertLink(
            integration=self.integration,
            group=self.group,
            external_key=signal.key,
            alert_name=signal.name,
            started_at=signal.started_at,
            fired_at=start,
        )
        self.new_links.append(link)
        if signal.action == "resolved":
            link.resolved_at = max(at, start)
            self.changes.append((signal, link, "resolved_new", link.resolved_at))
            return
        if self.group.resolved_at is not None and start <= self.group.resolved_at:
            link.fired_at = start = self._refire_moment(signal, self.group.resolved_at)
        if signal.action == "acknowledged":
            link.acknowledged_at = at
        self.changes.append((signal, link, "fired", start))

    def _older_episode(self, signal: AlertSignal, link: AlertLink) -> bool:
        return bool(signal.started_at and link.started_at and signal.started_at < link.started_at)

    def _refire_moment(self, signal: AlertSignal, resolved_at: datetime) -> datetime:
        """Alertmanager sends a re-fire with the alert's first startsAt when it had
        resolved it by timeout: it fires again now, as far as anyone can tell."""
        start = signal.started_at or signal.occurred_at
        return start if start > resolved_at else max(self.received_at, resolved_at)

    def _change(self, link: AlertLink, **fields) -> None:
        for name, value in fields.items():
            setattr(link, name, value)
        if link.pk is not None:
            self.changed_links[link.pk] = link
            self.link_fields.update(fields)

    def _next_state(self, signal: AlertSignal, link: AlertLink) -> None:
        name, at = signal.name, signal.occurred_at
        ref = self.incident.reference
        if signal.action == "updated":
            self.changes.append((signal, link, "priority", at))
            return
        if signal.action == "resolved":
            if link.resolved_at is not None:
                self.result(signal, Outcome.DUPLICATE, f"{name}: already resolved", self.incident)
            elif (self.by_delivery and self._older_episode(signal, link)) or (
                not self.by_delivery
                and (
                    at < link.fired_at or (signal.started_at and signal.started_at < link.fired_at)
                )
            ):
                # The end of an earlier episode, delivered after the alert fired again.
                self.result(signal, Outcome.IGNORED, f"{name}: resolution older than the firing")
            else:
                resolved_at = max(at, link.fired_at)
                self._change(link, resolved_at=resolved_at)
                self.changes.append((signal, link, "resolved", resolved_at))
            return
        if link.resolved_at is not None:
            start = signal.started_at or at
            late = (
                self._older_episode(signal, link)
                if self.by_delivery
                else (signal.action == "acknowledged" or start <= link.resolved_at)
            )
            if late:
                # A firing (or acknowledgement) from before the recorded resolution.
                self.result(signal, Outcome.IGNORED, f"{name}: older than the resolution of {ref}")
                return
            moment = self._refire_moment(signal, link.resolved_at)
            self._change(
                link,
                started_at=signal.started_at or link.started_at,
                fired_at=moment,
                resolved_at=None,
                acknowledged_at=at if signal.action == "acknowledged" else None,
            )
            self.changes.append((signal, link, "refired", moment))
            return
        if signal.action == "acknowledged":
            if link.acknowledged_at is not None:
                self.result(signal, Outcome.DUPLICATE, f"{name}: already acknowledged")
                return
            self._change(link, acknowledged_at=at)
            self.changes.append((signal, link, "acknowledged", at))
            return
        self.changes.append((signal, link, "firing", at))  # still firing: severity only

    # The group's change

    def _group_state(self, old_links: list[AlertLink]) -> None:
        group, incident = self.group, self.incident
        fired = [(s, at) for s, _link, change, at in self.changes if change in ("fired", "refired")]
        if fired and group.resolved_at is not None:
            refire_at = min(at for _s, at in fired)
            severity = _most_severe(self.integration, [s for s, _at in fired])
            if not _opens(self.integration, severity):
                for signal, _link, change, _at in self.changes:
                    if change in ("fired", "refired"):
                        self.result(
                            signal,
                            Outcome.IGNORED,
                            f"{signal.name}: {severity} is below {self.integration.open_from}; "
                            "no incident opened",
                        )
                for _signal, link, change, _at in self.changes:
                    if change == "refired":
                        self.changed_links.pop(link.pk, None)  # left as it was
                self.changes = [c for c in self.changes if c[2] not in ("fired", "refired")]
                self.new_links = [link for link in self.new_links if link.resolved_at]
                return
            if refire_at - group.resolved_at <= timedelta(minutes=self.integration.refire_window):
                self.outcome_fired = Outcome.REOPENED
                incident.resolved_at = None
                incident.status = Incident.Status.INVESTIGATING
                self.incident_changed = True
            else:
                self.outcome_fired = Outcome.CREATED
                self.previous = incident
                self.incident = incident = _open_incident(
                    self.integration,
                    [s for s, _at in fired],
                    severity,
                    started_at=refire_at,
                    resolved_at=None,
                )
                group.incident = incident
                group.fired_at = refire_at
            group.resolved_at = None
        self.severity_from = incident.severity
        # Severity: a firing alert raises it; a priority change sets it, up or down, while
        # the incident is open (the tool's priority is the truth then).
        firing = [s for s, _link, change, _at in self.changes if change in ("fired", "refired")]
        firing += [s for s, _link, change, _at in self.changes if change == "firing"]
        if firing:
            raised = _most_severe(self.integration, firing)
            if raised < incident.severity:
                incident.severity = raised
                self.incident_changed = True
        for signal, _link, change, _at in self.changes:
            if change == "priority" and signal.severity and incident.resolved_at is None:
                wanted = severity_for(self.integration, signal.severity)
                if wanted != incident.severity:
                    incident.severity = wanted
                    self.incident_changed = True
        # Resolution: when every alert of the group has resolved.
        if group.resolved_at is None and any(
            change in ("resolved", "resolved_new") for _s, _l, change, _at in self.changes
        ):
            links = [*old_links, *self.new_links]
            if all(link.resolved_at is not None for link in links):
                end = max(link.resolved_at for link in links)
                group.resolved_at = end
                self.resolved_group = True
                if incident.resolved_at is None:
                    # Starts the 24-hour postmortem clock (Incident.review_clock_started_at).
                    incident.resolved_at = max(end, incident.started_at)
                    incident.status = Incident.Status.RESOLVED
                    self.incident_changed = True

    def _save(self) -> None:
        group, incident = self.group, self.incident
        if self.incident_changed:
            incident_update(incident=incident, expected_revision=incident.revision)
        if self.new_links:
            AlertLink.objects.bulk_create(self.new_links)
            self._add_services()
        if self.changed_links:
            now = timezone.now()
            for link in self.changed_links.values():
                link.updated_at = now
            AlertLink.objects.bulk_update(
                list(self.changed_links.values()), [*sorted(self.link_fields), "updated_at"]
            )
        group.last_received_at = max(group.last_received_at or self.received_at, self.received_at)
        group.updated_at = timezone.now()
        group.save(
            update_fields=["incident", "fired_at", "resolved_at", "last_received_at", "updated_at"]
        )
        self._record()
        self.events.save(incident)

    def _add_services(self) -> None:
        signals = [
            s for s in self.signals if s.key in {link.external_key for link in self.new_links}
        ]
        services = _catalog_services(self.integration, signals)
        if services:
            self.incident.services.add(*services)

    def _record(self) -> None:
        """The events and each alert's result."""
        incident, ref = self.incident, self.incident.reference
        add = self.events.add
        still = [link for link in self.new_links if link.resolved_at is None]
        for signal, link, change, at in self.changes:
            name = signal.name
            if change in ("fired", "refired"):
                again = "fired again" if change == "refired" else "fired"
                if self.outcome_fired == Outcome.REOPENED:
                    text, message = f"{again} at {_clock(at)}; {ref} reopened", f"reopened {ref}"
                elif self.outcome_fired == Outcome.CREATED:
                    text = f"{again} at {_clock(at)}"
                    message = f"opened {ref} (fired again after {self.previous.reference})"
                else:
                    text, message = f"{again} at {_clock(at)}", f"firing on {ref}"
                add(incident, signal, at=at, kind=Kind.DETECTION, text=text)
                if link.acknowledged_at and link in still:
                    add(
                        incident,
                        signal,
                        at=link.acknowledged_at,
                        kind=Kind.ACTION,
                        text=f"acknowledged at {_clock(link.acknowledged_at)}",
                    )
                self.result(signal, self.outcome_fired, f"{name}: {message}", incident)
            elif change in ("resolved", "resolved_new"):
                if change == "resolved_new":
                    add(
                        incident,
                        signal,
                        at=link.fired_at,
                        kind=Kind.DETECTION,
                        text=f"fired at {_clock(link.fired_at)}",
                    )
                add(incident, signal, at=at, kind=Kind.RESOLUTION, text=f"resolved at {_clock(at)}")
                if self.resolved_group:
                    self.result(signal, Outcome.RESOLVED, f"{name}: resolved {ref}", incident)
                else:
                    self.result(
                        signal, Outcome.UPDATED, f"{name}: resolved; {ref} stays open", incident
                    )
            elif change == "acknowledged":
                add(incident, signal, at=at, kind=Kind.ACTION, text=f"acknowledged at {_clock(at)}")
                self.result(signal, Outcome.UPDATED, f"{name}: acknowledged on {ref}", incident)
            elif change == "priority":
                self._priority_result(signal, at)
            elif signal.key not in self.results:
                self.result(signal, Outcome.DUPLICATE, f"{name}: {ref} is already open", incident)
        if self.severity_from and incident.severity != self.severity_from and self.changes:
            signal, _link, _change, at = next(
                (c for c in self.changes if c[2] == "priority"), self.changes[0]
            )
            word = "raised" if incident.severity < self.severity_from else "lowered"
            add(
                incident,
                signal,
                at=at,
                kind=Kind.OTHER,
                text=f"{word} the severity to {incident.severity} at {_clock(at)}",
            )
            for s, _l, change, _at in self.changes:
                if change in ("firing", "priority"):
                    self.result(
                        s, Outcome.UPDATED, f"{s.name}: {ref} now {incident.severity}", incident
                    )

    def _priority_result(self, signal: AlertSignal, at: datetime) -> None:
        ref = self.incident.reference
        if not signal.severity:
            message = f"{signal.name}: no priority sent; {ref} unchanged"
        elif self.incident.resolved_at is not None:
            message = f"{signal.name}: {ref} is resolved; its severity stays"
        else:
            message = f"{signal.name}: {ref} is already {self.incident.severity}"
        self.result(signal, Outcome.DUPLICATE, message, self.incident)


def _copy_to_timeline(postmortem: Postmortem, events: list[AlertEvent]) -> None:
    now = timezone.now()
    copies = TimelineEvent.objects.bulk_create(
        [
            TimelineEvent(
                postmortem=postmortem,
                occurred_at=event.occurred_at,
                kind=event.kind,
                text=event.text,
                source_url=event.source_url,
                created_at=now,
            )
            for event in events
        ]
    )
    for event, copy in zip(events, copies, strict=True):
        event.timeline_event = copy
    AlertEvent.objects.bulk_update(events, ["timeline_event"])


def alert_events_to_timeline(*, postmortem: Postmortem) -> int:
    """Copy the incident's alert events not yet in the timeline (called when the
    postmortem is started). The caller reindexes the postmortem for search."""
    events = list(
        AlertEvent.objects.filter(incident_id=postmortem.incident_id, timeline_event__isnull=True)
    )
    _copy_to_timeline(postmortem, events)
    return len(events)

"""One delivery's alerts applied to one alert group: the group's first delivery opens
its incident; later ones change its alerts and the incident (incident_groups.py
says how, step by step)."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from postmortems.alerting.alert_events import AlertEvents, clock
from postmortems.alerting.bulk_writes import rows_update
from postmortems.alerting.incident_opening import catalog_services, most_severe, open_incident
from postmortems.alerting.integrations import opens_incidents, severity_for
from postmortems.alerting.models import AlertDelivery, AlertGroup, AlertIntegration, AlertLink
from postmortems.alerting.payloads import AlertSignal
from postmortems.models.incidents import Incident
from postmortems.models.reviews import TimelineEvent
from postmortems.services.incidents import incident_update

Outcome = AlertDelivery.Outcome
Kind = TimelineEvent.Kind


@dataclass
class AlertResult:
    key: str
    outcome: str
    message: str
    incident: Incident | None = None


# Alertmanager and Grafana re-send the group's whole state: the newest delivery wins.
ORDERED_BY_DELIVERY = (AlertIntegration.Kind.ALERTMANAGER, AlertIntegration.Kind.GRAFANA)


def apply_with_retry(
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
                return GroupDelivery(integration, group, signals, delivery, received_at).apply()
        except IntegrityError:
            # Another delivery of this group inserted it first (incident_groups.py, step 2).
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def signal_start(signal: AlertSignal) -> datetime:
    return min(signal.started_at or signal.occurred_at, signal.occurred_at)


def _first_events(events: AlertEvents, incident: Incident, signal: AlertSignal, start) -> None:
    events.add(incident, signal, at=start, kind=Kind.DETECTION, text=f"fired at {clock(start)}")
    at = signal.occurred_at
    if signal.action == "acknowledged":
        events.add(incident, signal, at=at, kind=Kind.ACTION, text=f"acknowledged at {clock(at)}")
    if signal.action == "resolved":
        events.add(incident, signal, at=at, kind=Kind.RESOLUTION, text=f"resolved at {clock(at)}")


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
    severity = most_severe(integration, states)
    if not opens_incidents(integration, severity):
        return [
            AlertResult(
                s.key,
                Outcome.IGNORED,
                f"{s.name}: {severity} is below {integration.open_from}; no incident opened",
            )
            for s in signals
        ]
    started_at = min(signal_start(s) for s in states)
    resolved_at = None
    if all(s.action == "resolved" for s in states):
        resolved_at = max(max(s.occurred_at for s in states), started_at)
    incident = open_incident(
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
    events = AlertEvents(delivery)
    links = []
    for signal in states:
        start = signal_start(signal)
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


class GroupDelivery:
    """One delivery's alerts applied to a group that exists (incident_groups.py, step 3)."""

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
        self.events = AlertEvents(delivery)
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
        start = signal_start(signal)
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
            severity = most_severe(self.integration, [s for s, _at in fired])
            if not opens_incidents(self.integration, severity):
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
                self.incident = incident = open_incident(
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
            raised = most_severe(self.integration, firing)
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
            rows_update(
                AlertLink,
                sorted(self.changed_links.values(), key=lambda link: link.pk),
                [*sorted(self.link_fields), "updated_at"],
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
        services = catalog_services(self.integration, signals)
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
                    text, message = f"{again} at {clock(at)}; {ref} reopened", f"reopened {ref}"
                elif self.outcome_fired == Outcome.CREATED:
                    text = f"{again} at {clock(at)}"
                    message = f"opened {ref} (fired again after {self.previous.reference})"
                else:
                    text, message = f"{again} at {clock(at)}", f"firing on {ref}"
                add(incident, signal, at=at, kind=Kind.DETECTION, text=text)
                if link.acknowledged_at and link in still:
                    add(
                        incident,
                        signal,
                        at=link.acknowledged_at,
                        kind=Kind.ACTION,
                        text=f"acknowledged at {clock(link.acknowledged_at)}",
                    )
                self.result(signal, self.outcome_fired, f"{name}: {message}", incident)
            elif change in ("resolved", "resolved_new"):
                if change == "resolved_new":
                    add(
                        incident,
                        signal,
                        at=link.fired_at,
                        kind=Kind.DETECTION,
                        text=f"fired at {clock(link.fired_at)}",
                    )
                add(incident, signal, at=at, kind=Kind.RESOLUTION, text=f"resolved at {clock(at)}")
                if self.resolved_group:
                    self.result(signal, Outcome.RESOLVED, f"{name}: resolved {ref}", incident)
                else:
                    self.result(
                        signal, Outcome.UPDATED, f"{name}: resolved; {ref} stays open", incident
                    )
            elif change == "acknowledged":
                add(incident, signal, at=at, kind=Kind.ACTION, text=f"acknowledged at {clock(at)}")
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
                text=f"{word} the severity to {incident.severity} at {clock(at)}",
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

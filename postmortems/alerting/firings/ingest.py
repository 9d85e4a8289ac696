"""Every alert a receiver gets, kept as a Firing (firings/models.py says what they are).

alerts_receive (alerting/incident_groups.py) calls firings_record in the delivery's
transaction, after the alert groups are applied (so each alert's incident is known),
for every alert of the delivery but a tool's test notification: alerts below the
integration's `open_from` and updates of alerts never seen are kept too. A delivery
costs the same few statements however many alerts it carries:
1. The rules (integration, alert name): inserted when new (one statement), read back
   (one), their runbook link and last sighting refreshed when out of date (one).
2. In a savepoint, the newest firing (`latest`) of each alert of the delivery is read
   and locked, in primary key order (one statement).
3. Each alert's change, against its newest firing, as the group logic judges them
   (group_changes.py):
   - firing or acknowledged while the firing is open: the same episode. A firing
     counts a repeat; the first acknowledgement is kept; a new severity replaces the
     old one.
   - firing after the firing resolved: a new episode (the old one stops being the
     newest), flapping when it starts within ALERT_FLAP_WINDOW_MINUTES of the
     resolution. Unless it is older than the resolution: Alertmanager and Grafana
     re-send the group's whole state, in order, so only an older start (an earlier
     episode) is late there; PagerDuty and Opsgenie date each change, so a firing or
     acknowledgement from before the resolution is late. Late changes change nothing,
     as does a delivery received before the one last applied (Alertmanager, Grafana).
   - resolved while open: resolved then (never before it fired), unless it resolves
     an earlier episode. A resolution never seen firing is kept as a resolved firing.
   - updated (a priority change): the open firing's severity; nothing otherwise.
4. Writes: changed firings in one statement, firings that only repeated in one
   (`repeats + 1`), new ones in one, in that order, so an old episode has stopped
   being the newest before the new one is inserted.
Two deliveries of the same new episode at once (nothing holds them apart when the
alert opened no incident, so has no group to lock) both insert it: the partial
unique constraint postmortems_firing_one_latest fails the later insert, its savepoint
rolls back, and it starts again at 2, where it finds the other's row and applies to it.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F

from postmortems.alerting.bulk_writes import rows_update
from postmortems.alerting.firings.models import AlertRule, Firing
from postmortems.alerting.group_changes import ORDERED_BY_DELIVERY
from postmortems.alerting.integrations import severity_for
from postmortems.alerting.models import AlertIntegration
from postmortems.alerting.oncall.models import OnCallPolicy
from postmortems.alerting.oncall.policy import channel_for, is_night, is_out_of_hours, team_policy
from postmortems.alerting.oncall.selectors import primaries_at
from postmortems.alerting.payloads import AlertSignal
from postmortems.models.incidents import Incident

RULE_SEEN_PRECISION = timedelta(minutes=1)


def firings_record(
    *,
    integration: AlertIntegration,
    signals: list[AlertSignal],
    incidents: dict[str, Incident | None],
    received_at: datetime,
) -> None:
    """Keep the delivery's alerts as firings. `incidents`: each alert's incident, as
    the group logic left it (by the alert's key)."""
    alerts = {signal.key: signal for signal in signals if not signal.is_test}  # the last counts
    if not alerts:
        return
    policy = team_policy(integration.team_id)
    rules = _rules(integration, list(alerts.values()), received_at)
    for attempt in range(3):
        try:
            with transaction.atomic():
                changes = _Changes(integration, policy, received_at)
                newest = Firing.objects.select_for_update().filter(
                    integration=integration, external_key__in=list(alerts), latest=True
                )
                by_key = {firing.external_key: firing for firing in newest.order_by("pk")}
                for key, signal in alerts.items():
                    changes.apply(signal, by_key.get(key), rules[signal.name], incidents.get(key))
                changes.save()
                return
        except IntegrityError:
            # Another delivery inserted the same new episode first (the docstring's end).
            if attempt == 2:
                raise


def _rules(
    integration: AlertIntegration, signals: list[AlertSignal], now: datetime
) -> dict[str, AlertRule]:
    """The delivery's rules by name, made or refreshed (step 1). The runbook link is
    the one this delivery's alerts of the rule carry (none: the rule has none now)."""
    runbooks: dict[str, str] = {}
    for signal in signals:
        runbooks[signal.name] = runbooks.get(signal.name) or signal.runbook_url
    # Ignoring conflicts locks no existing rule: deliveries of one rule's alerts in
    # different groups do not wait for each other here.
    AlertRule.objects.bulk_create(
        [
            AlertRule(
                integration=integration,
                team_id=integration.team_id,
                name=name,
                runbook_url=runbook,
                first_seen_at=now,
                last_seen_at=now,
            )
            for name, runbook in sorted(runbooks.items())
        ],
        ignore_conflicts=True,
    )
    rules = {
        rule.name: rule
        for rule in AlertRule.objects.filter(integration=integration, name__in=list(runbooks))
    }
    # Refreshed when the link changed, and the last sighting to the minute: a storm
    # of deliveries updates (and locks) each rule once a minute, not once a delivery.
    stale = [
        rule
        for rule in rules.values()
        if rule.runbook_url != runbooks[rule.name] or rule.last_seen_at < now - RULE_SEEN_PRECISION
    ]
    for rule in stale:
        rule.runbook_url, rule.last_seen_at = runbooks[rule.name], max(rule.last_seen_at, now)
    if stale:
        AlertRule.objects.bulk_update(
            sorted(stale, key=lambda rule: rule.pk), ["runbook_url", "last_seen_at"]
        )
    return rules


@dataclass
class _Changes:
    """One delivery's changes to its firings (steps 3 and 4)."""

    integration: AlertIntegration
    policy: OnCallPolicy
    now: datetime
    new: list[Firing] = field(default_factory=list)
    changed: dict[int, Firing] = field(default_factory=dict)
    changed_fields: set[str] = field(default_factory=set)
    repeated: list[int] = field(default_factory=list)

    @property
    def by_delivery(self) -> bool:
        return self.integration.kind in ORDERED_BY_DELIVERY

    def apply(
        self,
        signal: AlertSignal,
        firing: Firing | None,
        rule: AlertRule,
        incident: Incident | None,
    ) -> None:
        if firing is None:
            self._first(signal, rule, incident)
        elif self.by_delivery and self.now < firing.updated_at:
            return  # received before the delivery last applied: out of date
        elif firing.resolved_at is None:
            self._open(signal, firing, incident)
        else:
            self._after_resolution(signal, firing, rule, incident)

    # Each alert's change

    def _first(self, signal: AlertSignal, rule: AlertRule, incident: Incident | None) -> None:
        start = signal.started_at or signal.occurred_at
        self._add(signal, rule, incident, fired_at=min(start, signal.occurred_at))

    def _open(self, signal: AlertSignal, firing: Firing, incident: Incident | None) -> None:
        at = signal.occurred_at
        changes: dict[str, object] = {}
        repeat = False
        if signal.action == "resolved":
            if self._resolves_earlier_episode(signal, firing):
                return
            changes = {"resolved_at": max(at, firing.fired_at), "resolved_by": signal.actor}
        elif signal.action == "acknowledged":
            if firing.acknowledged_at is None:
                changes = {"acknowledged_at": max(at, firing.fired_at)}
                changes["acknowledged_by"] = signal.actor
        else:
            # A firing again is a repeat; an acknowledgement is not (it is no new
            # notification), and a priority change ("updated") only sets the severity.
            repeat = signal.action == "firing"
        if signal.severity and signal.severity != firing.severity_sent:
            severity = severity_for(self.integration, signal.severity)
            changes.update(
                severity_sent=signal.severity[:50],
                severity=severity,
                channel=channel_for(self.policy, severity),
            )
        if incident is not None and firing.incident_id != incident.pk:
            changes["incident"] = incident
        notified = _merged(firing.notified, signal.notified)
        if notified != firing.notified:
            changes["notified"] = notified
        self._change(firing, changes, repeat=repeat)

    def _resolves_earlier_episode(self, signal: AlertSignal, firing: Firing) -> bool:
        if self.by_delivery:
            return bool(
                signal.started_at and firing.started_at and signal.started_at < firing.started_at
            )
        return signal.occurred_at < firing.fired_at or bool(
            signal.started_at and signal.started_at < firing.fired_at
        )

    def _after_resolution(
        self, signal: AlertSignal, firing: Firing, rule: AlertRule, incident: Incident | None
    ) -> None:
        resolved_at = firing.resolved_at
        assert resolved_at is not None
        start = signal.started_at or signal.occurred_at
        if signal.action == "updated":
            return  # the priority of a resolved alert: it stays as it ended
        if signal.action == "resolved":
            # Alertmanager re-sends a resolved alert with the group's later notifications
            # (a duplicate); an episode that fired and resolved between two
            # notifications comes only as its resolution, with a later start.
            if self.by_delivery and signal.started_at and signal.started_at > resolved_at:
                self._add(signal, rule, incident, fired_at=signal.started_at, previous=firing)
            return
        if self.by_delivery:
            late = bool(
                signal.started_at and firing.started_at and signal.started_at < firing.started_at
            )
        else:
            late = signal.action == "acknowledged" or start <= resolved_at
        if late:
            return
        # Alertmanager sends an alert resolved by its timeout again with its first
        # start: it fires again now, as far as anyone can tell.
        moment = start if start > resolved_at else max(self.now, resolved_at)
        self._add(signal, rule, incident, fired_at=moment, previous=firing)

    def _add(
        self,
        signal: AlertSignal,
        rule: AlertRule,
        incident: Incident | None,
        *,
        fired_at: datetime,
        previous: Firing | None = None,
    ) -> None:
        at = signal.occurred_at
        severity = severity_for(self.integration, signal.severity)
        firing = Firing(
            rule=rule,
            team_id=rule.team_id,
            integration=self.integration,
            external_key=signal.key,
            labels=dict(signal.labels),
            severity_sent=signal.severity[:50],
            severity=severity,
            channel=channel_for(self.policy, severity),
            runbook_url=signal.runbook_url,
            source_url=signal.source_url,
            started_at=signal.started_at,
            fired_at=fired_at,
            notified=list(signal.notified),
            incident=incident,
            out_of_hours=is_out_of_hours(self.policy, fired_at),
            at_night=is_night(self.policy, fired_at),
            rotation_id=self.integration.rotation_id,
            created_at=self.now,
            updated_at=self.now,
        )
        if signal.action == "acknowledged":
            firing.acknowledged_at, firing.acknowledged_by = max(at, fired_at), signal.actor
        if signal.action == "resolved":
            firing.resolved_at, firing.resolved_by = max(at, fired_at), signal.actor
        if previous is not None:
            assert previous.resolved_at is not None
            window = timedelta(minutes=settings.ALERT_FLAP_WINDOW_MINUTES)
            firing.flapping = fired_at - previous.resolved_at <= window
            self._change(previous, {"latest": False}, repeat=False)
        firing.acted_on = _acted_on(firing)
        self.new.append(firing)

    def _change(self, firing: Firing, changes: dict[str, object], *, repeat: bool) -> None:
        if not changes:
            if repeat:
                self.repeated.append(firing.pk)
            return
        if repeat:
            changes["repeats"] = firing.repeats + 1  # the row is locked (step 2)
        for name, value in changes.items():
            setattr(firing, name, value)
        acted_on = _acted_on(firing)
        if acted_on != firing.acted_on:
            firing.acted_on = acted_on
            self.changed_fields.add("acted_on")
        firing.updated_at = self.now
        self.changed[firing.pk] = firing
        self.changed_fields.update(changes, {"updated_at"})

    # Step 4

    def save(self) -> None:
        if self.changed:
            rows_update(
                Firing,
                sorted(self.changed.values(), key=lambda firing: firing.pk),
                sorted(self.changed_fields),
            )
        if self.repeated:
            Firing.objects.filter(pk__in=self.repeated).update(
                repeats=F("repeats") + 1, updated_at=self.now
            )
        if self.new:
            if self.integration.rotation_id is not None:
                on_call = primaries_at(
                    rotation_id=self.integration.rotation_id,
                    moments=[firing.fired_at for firing in self.new],
                )
                for firing in self.new:
                    firing.on_call_id = on_call[firing.fired_at]
            Firing.objects.bulk_create(self.new)


def _acted_on(firing: Firing) -> bool:
    """Tied to an incident, or acknowledged and then resolved by a person (the tool
    resolving it names nobody: payloads.py leaves `actor` empty then)."""
    return firing.incident_id is not None or bool(
        firing.acknowledged_at is not None and firing.resolved_by
    )


def _merged(old: list[str], new: tuple[str, ...]) -> list[str]:
    return list(dict.fromkeys([*old, *new]))[:50]

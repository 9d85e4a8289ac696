"""The demo's on-call and alert history (postmortems/demo/alerts.toml says what it holds).

Per team: an on-call policy, an Alertmanager integration and, for some, a weekly rotation
with its shifts; then the firings of each alert rule over the last weeks, marked the way
the receivers mark them (channel, out of hours, night: oncall/policy.py; who was primary:
oncall/selectors.py), so the rules pages judge them as they would judge real ones.

Deterministic given `now`: each rule draws from its own `random.Random` seeded with its
name, so changing one rule leaves the others' firings as they were. Rows are created in
bulk: the whole history costs a few dozen queries.
"""

import hashlib
import json
import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from urllib.parse import quote
from zoneinfo import ZoneInfo

from accounts.models import Team, User
from postmortems.alerting.firings.models import AlertRule, Firing
from postmortems.alerting.integrations import alert_integration_create, severity_for
from postmortems.alerting.models import AlertIntegration
from postmortems.alerting.oncall.models import (
    OnCallPolicy,
    Role,
    Rotation,
    RotationMember,
    RotationOverride,
    Shift,
)
from postmortems.alerting.oncall.policy import channel_for, is_night, is_out_of_hours
from postmortems.alerting.oncall.selectors import primaries_at
from postmortems.demo import content as demo_content
from postmortems.models.incidents import Incident

HANDOFF_WEEKDAY = Rotation.Weekday.MONDAY
HANDOFF_HOUR = 10
# Alertmanager sends a firing alert again every repeat interval while it lasts.
REPEAT_MINUTES = 60


@dataclass(frozen=True)
class AlertSummary:
    rotations: int
    shifts: int
    rules: int
    firings: int


@dataclass
class _Schedule:
    """A rotation's weekly turns: `handoffs[i]` starts turn i, `handoffs[i + 1]` ends it."""

    rotation: Rotation
    handoffs: list[datetime]
    order: list[User]

    def turn_at(self, moment: datetime) -> int | None:
        for index in range(len(self.handoffs) - 1):
            if self.handoffs[index] <= moment < self.handoffs[index + 1]:
                return index
        return None

    def primary(self, turn: int) -> User:
        return self.order[turn % len(self.order)]

    def secondary(self, turn: int) -> User | None:
        if not self.rotation.has_secondary or len(self.order) < 2:
            return None
        return self.order[(turn + 1) % len(self.order)]


def seed_alerts(*, now: datetime, teams: dict[str, Team], users: dict[str, User]) -> AlertSummary:
    spec = demo_content.ALERTS
    titles = {tie["incident"] for rule in spec["rules"] for tie in rule.get("incidents", [])}
    incidents = {
        i.title: i for i in Incident.objects.filter(title__in=titles).select_related("owner")
    }
    leads = _leads(users)
    integrations: dict[str, AlertIntegration] = {}
    policies: dict[str, OnCallPolicy] = {}
    schedules: dict[str, _Schedule] = {}
    for team_spec in spec["teams"]:
        slug = team_spec["team"]
        team = teams[slug]
        policies[slug] = OnCallPolicy.objects.create(
            team=team, time_zone=team_spec["time_zone"], updated_at=now
        )
        rotation = None
        if "members" in team_spec:
            pins = _pins(spec, slug, incidents, users)
            schedules[slug] = _schedule(
                spec, team_spec, team=team, now=now, users=users, pins=pins, by=leads[slug]
            )
            rotation = schedules[slug].rotation
        integrations[slug], _token = alert_integration_create(
            team=team,
            by=leads[slug],
            kind=AlertIntegration.Kind.ALERTMANAGER,
            name=team_spec["integration"],
            rotation=rotation,
        )
    override = spec["override"]
    _planned_override(schedules[override["team"]], override, now=now)
    rules, firings = [], []
    for rule_spec in spec["rules"]:
        slug = rule_spec["team"]
        drafts = _RuleHistory(
            rule_spec,
            now=now,
            days=spec["history_days"],
            source=spec["source"],
            integration=integrations[slug],
            policy=policies[slug],
            incidents=incidents,
        ).firings()
        rules.append(
            AlertRule(
                integration=integrations[slug],
                team=teams[slug],
                name=rule_spec["name"],
                runbook_url=max(drafts, key=lambda f: f.fired_at).runbook_url,
                first_seen_at=min(f.fired_at for f in drafts),
                last_seen_at=max(f.fired_at for f in drafts),
            )
        )
        firings.append(drafts)
    AlertRule.objects.bulk_create(rules)
    for rule, drafts in zip(rules, firings, strict=True):
        for firing in drafts:
            firing.rule = rule
    every = [firing for drafts in firings for firing in drafts]
    _on_call(every, schedules=list(schedules.values()))
    _mark_latest(every)
    Firing.objects.bulk_create(every, batch_size=500)
    return AlertSummary(
        rotations=len(schedules),
        shifts=Shift.objects.filter(rotation__team__in=teams.values()).count(),
        rules=len(rules),
        firings=len(every),
    )


def _leads(users: dict[str, User]) -> dict[str, User]:
    leads: dict[str, User] = {}
    for key, _name, _email, _zone, roles in demo_content.USERS:
        for slug, role in roles.items():
            if role == "lead":
                leads.setdefault(slug, users[key])
    return leads


def _pins(
    spec: dict, slug: str, incidents: dict[str, Incident], users: dict[str, User]
) -> list[tuple[datetime, User]]:
    """(moment, person): who the incidents' text says was paged when the team's alert
    fired for them."""
    return sorted(
        (
            (
                incidents[tie["incident"]].started_at + timedelta(minutes=tie["minute"]),
                users[tie["paged"]],
            )
            for rule in spec["rules"]
            if rule["team"] == slug
            for tie in rule.get("incidents", [])
            if "paged" in tie
        ),
        key=lambda pin: pin[0],
    )


def handoff_at(zone: ZoneInfo, day: date) -> datetime:
    """The handoff on a local day: 10:00 there, whatever the UTC offset that day (DST)."""
    return datetime.combine(day, time(HANDOFF_HOUR), tzinfo=zone)


def current_handoff_day(zone: ZoneInfo, now: datetime) -> date:
    """The local day of the last handoff at or before `now`."""
    today = now.astimezone(zone).date()
    day = today - timedelta(days=(today.weekday() - HANDOFF_WEEKDAY) % 7)
    return day - timedelta(weeks=1) if handoff_at(zone, day) > now else day


def _schedule(
    spec: dict,
    team_spec: dict,
    *,
    team: Team,
    now: datetime,
    users: dict[str, User],
    pins: list[tuple[datetime, User]],
    by: User,
) -> _Schedule:
    """The rotation, its members in an order that makes each pinned person primary at
    their moment where the weeks allow it (an override covers the day where not), and
    its primary and secondary shifts from `past_weeks` turns ago to `weeks_ahead` on."""
    zone = ZoneInfo(team_spec["time_zone"])
    starts_on = current_handoff_day(zone, now) - timedelta(weeks=spec["past_weeks"])
    turns = spec["past_weeks"] + 1 + spec["weeks_ahead"]
    handoffs = [handoff_at(zone, starts_on + timedelta(weeks=i)) for i in range(turns + 1)]
    rotation = Rotation.objects.create(
        team=team,
        name=team_spec["rotation"],
        time_zone=team_spec["time_zone"],
        handoff_weekday=HANDOFF_WEEKDAY,
        handoff_hour=HANDOFF_HOUR,
        starts_on=starts_on,
        has_secondary=team_spec["secondary"],
        created_by=by,
        created_at=handoffs[0] - timedelta(days=3),
        updated_at=handoffs[0] - timedelta(days=3),
    )
    schedule = _Schedule(rotation, handoffs, [users[key] for key in team_spec["members"]])
    uncovered = _order_for(schedule, pins)
    RotationMember.objects.bulk_create(
        RotationMember(rotation=rotation, user=user, position=position)
        for position, user in enumerate(schedule.order)
    )
    shifts = []
    for turn in range(turns):
        roles = ((Role.PRIMARY, schedule.primary(turn)), (Role.SECONDARY, schedule.secondary(turn)))
        for role, user in roles:
            if user is not None:
                shifts.append(
                    Shift(
                        rotation=rotation,
                        role=role,
                        user=user,
                        starts_at=handoffs[turn],
                        ends_at=handoffs[turn + 1],
                        source=Shift.Source.ROTATION,
                        created_at=min(handoffs[turn], now) - timedelta(days=7),
                    )
                )
    Shift.objects.bulk_create(shifts)
    _cover_days(schedule, uncovered, zone=zone)
    return schedule


Pin = tuple[datetime, User]


def _order_for(schedule: _Schedule, pins: list[Pin]) -> list[Pin]:
    """Reorder `schedule.order` so each pinned person holds the position of their turn,
    earliest pins first; return the pins no order satisfies (a person pinned to two
    positions, two people to one)."""
    size = len(schedule.order)
    placed: dict[int, User] = {}
    uncovered = []
    for moment, user in pins:
        turn = schedule.turn_at(moment)
        if turn is None:
            continue
        position = turn % size
        if placed.get(position) == user:
            continue
        if position in placed or user in placed.values():
            uncovered.append((moment, user))
        else:
            placed[position] = user
    rest = iter(user for user in schedule.order if user not in placed.values())
    schedule.order = [placed.get(position) or next(rest) for position in range(size)]
    return uncovered


def _cover_days(
    schedule: _Schedule, uncovered: list[tuple[datetime, User]], *, zone: ZoneInfo
) -> None:
    """A pinned person the order could not place covered that local day as primary."""
    overrides: dict[tuple[date, int], RotationOverride] = {}
    for moment, user in uncovered:
        turn = schedule.turn_at(moment)
        assert turn is not None  # _order_for skipped pins outside the schedule
        scheduled = schedule.primary(turn)
        if scheduled == user:
            continue
        day = moment.astimezone(zone).date()
        start = datetime.combine(day, time(0), tzinfo=zone)
        end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
        overrides.setdefault(
            (day, user.pk),
            RotationOverride(
                rotation=schedule.rotation,
                role=Role.PRIMARY,
                user=user,
                starts_at=start,
                ends_at=end,
                reason=f"Covers the day for {scheduled.display_name}.",
                created_by=user,
                created_at=start - timedelta(days=2),
            ),
        )
    RotationOverride.objects.bulk_create(overrides.values())


def _planned_override(schedule: _Schedule, spec: dict, *, now: datetime) -> None:
    """The next turn's secondary covers part of the primary's turn (planned ahead)."""
    turn = schedule.turn_at(now)
    assert turn is not None  # the schedule runs weeks past `now`
    following = turn + 1
    primary = schedule.primary(following)
    cover = schedule.secondary(following) or schedule.primary(following + 1)
    zone = ZoneInfo(schedule.rotation.time_zone)
    first_day = schedule.handoffs[following].astimezone(zone).date()
    starts = handoff_at(zone, first_day + timedelta(days=spec["from_day"]))
    RotationOverride.objects.create(
        rotation=schedule.rotation,
        role=Role.PRIMARY,
        user=cover,
        starts_at=starts,
        ends_at=handoff_at(zone, first_day + timedelta(days=spec["from_day"] + spec["days"])),
        reason=spec["reason"].format(name=primary.display_name),
        created_by=cover,
        created_at=now - timedelta(days=2),
    )


class _RuleHistory:
    """One rule's firings, unsaved: those tied to incidents, then the history blocks."""

    def __init__(
        self,
        spec: dict,
        *,
        now: datetime,
        days: int,
        source: str,
        integration: AlertIntegration,
        policy: OnCallPolicy,
        incidents: dict[str, Incident],
    ) -> None:
        self.spec = spec
        self.now = now
        self.span = timedelta(days=days)
        self.source_url = source + quote(spec["expr"], safe="")
        self.integration = integration
        self.policy = policy
        self.zone = ZoneInfo(policy.time_zone)
        self.incidents = incidents
        self.rng = random.Random(f"demo-alerts:{spec['name']}")

    def firings(self) -> list[Firing]:
        found = [self._tied(tie) for tie in self.spec.get("incidents", [])]
        for block in self.spec.get("history", []):
            found.extend(self._block(block))
        return found

    def _tied(self, tie: dict) -> Firing:
        incident = self.incidents[tie["incident"]]
        fired = incident.started_at + timedelta(minutes=tie["minute"])
        # The condition clears when the incident is mitigated (still firing if not yet).
        ended = incident.mitigated_at or incident.resolved_at
        firing = self._firing(
            fired=fired,
            ended=ended,
            severity=tie["severity"],
            instance=self.spec["instances"][0],
            acted=True,
        )
        firing.incident = incident
        return firing

    def _block(self, block: dict) -> list[Firing]:
        count: int = block["count"]
        shortest, longest = block["minutes"]
        start = self.now - self.span
        found = []
        for index in range(count):
            # Evenly over the history, so any few weeks of it look alike.
            around = start + self.span * (index + self.rng.random()) / count
            day = around.astimezone(self.zone).date()
            clock = time(self.rng.choice(block["hours"]), self.rng.randrange(60))
            fired = datetime.combine(day, clock, tzinfo=self.zone)
            if fired > self.now - timedelta(hours=1):
                fired -= timedelta(days=1)
            if fired < start:
                fired += timedelta(days=1)
            ended = fired + timedelta(minutes=self.rng.randint(shortest, longest))
            instance = self.spec["instances"][index % len(self.spec["instances"])]
            found.append(
                self._firing(
                    fired=fired,
                    ended=ended if ended < self.now else None,
                    severity=block["severity"],
                    instance=instance,
                    # Acted on: acknowledged, then resolved by a person.
                    acted=block["acted"] and ended < self.now,
                )
            )
        found.extend(self._flaps(found, block.get("flaps", 0), shortest))
        return found

    def _flaps(self, bases: list[Firing], flaps: int, shortest: int) -> list[Firing]:
        """Fire again a few minutes after resolving, chained on every other base."""
        last = {index: base for index, base in enumerate(bases) if index % 2 == 0}
        found: list[Firing] = []
        chains = sorted(last)
        for number in range(flaps):
            index = chains[number % len(chains)]
            previous = last[index]
            if previous.resolved_at is None:
                continue
            fired = previous.resolved_at + timedelta(minutes=self.rng.randint(2, 9))
            ended = fired + timedelta(minutes=self.rng.randint(shortest, shortest + 6))
            if ended >= self.now:
                continue
            firing = self._firing(
                fired=fired,
                ended=ended,
                severity=previous.severity_sent,
                instance=previous.labels["instance"],
                acted=False,
            )
            firing.flapping = True
            last[index] = firing
            found.append(firing)
        return found

    def _firing(
        self, *, fired: datetime, ended: datetime | None, severity: str, instance: str, acted: bool
    ) -> Firing:
        labels = {
            "alertname": self.spec["name"],
            **self.spec["labels"],
            "instance": instance,
            "severity": severity,
        }
        mapped = severity_for(self.integration, severity)
        lasted = (ended or self.now) - fired
        firing = Firing(
            team_id=self.integration.team_id,
            integration=self.integration,
            external_key=_fingerprint(labels),
            labels=labels,
            severity_sent=severity,
            severity=mapped,
            channel=channel_for(self.policy, mapped),
            runbook_url=self.spec["runbook"],
            source_url=self.source_url,
            fired_at=fired,
            resolved_at=ended,
            repeats=int(lasted.total_seconds() // (REPEAT_MINUTES * 60)),
            acted_on=acted,
            out_of_hours=is_out_of_hours(self.policy, fired),
            at_night=is_night(self.policy, fired),
            rotation=self.integration.rotation,
            created_at=fired,
            updated_at=ended or fired,
        )
        if acted:
            # Acknowledged within minutes (before it cleared); who did is set with on_call.
            acknowledged = fired + timedelta(minutes=self.rng.randint(1, 6))
            firing.acknowledged_at = min(acknowledged, ended) if ended else acknowledged
        return firing


def _fingerprint(labels: dict[str, str]) -> str:
    """Like Alertmanager's: the same labels, the same alert."""
    return hashlib.sha256(json.dumps(labels, sort_keys=True).encode()).hexdigest()[:16]


def _on_call(firings: list[Firing], *, schedules: list[_Schedule]) -> None:
    """Who was primary when each fired (shifts and overrides, as the receivers read
    them); an acted-on firing was acknowledged, and resolved when not tied to an
    incident, by that person (the incident's owner for a team without a rotation)."""
    by_rotation = {schedule.rotation.pk: schedule for schedule in schedules}
    for rotation_id in by_rotation:
        mine = [firing for firing in firings if firing.rotation_id == rotation_id]
        found = primaries_at(rotation_id=rotation_id, moments=[f.fired_at for f in mine])
        for firing in mine:
            firing.on_call_id = found[firing.fired_at]
    emails = dict(
        User.objects.filter(pk__in={f.on_call_id for f in firings if f.on_call_id}).values_list(
            "pk", "email"
        )
    )
    for firing in firings:
        if not firing.acted_on:
            continue
        if firing.on_call_id:
            person = emails[firing.on_call_id]
        else:
            owner = firing.incident.owner if firing.incident else None
            person = owner.email if owner else ""
        firing.acknowledged_by = person
        if firing.incident is None and firing.resolved_at is not None:
            firing.resolved_by = person


def _mark_latest(firings: list[Firing]) -> None:
    """Only the newest episode of an alert is `latest` (one per integration and key)."""
    newest: dict[tuple[int, str], Firing] = {}
    for firing in firings:
        key = (firing.integration_id, firing.external_key)
        if key not in newest or firing.fired_at > newest[key].fired_at:
            newest[key] = firing
    chosen = {id(firing) for firing in newest.values()}
    for firing in firings:
        firing.latest = id(firing) in chosen

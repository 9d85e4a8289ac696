"""Builds the demo data set (`manage.py seed_demo`) from the text in postmortems/demo/.

Rows go through the services layer where one exists (INC numbers, postmortem sections,
timeline, action items), so the demo looks like data the app made itself. Services stamp
`timezone.now()`; timestamps that tell the story (created, published, completed) are backdated
afterwards with queryset updates. Everything is relative to `now` and the only randomness is
the `random.Random` passed in (and the alert history's own, seeded by rule name), so a fixed
`now` gives the same data every time. The on-call and alert history come last
(postmortems/demo/alerts.py), since firings point at incidents.
"""

import random
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import Membership, Team, User
from postmortems.alerting.detection.services import detection_review_complete
from postmortems.demo import content as demo_content
from postmortems.demo.alerts import seed_alerts
from postmortems.demo.proofs import seed_proofs
from postmortems.demo.recurrence import seed_recurrence
from postmortems.demo.review_templates import seed_review_templates
from postmortems.demo.trackers import seed_trackers
from postmortems.models.actions import ActionItem
from postmortems.models.catalog import Service, Tag
from postmortems.models.incidents import Incident
from postmortems.models.reviews import Postmortem, TimelineEvent
from postmortems.services.actions import action_item_create
from postmortems.services.incidents import incident_create
from postmortems.services.postmortems import (
    postmortem_set_status,
    postmortem_start,
    postmortem_update_details,
    postmortem_update_section,
    text_fingerprint,
)
from postmortems.services.timeline import timeline_event_create

DEMO_PASSWORD = "postmortem-demo"
LEAD_EMAIL = "lead@example.com"
MEMBER_EMAIL = "jonas.becker@example.com"
ADMIN_EMAIL = "admin@example.com"

TRACKER_URL = "https://tracker.example.com/{key}-{number}"
TRACKER_KEYS = {"platform": "OPS", "payments": "PAY", "data": "DATA", "mobile": "MOB"}


# How the demo's committed items say they will be known to work, by their type.
CHECKS = {
    ActionItem.Type.DETECT: (
        ActionItem.Verification.ALERT,
        "The new alert fires when the condition is reproduced in staging.",
    ),
    ActionItem.Type.PREVENT: (
        ActionItem.Verification.TEST,
        "A regression test in CI reproduces the failure and passes with the fix.",
    ),
    ActionItem.Type.MITIGATE: (
        ActionItem.Verification.DRILL,
        "The next game day runs this recovery path and times it.",
    ),
    ActionItem.Type.PROCESS: (
        ActionItem.Verification.NONE,
        "A change to how we work: no system check shows it; the next similar review will.",
    ),
}


@dataclass(frozen=True)
class DemoSummary:
    teams: int
    users: int
    services: int
    tags: int
    incidents: int
    postmortems: int
    timeline_events: int
    action_items: int
    rotations: int
    shifts: int
    alert_rules: int
    firings: int

    def __str__(self) -> str:
        return (
            f"{self.teams} teams, {self.users} users, {self.services} services, {self.tags} tags, "
            f"{self.incidents} incidents, {self.postmortems} postmortems, "
            f"{self.timeline_events} timeline events, {self.action_items} action items, "
            f"{self.rotations} on-call rotations, {self.shifts} shifts, "
            f"{self.alert_rules} alert rules, {self.firings} alert firings"
        )


def login_lines() -> list[str]:
    return [
        f"Team lead (Platform): {LEAD_EMAIL} / {DEMO_PASSWORD}",
        f"Team member (Platform): {MEMBER_EMAIL} / {DEMO_PASSWORD}",
        f"Admin: {ADMIN_EMAIL} / {DEMO_PASSWORD}",
    ]


def demo_data_exists() -> bool:
    return User.objects.filter(email__iexact=LEAD_EMAIL).exists()


@transaction.atomic
def seed_demo(*, now: datetime, rng: random.Random | None = None) -> DemoSummary | None:
    """Create the demo data relative to `now`; return None (and create nothing) if it exists."""
    if timezone.is_naive(now):
        raise ValueError("seed_demo needs an aware datetime.")
    if demo_data_exists():
        return None
    rng = rng or random.Random(42)
    now = now.astimezone(UTC)
    teams = _create_teams()
    users = _create_users(now=now, rng=rng, teams=teams)
    services = _create_services()
    Tag.objects.bulk_create([Tag(name=name, slug=slugify(name)) for name in demo_content.TAGS])
    builder = _StoryBuilder(now=now, rng=rng, teams=teams, users=users, services=services)
    for spec in sorted(demo_content.INCIDENTS, key=builder.start_of):
        builder.build(spec)
    member = next(user for user in users.values() if user.email == MEMBER_EMAIL)
    seed_proofs(now=now, rng=rng, member=member)
    # Last: the alert history ties firings to the incidents above; the published
    # reviews' detection reviews then answer for the alerts tied to their incidents.
    alerts = seed_alerts(now=now, teams=teams, users=users)
    seed_trackers(now=now, teams=teams, users=users)
    for postmortem in builder.published:
        detection_review_complete(postmortem=postmortem, by=_owner(postmortem.incident))
    # A fix that did not hold, and its recurrence confirmed (after the alert history).
    seed_recurrence(now=now)
    # After the stories: their reviews keep the built-in sections they were written in.
    lead = next(user for user in users.values() if user.email == LEAD_EMAIL)
    seed_review_templates(team=teams["platform"], lead=lead)
    return DemoSummary(
        teams=len(teams),
        users=len(users),
        services=len(services),
        tags=len(demo_content.TAGS),
        **builder.counts,
        rotations=alerts.rotations,
        shifts=alerts.shifts,
        alert_rules=alerts.rules,
        firings=alerts.firings,
    )


def _create_teams() -> dict[str, Team]:
    return {
        slug: Team.objects.create(name=name, slug=slug, description=description)
        for name, slug, description in demo_content.TEAMS
    }


def _create_users(*, now: datetime, rng: random.Random, teams: dict[str, Team]) -> dict[str, User]:
    # One hash for everyone: hashing the password once per user with the production
    # hasher takes seconds, and demo accounts gain nothing from separate salts.
    password = make_password(DEMO_PASSWORD)
    users: dict[str, User] = {}
    for key, name, email, zone, roles in demo_content.USERS:
        joined = now - timedelta(days=rng.randint(120, 900), hours=rng.randint(0, 23))
        user = User.objects.create(
            email=email, display_name=name, time_zone=zone, password=password, date_joined=joined
        )
        for team_slug, role in roles.items():
            Membership.objects.create(
                user=user, team=teams[team_slug], role=role, joined_at=joined + timedelta(days=1)
            )
        users[key] = user
    key, name, email, zone = demo_content.ADMIN
    users[key] = User.objects.create(
        email=email,
        display_name=name,
        time_zone=zone,
        password=password,
        is_staff=True,
        is_superuser=True,
        date_joined=now - timedelta(days=1000),
    )
    return users


def _create_services() -> dict[str, Service]:
    services: dict[str, Service] = {}
    for name, parent, description in demo_content.SERVICES:
        services[name] = Service.objects.create(
            name=name,
            slug=slugify(name),
            parent=services[parent] if parent else None,
            description=description,
        )
    return services


def _bullets(value: str | list[str]) -> str:
    return "\n".join(f"- {item}" for item in value) if isinstance(value, list) else value


def _owner(incident: Incident) -> User:
    assert incident.owner is not None  # every demo incident has one (_StoryBuilder._incident)
    return incident.owner


def _duration(minutes: int) -> str:
    if minutes < 90:
        return f"{minutes} minutes"
    hours, rest = divmod(minutes, 60)
    return f"{hours} h {rest} min" if rest else f"{hours} h"


class _StoryBuilder:
    """Turns one incident spec into an incident, its postmortem, timeline and action items."""

    def __init__(
        self,
        *,
        now: datetime,
        rng: random.Random,
        teams: dict[str, Team],
        users: dict[str, User],
        services: dict[str, Service],
    ) -> None:
        self.now = now
        self.today = now.date()
        self.rng = rng
        self.teams = teams
        self.users = users
        self.services = services
        self.counts: Counter[str] = Counter(
            incidents=0, postmortems=0, timeline_events=0, action_items=0
        )
        # Published reviews, whose detection review seed_demo completes again once the
        # alert history exists.
        self.published: list[Postmortem] = []
        self.tracker_numbers = {key: rng.randint(100, 400) for key in TRACKER_KEYS.values()}
        self.members = {
            slug: [m.user for m in team.memberships.select_related("user").order_by("user__email")]
            for slug, team in teams.items()
        }
        self.leads = {
            slug: [m.user for m in team.memberships.filter(role=Membership.Role.LEAD)]
            for slug, team in teams.items()
        }

    def start_of(self, spec: dict) -> datetime:
        if "hours_ago" in spec:
            start = self.now - timedelta(hours=spec["hours_ago"])
            return start.replace(second=0, microsecond=0)
        days_ago, clock = spec["start"]
        day = (self.now - timedelta(days=days_ago)).date()
        return datetime.combine(day, time.fromisoformat(clock), tzinfo=UTC)

    def at(self, spec: dict, name: str) -> datetime | None:
        minutes = spec.get(name)
        return None if minutes is None else self.start_of(spec) + timedelta(minutes=minutes)

    def build(self, spec: dict) -> None:
        incident = self._incident(spec)
        if spec["postmortem"]:
            postmortem = self._postmortem(spec, incident)
            self._timeline(spec, incident, postmortem)
            self._action_items(spec, incident, postmortem)
            # Last: publishing needs the timeline and the action items (readiness checks).
            self._status(spec, incident, postmortem)

    def _incident(self, spec: dict) -> Incident:
        started, detected = self.start_of(spec), self.at(spec, "detect")
        mitigated, resolved = self.at(spec, "mitigate"), self.at(spec, "resolve")
        if resolved:
            status = Incident.Status.RESOLVED
        elif mitigated:
            status = Incident.Status.MITIGATED
        else:
            status = Incident.Status.INVESTIGATING
        owner = self.users[spec["owner"]]
        incident = incident_create(
            by=owner,
            services=[self.services[name] for name in spec["services"]],
            title=spec["title"],
            description=spec["description"],
            severity=spec["severity"],
            status=status,
            team=self.teams[spec["team"]],
            owner=owner,
            started_at=started,
            detected_at=detected,
            mitigated_at=mitigated,
            resolved_at=resolved,
            restricted=spec.get("restricted", False),
        )
        declared = (detected or started) + timedelta(minutes=self.rng.randint(1, 4))
        last_change = resolved or mitigated or declared
        Incident.objects.filter(pk=incident.pk).update(
            created_at=min(declared, self.now),
            updated_at=min(last_change + timedelta(minutes=self.rng.randint(2, 30)), self.now),
        )
        self.counts["incidents"] += 1
        return incident

    def _postmortem(self, spec: dict, incident: Incident) -> Postmortem:
        owner = _owner(incident)
        postmortem = postmortem_start(incident=incident, by=owner)
        authors = [owner, *(self.users[key] for key in spec.get("authors", []))]
        postmortem_update_details(postmortem=postmortem, authors=authors, tag_names=spec["tags"])
        # Drafts in the content stop after a few sections, as drafts do.
        for name in Postmortem.SECTION_NAMES:
            text = self._section(spec, incident, name)
            if text:
                postmortem_update_section(
                    postmortem=postmortem,
                    section=name,
                    text=text,
                    base_fingerprint=text_fingerprint(""),
                    by=owner,
                )
        status = spec["postmortem"]
        # Backdate: started within a day of resolution, published a few days later.
        created = incident.resolved_at + timedelta(hours=self.rng.randint(3, 26))
        created = min(created, self.now - timedelta(hours=2))
        updated = min(
            created + timedelta(days=self.rng.randint(1, 4)), self.now - timedelta(hours=1)
        )
        published = updated if status == Postmortem.Status.PUBLISHED else None
        Postmortem.objects.filter(pk=postmortem.pk).update(
            created_at=created, updated_at=updated, published_at=published
        )
        postmortem.created_at, postmortem.updated_at = created, updated
        postmortem.published_at = published
        self.counts["postmortems"] += 1
        return postmortem

    def _status(self, spec: dict, incident: Incident, postmortem: Postmortem) -> None:
        """Ask for review or publish, once the timeline and the action items exist (the
        readiness checks look at them), keeping the backdated times."""
        status = spec["postmortem"]
        if status == Postmortem.Status.DRAFT:
            return
        if status == Postmortem.Status.PUBLISHED:
            # A published review has its detection review confirmed (a readiness check),
            # now and again once the alert history exists (seed_demo).
            detection_review_complete(postmortem=postmortem, by=_owner(incident))
            self.published.append(postmortem)
        updated, published = postmortem.updated_at, postmortem.published_at
        postmortem.published_at = None  # published_at was only the planned time
        postmortem_set_status(postmortem=postmortem, status=status)
        Postmortem.objects.filter(pk=postmortem.pk).update(
            updated_at=updated, published_at=published
        )
        postmortem.updated_at, postmortem.published_at = updated, published

    def _section(self, spec: dict, incident: Incident, name: str) -> str:
        value = spec["sections"].get(name, "")
        if name == "impact" and not any("**Duration:**" in item for item in value):
            value = [self._duration_line(incident), *value]
        return _bullets(value)

    def _duration_line(self, incident: Incident) -> str:
        mitigated = incident.mitigated_at - incident.started_at
        resolved = incident.resolved_at - incident.started_at
        return (
            f"**Duration:** mitigated after {_duration(int(mitigated.total_seconds() // 60))}, "
            f"resolved after {_duration(int(resolved.total_seconds() // 60))}."
        )

    def _timeline(self, spec: dict, incident: Incident, postmortem: Postmortem) -> None:
        entries = spec.get("timeline") or self._assembled_timeline(spec, incident)
        for minutes, kind, text in sorted(entries, key=lambda entry: entry[0]):
            event = timeline_event_create(
                postmortem=postmortem,
                by=_owner(incident),
                occurred_at=incident.started_at + timedelta(minutes=minutes),
                kind=kind,
                text=text,
            )
            written = postmortem.created_at + timedelta(minutes=self.rng.randint(5, 120))
            TimelineEvent.objects.filter(pk=event.pk).update(created_at=min(written, self.now))
            self.counts["timeline_events"] += 1

    def _assembled_timeline(self, spec: dict, incident: Incident) -> list[tuple[int, str, str]]:
        """A timeline from the spec's specific moments plus the steps every incident has."""
        detect, mitigate, resolve = spec["detect"], spec["mitigate"], spec["resolve"]
        owner, lead = _owner(incident), self.leads[spec["team"]][0]
        declared = min(detect + self.rng.randint(2, 5), mitigate - 1)
        declaration = (
            f"{incident.reference} declared at {incident.severity}; {owner.display_name} leads "
            f"the response in #inc-{incident.number}."
        )
        if incident.severity in ("SEV1", "SEV2") and owner != lead:
            declaration += f" {lead.display_name} informed as team lead."
        entries = [
            (0, "other", spec["trigger"]),
            (detect, "detection", spec["detected"]),
            (declared, "escalation", declaration),
            *spec["steps"],
            (mitigate, "mitigation", spec["fix"]),
            (
                resolve,
                "resolution",
                spec.get("closing")
                or f"Metrics at baseline for {_duration(resolve - mitigate)}; "
                f"{incident.reference} resolved.",
            ),
        ]
        if not any(kind == "communication" for _minutes, kind, _text in spec["steps"]):
            public = incident.severity in ("SEV1", "SEV2")
            entries.append(
                (
                    (declared + mitigate) // 2,
                    "communication",
                    "Status page updated with the customer impact; next update in 30 minutes."
                    if public
                    else "Update posted in #incidents: impact, workaround and next steps.",
                )
            )
        return entries

    def _action_items(self, spec: dict, incident: Incident, postmortem: Postmortem) -> None:
        team_members = self.members[spec["team"]]
        resolved_day = incident.resolved_at.date()
        for title, kind, priority, due_days, status, *reason in spec["actions"]:
            due = resolved_day + timedelta(days=due_days)
            finished = status in ActionItem.FINISHED
            completed = None
            if finished:
                # Done somewhere between a day after the review and the due date (or today).
                earliest = postmortem.created_at + timedelta(days=1)
                deadline = datetime.combine(due, time(17), tzinfo=UTC)
                latest = max(min(deadline, self.now - timedelta(hours=1)), earliest)
                completed = earliest + (latest - earliest) * self.rng.uniform(0.3, 1.0)
                completed = min(completed, self.now - timedelta(minutes=30))
            tracker = ""
            if self.rng.random() < 0.6:
                key = TRACKER_KEYS[spec["team"]]
                self.tracker_numbers[key] += self.rng.randint(1, 40)
                tracker = TRACKER_URL.format(key=key, number=self.tracker_numbers[key])
            item = action_item_create(
                postmortem=postmortem,
                by=_owner(incident),
                title=title,
                owner=self.rng.choice(team_members),
                due_date=due,
                priority=priority,
                type=kind,
                status=status,
                wont_do_reason=reason[0] if reason else "",
                tracker_url=tracker,
                completed_at=completed,
                verification=CHECKS[kind][0],
                verification_plan=CHECKS[kind][1],
            )
            written = postmortem.created_at + timedelta(minutes=self.rng.randint(30, 600))
            ActionItem.objects.filter(pk=item.pk).update(created_at=min(written, self.now))
            self.counts["action_items"] += 1

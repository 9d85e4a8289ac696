"""Load realistic postmortem data fast, for benchmarks (and a tiny size for tests).

    python -m bench.generate --postmortems 100000 [--seed 42] [--database postgres|sqlite]

`generate()` works on whatever database Django's default connection points at; only
the command line entry point calls bench.django_setup.setup(). It empties the tables
it fills (and the tables that point at them), then loads, in bulk:

- 20 teams and 500 people by default (`--teams`, `--people`; memberships, a few in two
  teams, one or two leads per team, one admin), a tree of ~30 services (each owned by
  a team) and 25 tags;
- N incidents with a published postmortem, plus ~10% more incidents with a draft or
  in-review postmortem or none at all; ~3% of all incidents are restricted;
- per incident 1-3 services, per postmortem 1-3 tags, 1-2 authors, 3-6 timeline
  events and 1-4 action items by default (`--items 3-7` for the dashboard benchmark;
  older ones mostly done, some open and overdue, ~10% without an owner);
- English text assembled from bench/vocabulary.toml (read by bench/text.py) with a
  seeded random.Random, so one seed gives the same data every time (database ids aside).

Incidents start over the past three years and are numbered in time order. Rows go in
with bulk_create, a chunk of incidents at a time (bounded memory), in one
transaction; then the search index is rebuilt once with rebuild_index() and the
planner statistics are refreshed.
"""

import argparse
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from bench import text

YEARS = 3
EXTRA_SHARE = 0.10  # incidents with a draft, an in-review postmortem, or none
RESTRICTED_SHARE = 0.03
CHUNK = 2000  # incidents per chunk: a few hundred MB at most in memory
SEVERITIES = (("SEV1", 5), ("SEV2", 20), ("SEV3", 50), ("SEV4", 25))
PRIORITIES = (("high", 25), ("medium", 50), ("low", 25))

Log = Callable[[str], None]


@dataclass
class _People:
    team_ids: list[int]
    members: dict[int, list[int]]  # team id -> user ids
    service_ids: dict[str, int]
    service_team: dict[str, int]  # service name -> owning team id
    tag_ids: dict[str, int]


@dataclass
class _Counts:
    rows: dict[str, int] = field(default_factory=dict)

    def add(self, name: str, n: int) -> None:
        self.rows[name] = self.rows.get(name, 0) + n


@dataclass(frozen=True)
class Shape:
    """How many teams and people, and how many action items per review."""

    teams: int = 20
    people: int = 500
    items: tuple[int, int] = (1, 4)


def generate(
    postmortems: int,
    seed: int = 42,
    *,
    now: datetime | None = None,
    log: Log | None = None,
    shape: Shape = Shape(),
) -> dict[str, int]:
    """Empty the tables and load `postmortems` published reviews and everything around them.

    Returns row counts by name. `now` (default: the current hour) anchors all dates.
    """
    from django.db import connection, transaction

    from postmortems.services.search_index import rebuild_index

    say = log or (lambda message: None)
    rng = random.Random(seed)
    now = now or datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    counts = _Counts()
    started = time.perf_counter()
    with transaction.atomic():
        _empty_tables()
        people = _people(rng, counts, shape)
        plan = _plan(rng, postmortems, now)
        for first in range(0, len(plan), CHUNK):
            _load_chunk(rng, plan[first : first + CHUNK], first, people, now, counts, shape)
            say(f"  {min(first + CHUNK, len(plan)):,} / {len(plan):,} incidents")
    say(f"  rows loaded in {time.perf_counter() - started:.0f} s; rebuilding the search index")
    started = time.perf_counter()
    rebuild_index()
    say(f"  search index rebuilt in {time.perf_counter() - started:.0f} s")
    _refresh_statistics(connection)
    return counts.rows


def _empty_tables() -> None:
    """Empty every table we fill, and every table that points at one (like TRUNCATE CASCADE)."""
    from django.db import connection

    tables = _tables_to_empty()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Rows inserted earlier in this transaction leave deferred foreign key checks
            # pending, and TRUNCATE refuses to run with pending checks: run them now.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            quoted = ", ".join(connection.ops.quote_name(t) for t in tables)
            cursor.execute(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        else:
            # SQLite's foreign keys are deferred, so the order of the deletes is free.
            for table in [*tables, "postmortems_search"]:
                cursor.execute(f"DELETE FROM {connection.ops.quote_name(table)}")


def _tables_to_empty() -> list[str]:
    from django.apps import apps

    from accounts.models import Membership, Team, User
    from postmortems.models.actions import ActionItem
    from postmortems.models.catalog import Service, Tag
    from postmortems.models.incidents import Incident
    from postmortems.models.reviews import Postmortem, TimelineEvent

    filled = {User, Team, Membership, Service, Tag, Incident, Postmortem, TimelineEvent}
    filled.add(ActionItem)
    every = apps.get_models(include_auto_created=True)
    found, changed = set(filled), True
    while changed:  # add models that point at a model in the set, until nothing changes
        changed = False
        for model in every:
            if model in found:
                continue
            targets = {f.related_model for f in model._meta.concrete_fields if f.is_relation}
            if targets & found:
                found.add(model)
                changed = True
    return sorted(model._meta.db_table for model in found)


def _team_names(count: int) -> list[str]:
    """text.TEAMS, then numbered second and third squads of them."""
    names = list(text.TEAMS)
    squad = 2
    while len(names) < count:
        names += [f"{name} {squad}" for name in text.TEAMS]
        squad += 1
    return names[:count]


def _people(rng: random.Random, counts: _Counts, shape: Shape) -> _People:
    from django.utils.text import slugify

    from accounts.models import Membership, Team, User
    from postmortems.models.catalog import Service, Tag

    teams = Team.objects.bulk_create(
        [
            Team(name=name, slug=slugify(name), description=f"The {name} team.")
            for name in _team_names(shape.teams)
        ]
    )
    users = []
    admin = shape.people - 1
    for i in range(shape.people):
        first, last = rng.choice(text.FIRST_NAMES), rng.choice(text.LAST_NAMES)
        users.append(
            User(
                email=f"{slugify(first)}.{slugify(last)}.{i}@example.com",
                display_name=f"{first} {last}",
                time_zone=rng.choice(text.TIME_ZONES),
                digest_hour=rng.choice((8, 9, 9, 9, 10)),
                password="!",  # unusable: benchmarks sign in with force_login
                is_staff=i == admin,
                is_superuser=i == admin,
            )
        )
    users = User.objects.bulk_create(users, batch_size=500)
    memberships: list[Membership] = []
    members: dict[int, list[int]] = {team.pk: [] for team in teams}
    for i, user in enumerate(users[:admin]):
        team = teams[i % len(teams)]
        # The first one or two people of each team lead it.
        lead = i < len(teams) or (i < 2 * len(teams) and i % 2 == 0)
        memberships.append(Membership(user=user, team=team, role="lead" if lead else "member"))
        members[team.pk].append(user.pk)
        if rng.random() < 0.1:  # some people work in two teams
            other = teams[(i + rng.randint(1, len(teams) - 1)) % len(teams)]
            memberships.append(Membership(user=user, team=other, role="member"))
            members[other.pk].append(user.pk)
    Membership.objects.bulk_create(memberships, batch_size=1000)
    service_ids: dict[str, int] = {}
    service_team: dict[str, int] = {}
    for i, (name, parent) in enumerate(text.SERVICES):
        service = Service.objects.create(
            name=name,
            slug=slugify(name),
            parent_id=service_ids[parent] if parent else None,
            description=f"{name}{f', part of {parent}' if parent else ''}.",
        )
        service_ids[name] = service.pk
        service_team[name] = teams[i % len(teams)].pk
    tags = Tag.objects.bulk_create([Tag(name=name, slug=slugify(name)) for name in text.TAGS])
    counts.add("teams", len(teams))
    counts.add("users", len(users))
    counts.add("memberships", len(memberships))
    counts.add("services", len(service_ids))
    counts.add("tags", len(tags))
    return _People(
        team_ids=[team.pk for team in teams],
        members=members,
        service_ids=service_ids,
        service_team=service_team,
        tag_ids={tag.name: tag.pk for tag in tags},
    )


def _plan(rng: random.Random, postmortems: int, now: datetime) -> list[tuple[datetime, str]]:
    """(start time, review state) per incident, in time order: numbers follow time.

    States: published; draft / in_review (mostly recent); none (no review: marked
    "not needed", or reminders escalated and never answered).
    """
    extras = round(postmortems * EXTRA_SHARE)
    span = YEARS * 365 * 24 * 60  # minutes
    plan = [
        # Published reviews need time to be written: started at least 16 days ago.
        (now - timedelta(minutes=rng.randint(16 * 24 * 60, span)), "published")
        for _ in range(postmortems)
    ]
    for _ in range(extras):
        state = rng.choices(("draft", "in_review", "none"), weights=(50, 15, 35))[0]
        recent = state != "none" and rng.random() < 0.8
        low = 4 * 24 * 60 if state != "none" else 3 * 24 * 60
        high = 120 * 24 * 60 if recent else span
        plan.append((now - timedelta(minutes=rng.randint(low, high)), state))
    plan.sort(key=lambda item: item[0])
    return plan


def _pick(rng: random.Random, pool: list, low: int, high: int) -> list:
    return rng.sample(pool, min(len(pool), rng.randint(low, high)))


def _slots(rng: random.Random, service: str) -> dict[str, object]:
    region, region2 = rng.sample(text.REGIONS, 2)
    major, minor = rng.randint(1, 9), rng.randint(0, 40)
    return {
        "service": service,
        "region": region,
        "region2": region2,
        "provider": rng.choice(text.PROVIDERS),
        "topic": rng.choice(text.TOPICS),
        "host_role": rng.choice(text.HOST_ROLES),
        "version": f"{major}.{minor}.{rng.randint(0, 20)}",
        "prev_version": f"{major}.{max(minor - 1, 0)}.{rng.randint(0, 20)}",
        "pct": rng.randint(2, 60),
        "minutes": rng.choice((5, 8, 12, 15, 20, 25, 30, 40, 45, 60, 90, 120, 180)),
        "count": rng.randint(2, 90),
        "hours": rng.randint(1, 12),
        "tool": rng.choice(text.TOOLS),
        "role": rng.choice(text.ROLES),
    }


KIND_NAMES = list(text.KINDS)
KIND_WEIGHTS = [kind["weight"] for kind in text.KINDS.values()]


def _bullets(rng: random.Random, pool: list[str], slots: dict, low: int, high: int) -> str:
    return "\n".join(f"- {line.format_map(slots)}" for line in _pick(rng, pool, low, high))


def _sentences(rng: random.Random, pool: list[str], slots: dict, low: int, high: int) -> str:
    return " ".join(line.format_map(slots) for line in _pick(rng, pool, low, high))


def _load_chunk(
    rng: random.Random,
    plan: list[tuple[datetime, str]],
    offset: int,
    people: _People,
    now: datetime,
    counts: _Counts,
    shape: Shape,
) -> None:
    from postmortems.models.actions import ActionItem
    from postmortems.models.incidents import Incident
    from postmortems.models.reviews import Postmortem, TimelineEvent

    incidents, stories = [], []
    for i, (started, state) in enumerate(plan):
        kind = text.KINDS[rng.choices(KIND_NAMES, weights=KIND_WEIGHTS)[0]]
        # The first services of a kind are the likeliest.
        services = list(dict.fromkeys(rng.choices(
            kind["services"], weights=range(len(kind["services"]), 0, -1), k=rng.randint(1, 3)
        )))  # fmt: skip
        slots = _slots(rng, services[0])
        if rng.random() < 0.7:
            team_id = people.service_team[services[0]]
        else:
            team_id = rng.choice(people.team_ids)
        owner_id = rng.choice(people.members[team_id])
        detected = started + timedelta(minutes=rng.randint(1, 30))
        mitigated = detected + timedelta(minutes=rng.randint(5, 240))
        resolved = mitigated + timedelta(minutes=rng.randint(0, 600))
        not_needed = state == "none" and rng.random() < 0.5
        incidents.append(
            Incident(
                number=offset + i + 1,
                title=rng.choice(kind["titles"]).format_map(slots),
                severity=rng.choices([s for s, _ in SEVERITIES], [w for _, w in SEVERITIES])[0],
                status="resolved",
                team_id=team_id,
                owner_id=owner_id,
                description=_sentences(rng, text.INCIDENT_DESCRIPTIONS, slots, 1, 2),
                started_at=started,
                detected_at=detected,
                mitigated_at=mitigated,
                resolved_at=resolved,
                restricted=rng.random() < RESTRICTED_SHARE,
                postmortem_not_needed=not_needed,
                postmortem_not_needed_reason="Covered by the review of a related incident."
                if not_needed
                else "",
                # Reviews started: the reminders are done. No review: escalated long ago.
                reminder_stage=3 if state != "none" else 2,
                created_by_id=owner_id,
                created_at=detected,
                updated_at=resolved,
            )
        )
        stories.append((kind, services, slots, state))
    Incident.objects.bulk_create(incidents, batch_size=1000)
    counts.add("incidents", len(incidents))
    counts.add("restricted_incidents", sum(incident.restricted for incident in incidents))

    links = []
    for incident, story in zip(incidents, stories, strict=True):
        for name in story[1]:  # the incident's services
            links.append(
                Incident.services.through(
                    incident_id=incident.pk, service_id=people.service_ids[name]
                )
            )
    Incident.services.through.objects.bulk_create(links, batch_size=2000)
    counts.add("incident_services", len(links))

    reviews, reviewed = [], []
    for incident, story in zip(incidents, stories, strict=True):
        kind, _services, slots, state = story
        if state == "none":
            continue
        reviews.append(_postmortem(rng, incident, kind, slots, state, now))
        reviewed.append((incident, story))
    Postmortem.objects.bulk_create(reviews, batch_size=500)
    counts.add("postmortems", len(reviews))
    counts.add("published_postmortems", sum(pm.status == "published" for pm in reviews))

    tags, authors, events, items = [], [], [], []
    for postmortem, (incident, (kind, _services, slots, _state)) in zip(
        reviews, reviewed, strict=True
    ):
        for name in _pick(rng, kind["tags"], 1, 3):
            tags.append(
                Postmortem.tags.through(postmortem_id=postmortem.pk, tag_id=people.tag_ids[name])
            )
        team_members = people.members[incident.team_id]
        for user_id in {incident.owner_id, rng.choice(team_members)}:
            authors.append(Postmortem.authors.through(postmortem_id=postmortem.pk, user_id=user_id))
        events.extend(_timeline(rng, postmortem, incident, kind, slots))
        items.extend(
            _action_items(rng, postmortem, incident, kind, slots, team_members, now, shape)
        )
    Postmortem.tags.through.objects.bulk_create(tags, batch_size=2000)
    Postmortem.authors.through.objects.bulk_create(authors, batch_size=2000)
    TimelineEvent.objects.bulk_create(events, batch_size=1000)
    ActionItem.objects.bulk_create(items, batch_size=1000)
    counts.add("postmortem_tags", len(tags))
    counts.add("postmortem_authors", len(authors))
    counts.add("timeline_events", len(events))
    counts.add("action_items", len(items))
    today = now.date()
    counts.add(
        "overdue_action_items",
        sum(item.status in ("open", "in_progress") and item.due_date < today for item in items),
    )


def _postmortem(rng, incident, kind, slots, state, now):
    from postmortems.models.reviews import Postmortem

    created = incident.resolved_at + timedelta(hours=rng.randint(2, 48))
    published = None
    if state == "published":
        published = min(created + timedelta(hours=rng.randint(24, 14 * 24)), now)
    updated = published or min(created + timedelta(hours=rng.randint(1, 72)), now)
    if published and rng.random() < 0.1:  # a few reviews get edited after publishing
        updated = min(published + timedelta(days=rng.randint(1, 60)), now)
    draft = state != "published"
    # Drafts are often half written.
    went_well = "" if draft and rng.random() < 0.5 else _bullets(rng, text.WENT_WELL, slots, 1, 2)
    went_wrong = "" if draft and rng.random() < 0.5 else _bullets(rng, text.WENT_WRONG, slots, 1, 2)
    return Postmortem(
        incident=incident,
        status=state,
        summary=rng.choice(kind["summary"]).format_map(slots),
        impact=_sentences(rng, text.IMPACT, slots, 1, 3),
        contributing_factors=_bullets(rng, kind["factors"], slots, 2, 3),
        went_well=went_well,
        went_wrong=went_wrong,
        got_lucky="" if rng.random() < 0.3 else _sentences(rng, text.GOT_LUCKY, slots, 1, 1),
        lessons=_sentences(rng, kind["lessons"] + text.LESSONS, slots, 1, 2),
        created_by_id=incident.owner_id,
        created_at=created,
        updated_at=updated,
        published_at=published,
        stale_reminder_sent=draft and now - created > timedelta(days=7),
    )


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def _timeline(rng, postmortem, incident, kind, slots):
    """3-6 events: detection, optional escalation/steps/communication, the fix, resolution."""
    from postmortems.models.reviews import TimelineEvent

    extra = rng.randint(0, 3)
    middle = [("escalation", rng.choice(text.TIMELINE_ESCALATION))]
    middle += [("action", step) for step in kind["steps"]]
    middle.append(("communication", rng.choice(text.TIMELINE_COMMUNICATION)))
    chosen = sorted(rng.sample(range(len(middle)), min(extra, len(middle))))
    script = [("detection", rng.choice(text.TIMELINE_DETECTION))]
    script += [middle[i] for i in chosen]
    script += [
        ("mitigation", rng.choice(kind["fixes"])),
        ("resolution", rng.choice(text.TIMELINE_RESOLUTION)),
    ]
    start, end = incident.detected_at, incident.resolved_at
    step = (end - start) / len(script)
    return [
        TimelineEvent(
            code=_uuid(rng),
            postmortem=postmortem,
            occurred_at=start + step * n,
            kind=event_kind,
            text=line.format_map(slots),
            created_by_id=incident.owner_id,
            created_at=postmortem.created_at,
        )
        for n, (event_kind, line) in enumerate(script)
    ]


def _action_items(rng, postmortem, incident, kind, slots, team_members, now, shape):
    from postmortems.models.actions import ActionItem

    today = now.date()
    items = []
    low, high = shape.items
    for title, item_type in _pick(rng, kind["actions"] + text.GENERIC_ACTIONS, low, high):
        due = incident.resolved_at.date() + timedelta(days=rng.randint(7, 90))
        if due < today - timedelta(days=30):  # long past due: mostly finished
            status = rng.choices(("done", "wont_do", "open", "in_progress"), (80, 8, 8, 4))[0]
        else:
            status = rng.choices(("done", "open", "in_progress"), (30, 50, 20))[0]
        finished = status in ("done", "wont_do")
        completed = None
        if finished:
            completed = min(postmortem.created_at + timedelta(days=rng.randint(1, 60)), now)
        items.append(
            ActionItem(
                code=_uuid(rng),
                postmortem=postmortem,
                team_id=incident.team_id,
                title=title.format_map(slots),
                owner_id=None if rng.random() < 0.1 else rng.choice(team_members),
                due_date=due,
                priority=rng.choices(*zip(*PRIORITIES, strict=True))[0],
                type=item_type,
                status=status,
                wont_do_reason=rng.choice(text.WONT_DO_REASONS) if status == "wont_do" else "",
                tracker_url=f"https://tracker.example.com/OPS-{rng.randint(1000, 99999)}",
                completed_at=completed,
                created_by_id=incident.owner_id,
                created_at=postmortem.created_at,
            )
        )
    return items


def _refresh_statistics(connection) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            if connection.in_atomic_block:  # tests: VACUUM cannot run in a transaction
                cursor.execute("ANALYZE")
            else:
                # rebuild_index() rewrote every postmortem row; vacuum now, or autovacuum
                # does it in the middle of a benchmark run.
                cursor.execute("VACUUM (ANALYZE)")
        else:
            cursor.execute("INSERT INTO postmortems_search(postmortems_search) VALUES ('optimize')")
            cursor.execute("ANALYZE")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postmortems", type=int, required=True)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--database", choices=("postgres", "sqlite"), default="postgres")
    parser.add_argument("--teams", type=int, default=Shape.teams)
    parser.add_argument("--people", type=int, default=Shape.people)
    parser.add_argument("--items", default="1-4", help="action items per review, LOW-HIGH")
    args = parser.parse_args()
    low, high = (int(n) for n in args.items.split("-"))
    shape = Shape(teams=args.teams, people=args.people, items=(low, high))

    from bench.django_setup import setup

    target = setup(database=args.database)
    print(f"Generating {args.postmortems:,} postmortems into {target}")
    started = time.perf_counter()
    counts = generate(args.postmortems, seed=args.seed, log=print, shape=shape)
    print(f"Done in {time.perf_counter() - started:.0f} s:")
    for name, n in counts.items():
        print(f"  {name:<24} {n:>10,}")


if __name__ == "__main__":
    main()

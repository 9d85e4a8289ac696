"""Seed the load test's database and write the plan its simulated people follow.

`seed()` runs in a process whose Django points at the load test's own database. It
loads realistic data with bench/generate.py, gives `people` members (a fifth of them
team leads) a password, and returns a plan (written as JSON for the locustfile):
per person, their email, a few postmortems of their own team to edit (no two people
edit the same one, so edits do not conflict by design) and published postmortems
anyone may read.
"""

import json
import random
from pathlib import Path

from bench.search import QUERIES

PASSWORD = "load-test-only-password"
EDIT_PER_PERSON = 6
READ_POSTMORTEMS = 400
LEAD_SHARE = 0.2


def seed(postmortems: int, people: int, *, seed: int = 42, log=print) -> dict:
    from django.contrib.auth.hashers import make_password

    from accounts.models import Membership, User
    from bench.generate import generate
    from postmortems.models.incidents import Incident
    from postmortems.models.reviews import Postmortem

    counts = generate(postmortems, seed=seed, log=log)
    rng = random.Random(seed)
    published = list(
        Incident.objects.filter(
            restricted=False, postmortem__status=Postmortem.Status.PUBLISHED
        ).values_list("number", "team_id")
    )
    readable = [number for number, _team in published]
    by_team: dict[int, list[int]] = {}
    for number, team in published:
        by_team.setdefault(team, []).append(number)
    for numbers in by_team.values():
        rng.shuffle(numbers)

    # One membership per person (their team), leads and members in the set share.
    memberships = list(
        Membership.objects.filter(user__is_superuser=False)
        .order_by("user_id", "role")
        .values_list("user_id", "user__email", "team_id", "role")
    )
    first: dict[int, tuple[str, int, str]] = {}
    for user_id, email, team, role in memberships:
        first.setdefault(user_id, (email, team, role))
    leads = [(u, *rest) for u, rest in first.items() if rest[2] == Membership.Role.LEAD]
    members = [(u, *rest) for u, rest in first.items() if rest[2] == Membership.Role.MEMBER]
    n_leads = max(1, round(people * LEAD_SHARE))
    chosen = rng.sample(leads, min(n_leads, len(leads)))
    chosen += rng.sample(members, people - len(chosen))

    User.objects.filter(pk__in=[user_id for user_id, *_rest in chosen]).update(
        password=make_password(PASSWORD)  # one hash for all: hashing is slow on purpose
    )
    plan_people = []
    for user_id, email, team, role in chosen:
        pool = by_team.get(team, [])
        edit, by_team[team] = pool[:EDIT_PER_PERSON], pool[EDIT_PER_PERSON:]
        plan_people.append({"user_id": user_id, "email": email, "role": role, "edit": sorted(edit)})
    return {
        "counts": counts,
        "password": PASSWORD,
        "people": plan_people,
        "read": rng.sample(readable, min(READ_POSTMORTEMS, len(readable))),
        "searches": [params for _label, params in QUERIES],
    }


def write_plan(plan: dict, path: Path) -> None:
    path.write_text(json.dumps(plan, indent=1))


def read_plan(path: Path) -> dict:
    return json.loads(path.read_text())

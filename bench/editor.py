"""Editor speed: the review editor and its htmx answers beside a trivial page, on PostgreSQL.

    python -m bench.editor [--runs 30] [--no-seed] [--markdown]
    python -m bench.editor --smoke          # a few runs on a small review: keeps it runnable

Loads the demo (`manage.py seed_demo`) into the benchmark database (bench/django_setup.py;
its tables are emptied first) and a generated review described in bench/editor_review.toml
(200 timeline events, 50 action items), then requests, through django.test.Client
(middleware, view, template; DEBUG off), signed in as the review's lead:
- a trivial signed-in page (My work of a person who owns nothing, as bench.dashboard),
- the editor (GET /incidents/<n>/postmortem/edit/) of the largest demo review,
- the editor of the generated review,
- the editor of a review whose incident an alert storm was tied to (STORM_FIRINGS
  firings of three rules, written as rows: its detection section lists and checks them),
- saving one section of it as htmx does (POST to the section's save URL with HX-Request;
  the text alternates, so every save writes a revision), and
- the readiness partial htmx fetches after a save (GET .../readiness/ with HX-Request).
The pages take turns, one request each per round (interleaved, in one run), so a
machine others share slows them alike. Each page's statements are captured once and
re-run bare on a cursor (*own SQL*; not for the save, whose writes cannot be replayed).
*ratio* = page p50 / (trivial p50 + own SQL p50). Targets: an editor's p50 at most 1.5x
its limit, and the htmx answers' p95 under 30 ms.
"""

import argparse
import os
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from pathlib import Path
from statistics import median

from bench.page_timing import ms, render_table, signed_in_client
from bench.search import _run_sql, percentile, wall_and_cpu

DATA = Path(__file__).with_name("editor_review.toml")
GOAL_RATIO, GOAL_HTMX_P95 = 1.5, 0.030
SMOKE_EVENTS, SMOKE_ITEMS = 6, 3
STORM_FIRINGS, SMOKE_STORM_FIRINGS = 300, 12
STORM_TITLE = "Alert storm: every node of the session cache paged"
STORM_RULES = ("NodeDown", "CacheEvictionsHigh", "ReplicaLagHigh")


@dataclass
class Row:
    label: str
    kind: str  # "trivial", "page" (held to the ratio) or "htmx" (held to the p95)
    walls: list[float] = field(default_factory=list)
    cpus: list[float] = field(default_factory=list)
    sql: list[float] = field(default_factory=list)
    statements: list[str] = field(default_factory=list)
    trivial_p50: float = 0.0

    @property
    def page_p50(self) -> float:
        return median(self.walls)

    @property
    def page_p95(self) -> float:
        return percentile(self.walls, 0.95)

    @property
    def sql_p50(self) -> float | None:
        return median(self.sql) if self.sql else None

    @property
    def ratio(self) -> float | None:
        if self.kind == "trivial" or self.sql_p50 is None:
            return None
        return self.page_p50 / (self.trivial_p50 + self.sql_p50)

    @property
    def meets_goal(self) -> bool | None:
        if self.kind == "page":
            return self.ratio is not None and self.ratio <= GOAL_RATIO
        if self.kind == "htmx":
            return self.page_p95 < GOAL_HTMX_P95
        return None


def load_review_spec() -> dict:
    return tomllib.loads(DATA.read_text(encoding="utf-8"))


def generate_review(*, lead, team, events: int | None = None, items: int | None = None):
    """The review described in bench/editor_review.toml (`events` and `items` override
    its counts), written through the services as the editor writes it."""
    from django.utils import timezone

    from postmortems.models.actions import ActionItem
    from postmortems.models.incidents import Incident
    from postmortems.services.actions import action_item_create
    from postmortems.services.incidents import incident_create
    from postmortems.services.postmortems import (
        postmortem_start,
        postmortem_update_section,
        text_fingerprint,
    )
    from postmortems.services.timeline import timeline_event_create

    spec = load_review_spec()
    review, texts = spec["review"], spec["texts"]
    events = review["events"] if events is None else events
    items = review["action_items"] if items is None else items
    now = timezone.now()
    started = now - timedelta(days=2)
    length = timedelta(hours=review["duration_hours"])
    incident = incident_create(
        by=lead, title=review["title"], severity=review["severity"],
        status=Incident.Status.RESOLVED, team=team, owner=lead, started_at=started,
        detected_at=started + timedelta(minutes=5), mitigated_at=started + length / 2,
        resolved_at=started + length,
    )  # fmt: skip
    postmortem = postmortem_start(incident=incident, by=lead)
    for name in type(postmortem).SECTION_NAMES:
        postmortem_update_section(
            postmortem=postmortem, section=name, text=review["section_text"].strip(),
            base_fingerprint=text_fingerprint(getattr(postmortem, name)), by=lead,
        )  # fmt: skip
        postmortem.refresh_from_db()
    for n in range(events):
        timeline_event_create(
            postmortem=postmortem, by=lead, occurred_at=started + length * n / max(events, 1),
            kind=texts["event_kinds"][n % len(texts["event_kinds"])],
            text=f"{texts['events'][n % len(texts['events'])]} ({n + 1})",
        )  # fmt: skip
    checks = {
        "prevent": ("test", "A regression test in CI reproduces the failure."),
        "detect": ("alert", "The alert fires when the condition is reproduced in staging."),
        "mitigate": ("drill", "A game day shows the fallback in under five minutes."),
        "process": ("metric", "Hand-overs with an unacknowledged page drop to zero."),
    }
    for n in range(items):
        kind = texts["action_types"][n % len(texts["action_types"])]
        action_item_create(
            postmortem=postmortem, by=lead,
            title=f"{texts['action_items'][n % len(texts['action_items'])]} ({n + 1})",
            owner=lead, due_date=now.date() + timedelta(days=7 + n),
            priority=texts["priorities"][n % len(texts["priorities"])], type=kind,
            status=ActionItem.Status.OPEN, verification=checks[kind][0],
            verification_plan=checks[kind][1],
        )  # fmt: skip
    return postmortem


def storm_review(*, lead, team, firings: int = STORM_FIRINGS):
    """A resolved incident and its review, with `firings` firings of three rules tied
    to it, minutes apart, as the receivers record them (one integration; rows written
    in bulk, not through a receiver: the page is measured, not the ingest)."""
    from django.utils import timezone

    from postmortems.alerting.firings.models import AlertRule, Firing
    from postmortems.alerting.models import AlertIntegration
    from postmortems.models.incidents import Incident
    from postmortems.services.incidents import incident_create
    from postmortems.services.postmortems import postmortem_start

    started = timezone.now() - timedelta(days=1)
    incident = incident_create(
        by=lead, title=STORM_TITLE, severity="SEV2", status=Incident.Status.RESOLVED,
        team=team, owner=lead, started_at=started, detected_at=started + timedelta(minutes=2),
        mitigated_at=started + timedelta(hours=2), resolved_at=started + timedelta(hours=3),
    )  # fmt: skip
    postmortem = postmortem_start(incident=incident, by=lead)
    integration = AlertIntegration.objects.create(
        team=team, kind=AlertIntegration.Kind.ALERTMANAGER, name="Bench storm",
        severity_map={"critical": "SEV1", "page": "SEV2", "warning": "SEV3"},
    )  # fmt: skip
    runbook = "https://runbooks.example.com/session-cache"
    rules = [
        AlertRule.objects.create(integration=integration, team=team, name=name, runbook_url=runbook)
        for name in STORM_RULES
    ]
    Firing.objects.bulk_create(
        Firing(
            rule=rules[n % len(rules)],
            team=team,
            integration=integration,
            external_key=f"storm-{n:05d}",
            severity_sent="page",
            severity="SEV2",
            channel="phone",
            runbook_url=runbook if n % 4 else "",
            incident=incident,
            fired_at=started + timedelta(minutes=2, seconds=30 * n),
            acted_on=n % 9 == 0,
            labels={"alertname": rules[n % len(rules)].name, "instance": f"cache-{n:03d}:9100"},
        )
        for n in range(firings)
    )
    return postmortem


def largest_review(exclude: tuple[int, ...] = ()):
    from django.db.models import Count

    from postmortems.models.reviews import Postmortem

    reviews = Postmortem.objects.exclude(pk__in=exclude)
    return (
        reviews.annotate(
            size=Count("timeline_events", distinct=True) + Count("action_items", distinct=True)
        )
        .select_related("incident__team")
        .order_by("-size", "pk")
        .first()
    )


def _lead_of(team):
    from accounts.models import Membership

    membership = (
        (Membership.objects.filter(team=team, role=Membership.Role.LEAD).select_related("user"))
        .order_by("pk")
        .first()
    )
    return membership.user


def _requests(lead, demo, generated, storm) -> list[tuple[Row, Callable[[], None]]]:
    """Each page's row and a call that requests it once (failing on a bad answer)."""
    from django.urls import reverse

    from bench.dashboard import trivial_user
    from postmortems.services.postmortems import text_fingerprint

    trivial, client = signed_in_client(trivial_user()), signed_in_client(lead)
    number = generated.incident.number
    section = type(generated).SECTION_NAMES[0]
    save_url = reverse("pm-section-save", args=[number, section])
    texts = [getattr(generated, section), getattr(generated, section) + "\n\nOne more line."]
    saves = {"n": 0}
    htmx = {"HTTP_HX_REQUEST": "true"}

    def get(who, url, headers=None):
        def request() -> None:
            response = who.get(url, secure=True, **(headers or {}))
            if response.status_code != 200:
                raise RuntimeError(f"GET {url} answered {response.status_code}")

        return request

    def save() -> None:
        # Alternate between two texts, each saved on top of the other.
        n = saves["n"] = saves["n"] + 1
        text, base = texts[n % 2], texts[(n + 1) % 2]
        data = {"text": text, "base": text_fingerprint(base), "editor": "bench"}
        response = client.post(save_url, data, secure=True, **htmx)
        # A saved section tells the page to refresh its checklist; a conflict does not.
        if response.status_code != 200 or "HX-Trigger" not in response:
            raise RuntimeError(f"POST {save_url} answered {response.status_code}, not saved")

    edit = "pm-postmortem-edit"
    return [
        (Row("trivial signed-in page", "trivial"), get(trivial, reverse("pm-my-work"))),
        (
            Row(f"editor, largest demo review ({demo.size} events and items)", "page"),
            get(client, reverse(edit, args=[demo.incident.number])),
        ),
        (Row("editor, generated review", "page"), get(client, reverse(edit, args=[number]))),
        (
            Row(f"editor, alert storm ({storm.incident.firings.count()} firings)", "page"),
            get(client, reverse(edit, args=[storm.incident.number])),
        ),
        (Row("htmx: save one section", "htmx"), save),
        (
            Row("htmx: readiness partial", "htmx"),
            get(client, reverse("pm-postmortem-readiness", args=[number]), htmx),
        ),
    ]


def measure(*, runs: int, warmup: int = 3, generated=None, storm=None) -> list[Row]:
    """Time the pages on the data loaded, interleaved; `generated` and `storm` are the
    generated reviews (found by their titles when not given)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from postmortems.models.reviews import Postmortem

    if generated is None:
        title = load_review_spec()["review"]["title"]
        generated = Postmortem.objects.filter(incident__title=title).latest("pk")
    if storm is None:
        storm = Postmortem.objects.filter(incident__title=STORM_TITLE).latest("pk")
    generated = Postmortem.objects.select_related("incident__team").get(pk=generated.pk)
    demo = largest_review(exclude=(generated.pk, storm.pk)) or largest_review()
    lead = _lead_of(generated.incident.team)
    pages = _requests(lead, demo, generated, storm)
    for _ in range(warmup):
        for _row, request in pages:
            request()
    for row, request in pages:
        with CaptureQueriesContext(connection) as captured:
            request()
        row.statements = [query["sql"] for query in captured.captured_queries]
    for _ in range(runs):  # one request of each page per round
        for row, request in pages:
            wall, cpu = wall_and_cpu(1, request)
            row.walls += wall
            row.cpus += cpu
    replayable = [row for row, _request in pages if row.label != "htmx: save one section"]
    for _ in range(runs):
        for row in replayable:
            row.sql += wall_and_cpu(1, partial(_run_sql, row.statements))[0]
    rows = [row for row, _request in pages]
    for row in rows:
        row.trivial_p50 = rows[0].page_p50
    return rows


def table(rows: list[Row], *, markdown: bool = False) -> str:
    header = ["page", "p50", "p95", "CPU p50", "own SQL p50", "queries", "ratio", "target"]
    lines = []
    for row in rows:
        goal = {True: "met", False: "missed", None: ""}[row.meets_goal]
        target = {"page": f"ratio <= {GOAL_RATIO}x", "htmx": "p95 < 30 ms"}.get(row.kind, "")
        lines.append(
            [
                row.label, ms(row.page_p50), ms(row.page_p95), ms(median(row.cpus)),
                ms(row.sql_p50) if row.sql_p50 is not None else "-", str(len(row.statements)),
                f"{row.ratio:.2f}x" if row.ratio is not None else "-",
                f"{target}: {goal}" if target else "",
            ]
        )  # fmt: skip
    return render_table(header, lines, markdown=markdown)


def load(*, seed: bool, smoke: bool):
    """Empty the benchmark database, seed the demo (unless `seed` is false) and generate
    the reviews (the generated one and the alert storm's); returns the generated one."""
    import random

    from django.core.management import call_command
    from django.utils import timezone

    from accounts.models import Membership, Team, User
    from postmortems.demo.seed import seed_demo

    call_command("flush", interactive=False, verbosity=0)
    if seed:
        seed_demo(now=timezone.now(), rng=random.Random(7))
    team = Team.objects.order_by("pk").first()
    if team is None:
        team = Team.objects.create(name="Payments", slug="payments")
    if not Membership.objects.filter(team=team, role=Membership.Role.LEAD).exists():
        user = User.objects.create(email="bench-lead@example.com", display_name="Bench Lead")
        Membership.objects.create(team=team, user=user, role=Membership.Role.LEAD)
    events, items = (SMOKE_EVENTS, SMOKE_ITEMS) if smoke else (None, None)
    lead = _lead_of(team)
    storm_review(lead=lead, team=team, firings=SMOKE_STORM_FIRINGS if smoke else STORM_FIRINGS)
    return generate_review(lead=lead, team=team, events=events, items=items)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--no-seed", action="store_true", help="skip the demo data")
    parser.add_argument("--smoke", action="store_true", help="a small review, 3 runs")
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()
    os.environ["DEBUG"] = "false"
    from bench.django_setup import setup

    setup("postgres")
    generated = load(seed=not args.no_seed and not args.smoke, smoke=args.smoke)
    rows = measure(runs=3 if args.smoke else args.runs, generated=generated)
    print(table(rows, markdown=args.markdown))


if __name__ == "__main__":
    main()

"""Keystrokes and clicks to record a 10-event timeline in the editor, in real Chromium.

    .venv/bin/python -m bench.timeline_capture --mode quick
    .venv/bin/python -m bench.timeline_capture --mode full-form   # the form before quick entry

The run starts its own app server (a thread, as the browser tests do) on its own SQLite
file (BENCH_TIMELINE_SQLITE, default data/bench/timeline_capture.sqlite3, created and
migrated on first use), creates a writer (zone Europe/Berlin), an incident that starts
at 23:05 on Wed 18 Nov 2026 and its postmortem, signs the browser in with a session
cookie (sign-in is not counted), and types the same ten events (crossing midnight) in
one of two ways:

- full-form: the date-and-time field typed segment by segment (month, day, year, Tab,
  hour, minute, AM/PM: 14 keys), two clicks to pick the kind when it is not Action,
  a click into Text, the text, a click on "Add event"; the form is empty again after
  each add, so the date is typed every time. This is the form as it was before quick
  entry: run it from a checkout of that code (the form is no longer on the page).
- quick: one click into "New event", then per event one line (`23:10 d: ...`,
  `+4m ...`) and Enter.

Every typed character and every special key (Tab, Enter) is a keystroke, every click a
click. At the end the stored events are checked against what was meant (times, kinds,
texts), so a run that typed wrong fails instead of counting.
"""

import argparse
import datetime as dt
import os
import sys
import uuid
from pathlib import Path
from zoneinfo import ZoneInfo

# Run from any checkout: the code under test is the one in the current directory.
sys.path.insert(0, os.getcwd())

ZONE = ZoneInfo("Europe/Berlin")
DAY = dt.date(2026, 11, 18)
CHROMIUM = "/usr/bin/chromium"

# (local time, kind, text, the quick line). Texts are what a writer types live: short.
EVENTS = [
    ("2026-11-18 23:10", "detection", "error-rate alert fired", "23:10 d: error-rate alert fired"),
    ("2026-11-18 23:14", "escalation", "paged DB on-call", "+4m e: paged DB on-call"),
    ("2026-11-18 23:20", "action", "checked replica lag", "23:20 checked replica lag"),
    ("2026-11-18 23:31", "action", "restarted the primary", "23:31 restarted the primary"),
    ("2026-11-18 23:36", "communication", "status page updated", "+5m c: status page updated"),
    ("2026-11-18 23:50", "mitigation", "failed over to replica", "23:50 m: failed over to replica"),
    ("2026-11-19 00:10", "action", "errors back to baseline", "00:10 errors back to baseline"),
    ("2026-11-19 00:25", "action", "old primary rebuilt", "+15m old primary rebuilt"),
    ("2026-11-19 00:40", "communication", "all-clear posted", "00:40 c: all-clear posted"),
    ("2026-11-19 00:55", "resolution", "incident resolved", "+15m r: incident resolved"),
]


class Counter:
    def __init__(self, page) -> None:
        self.page, self.keystrokes, self.clicks = page, 0, 0

    def click(self, locator, **kwargs) -> None:
        locator.click(**kwargs)
        self.clicks += 1

    def type(self, text: str) -> None:
        self.page.keyboard.type(text)
        self.keystrokes += len(text)

    def press(self, key: str) -> None:
        self.page.keyboard.press(key)
        self.keystrokes += 1


def _setup() -> None:
    path = Path(
        os.environ.get(
            "BENCH_TIMELINE_SQLITE",
            Path(os.getcwd()) / "data" / "bench" / "timeline_capture.sqlite3",
        )
    ).resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    os.environ.setdefault("SECRET_KEY", "benchmark-only-not-a-secret")
    for name in ("SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE"):
        os.environ[name] = "false"  # the local server speaks plain HTTP
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "localhost", "testserver"]
    call_command("migrate", verbosity=0)
    # The pages load their scripts by hashed names (WhiteNoise's manifest).
    call_command("collectstatic", interactive=False, verbosity=0)


def _data():
    from django.db.models import Max
    from django.test import Client

    from postmortems.models import Incident
    from tests.factories import IncidentFactory, MembershipFactory, PostmortemFactory, TeamFactory

    run = uuid.uuid4().hex[:8]  # the database is kept between runs: fresh names each time
    team = TeamFactory(name=f"Timeline {run}", slug=f"timeline-{run}")
    user = MembershipFactory(
        team=team, user__email=f"writer-{run}@example.com", user__time_zone="Europe/Berlin"
    ).user
    start = dt.datetime(2026, 11, 18, 23, 5, tzinfo=ZONE)
    number = (Incident.objects.aggregate(last=Max("number"))["last"] or 0) + 1
    incident = IncidentFactory(team=team, owner=user, started_at=start, number=number)
    postmortem = PostmortemFactory(incident=incident)
    postmortem.authors.add(user)
    client = Client()
    client.force_login(user)
    return postmortem, client.cookies["sessionid"].value


def _full_form(counter: Counter) -> None:
    page = counter.page
    for when, kind, text, _ in EVENTS:
        local = dt.datetime.strptime(when, "%Y-%m-%d %H:%M")
        form = page.locator("#timeline-new")
        counter.click(form.get_by_label("When"), position={"x": 12, "y": 10})  # the month
        counter.type(local.strftime("%m%d%Y"))
        counter.press("Tab")  # the year takes more digits, so it does not move on alone
        counter.type(local.strftime("%I%M") + local.strftime("%p")[0])
        if kind != "action":
            # A click opens the select, a click picks the kind. (Playwright cannot click
            # into a native select's list, so the two clicks are counted around it.)
            form.get_by_label("Kind").select_option(kind)
            counter.clicks += 2
        counter.click(form.get_by_label("Text"))
        counter.type(text)
        count = page.locator("#timeline .timeline-item").count()
        counter.click(form.get_by_role("button", name="Add event"))
        page.locator("#timeline .timeline-item").nth(count).wait_for()


def _quick(counter: Counter) -> None:
    page = counter.page
    counter.click(page.get_by_label("New event"))
    for number, (*_, line) in enumerate(EVENTS, start=1):
        counter.type(line)
        counter.press("Enter")
        page.locator("#timeline .timeline-item").nth(number - 1).wait_for()
        page.locator("#timeline-entry [data-entry-focus]:focus").wait_for()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--mode", choices=["full-form", "quick"], required=True)
    args = parser.parse_args()
    _setup()
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's loop in this thread
    from django.test.testcases import LiveServerThread
    from playwright.sync_api import sync_playwright

    from postmortems.models import TimelineEvent

    postmortem, session = _data()
    server = LiveServerThread("localhost", lambda handler: handler)  # type: ignore[arg-type]
    server.daemon = True
    server.start()
    server.is_ready.wait()
    if server.error:
        raise server.error
    base = f"http://localhost:{server.port}"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"]
            )
            context = browser.new_context(
                base_url=base, locale="en-US", timezone_id="Europe/Berlin"
            )
            context.add_cookies([{"name": "sessionid", "value": session, "url": base}])
            page = context.new_page()
            page.goto(f"/incidents/INC-{postmortem.incident.number}/postmortem/edit/")
            page.wait_for_load_state()
            counter = Counter(page)
            (_quick if args.mode == "quick" else _full_form)(counter)
            browser.close()
    finally:
        server.terminate()
    stored = [
        (event.occurred_at.astimezone(ZONE).strftime("%Y-%m-%d %H:%M"), event.kind, event.text)
        for event in TimelineEvent.objects.filter(postmortem=postmortem).order_by("occurred_at")
    ]
    meant = [(when, kind, text) for when, kind, text, _ in EVENTS]
    if stored != meant:
        raise SystemExit(f"The stored timeline is not what was typed:\n{stored}\n{meant}")
    # The texts are the same in both modes; what differs is the cost of the rest.
    text = sum(len(text) for _, _, text, _ in EVENTS)
    total = counter.keystrokes + counter.clicks
    print("| mode | events | keystrokes | clicks | keystrokes + clicks | besides the texts |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    print(
        f"| {args.mode} | {len(EVENTS)} | {counter.keystrokes} | {counter.clicks} | {total} "
        f"| {total - text} |"
    )


if __name__ == "__main__":
    main()

"""The load test's harness keeps working: locust's people against the live server.

A tiny run, no timings asserted: 150 generated postmortems, two people for a few
seconds (one takes every step once, every kind of edit included; one picks steps at
random), through the real sign-in form, pages and htmx forms with their CSRF tokens.
Every step must answer without an error, and the edits must reach the database.
The full run (bench/load.py) adds gunicorn, Redis and Celery of its own; this checks
the locustfile against the URL conf and the templates it parses.
"""

import pytest
from django.core.servers.basehttp import WSGIServer
from django.db import connections
from django.db.backends.sqlite3.base import DatabaseWrapper as SQLiteDatabaseWrapper
from django.test.testcases import LiveServerThread

from bench.load import run_locust
from bench.load_plan import seed, write_plan
from postmortems.models import ActionItem, SectionRevision, TimelineEvent
from tests.browser_support import live_app_server

EVERY_STEP = {
    "sign in form",
    "sign in",
    "postmortem page",
    "archive",
    "incident list",
    "search",
    "dashboard",
    "editor page",
    "save section",
    "timeline event form",
    "save timeline event",
    "action item form",
    "save action item",
}


class _OneAtATimeServer(WSGIServer):
    """Not threaded: requests are answered in the server thread, one after another."""

    def __init__(self, *args, connections_override=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)  # the thread itself uses the shared connection


class _OneRequestAtATime(LiveServerThread):
    server_class = _OneAtATimeServer


@pytest.fixture
def load_server(transactional_db, settings):
    """The app over plain HTTP in a thread (static files through WhiteNoise, as in
    production). An in-memory SQLite database is one connection shared with the
    server, which must then answer one request at a time; on PostgreSQL each of the
    server's threads has its own connection, as gunicorn's workers do."""
    settings.SESSION_COOKIE_SECURE = False  # plain HTTP: no Secure cookies
    settings.CSRF_COOKIE_SECURE = False
    has_memory_db = any(
        isinstance(conn, SQLiteDatabaseWrapper) and conn.is_in_memory_db()
        for conn in connections.all()
    )
    with live_app_server(_OneRequestAtATime if has_memory_db else None) as url:
        yield url


def test_two_people_take_every_step_of_the_load_test_without_an_error(load_server, tmp_path):
    plan = seed(150, 2, seed=5, log=lambda message: None)
    assert all(person["edit"] for person in plan["people"])
    write_plan(plan, tmp_path / "plan.json")

    rows, output = run_locust(
        host=load_server,
        plan=tmp_path / "plan.json",
        classes=["EveryStepOnce", "Person"],
        users=2,
        spawn_rate=2,
        seconds=8,
        workdir=tmp_path,
        wait="0.1,0.5",
    )

    by_name = {row.name: row for row in rows}
    assert by_name.keys() >= EVERY_STEP, output
    failed = {row.name: row.failures for row in rows if row.failures}
    assert not failed, output
    assert SectionRevision.objects.filter(text__contains="[edit ").exists()
    assert TimelineEvent.objects.filter(text__contains="[edit ").exists()
    assert ActionItem.objects.filter(title__contains="[edit ").exists()

"""Real Chromium, driven by Playwright, against pytest-django's live server."""

import datetime as dt
import os
import re
import threading
from contextlib import contextmanager
from typing import Any

import pytest
import time_machine
from django.conf import settings as django_settings
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.signals import connection_created
from django.db.backends.sqlite3.base import DatabaseWrapper as SQLiteDatabaseWrapper

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
]


# A request to a live server on an in-memory SQLite database holds this while it is
# answered, and every statement on such a database waits for it (see live_app_server).
REQUESTS = threading.RLock()


def _take_turns(sender, connection, **kwargs) -> None:
    """Each connection to an in-memory SQLite database runs its statements between the
    live server's requests (registered when this plugin loads, before any connection
    is made: a connection lives on from test to test)."""
    memory = connection.vendor == "sqlite" and connection.is_in_memory_db()
    if memory and _after_the_request_in_progress not in connection.execute_wrappers:
        connection.execute_wrappers.append(_after_the_request_in_progress)


connection_created.connect(_take_turns, weak=False)


@contextmanager
def live_app_server(thread_class=None):
    """Serve the app over HTTP in a thread; yields its base URL. An in-memory SQLite
    database is one connection, shared with the server's request threads: they then
    take turns on it, or one request's transaction would take in another's queries.

    A test that drives a browser runs its own statements while Playwright's event loop
    runs, where Django uses a second connection to the same in-memory database. SQLite
    then locks whole tables between the two and fails a statement at once ("database
    table is locked") instead of waiting, so every statement on such a database takes
    its turn with the requests (_take_turns)."""
    from django.test.testcases import LiveServerThread

    shared: dict[str, BaseDatabaseWrapper] = {
        conn.alias: conn
        for conn in connections.all()
        if isinstance(conn, SQLiteDatabaseWrapper) and conn.is_in_memory_db()
    }

    thread = (thread_class or LiveServerThread)(
        "localhost",
        # Django wraps its handler in this; any callable does (the stubs want a class).
        # A thread class of its own brings its own turns (SharedConnectionThread).
        one_request_at_a_time  # type: ignore[arg-type]
        if shared and thread_class is None
        else lambda handler: handler,
        connections_override=shared,
    )
    thread.daemon = True
    for conn in shared.values():
        conn.inc_thread_sharing()
    thread.start()
    thread.is_ready.wait()
    try:
        if thread.error:
            raise thread.error
        yield f"http://localhost:{thread.port}"
    finally:
        thread.terminate()
        for conn in shared.values():
            conn.dec_thread_sharing()


def _after_the_request_in_progress(execute, sql, params, many, context):
    with REQUESTS:
        return execute(sql, params, many, context)


def one_request_at_a_time(app: Any) -> Any:
    """The WSGI app behind REQUESTS, so a page's requests take turns on a shared
    connection. A response is built inside the lock; only its body is sent outside it,
    and no page a browser test opens streams rows from the database. Static files
    (WhiteNoise answers them before any middleware that reads the database) go past
    the lock."""
    static = django_settings.STATIC_URL

    def serve(environ, start_response):
        if environ.get("PATH_INFO", "").startswith(static):
            return app(environ, start_response)
        with REQUESTS:
            return app(environ, start_response)

    return serve


# A Wednesday noon, far from a midnight, a weekend or a DST change in the zones used.
MIDWEEK_NOON = dt.datetime(2026, 11, 18, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def midweek_clock():
    """This process (the test and the app server's thread) at MIDWEEK_NOON, ticking on,
    for browser tests whose data depends on the day or the hour. The browser keeps its
    own clock; the cookies it gets carry Max-Age, which it counts from its own now, so
    a server clock in the past does not expire them."""
    with time_machine.travel(MIDWEEK_NOON, tick=True):
        yield MIDWEEK_NOON


@pytest.fixture
def app_server(transactional_db):
    """The app served over HTTP in a thread, static files through WhiteNoise as in
    production (hashed names from collectstatic), not through Django's finders."""
    with live_app_server() as url:
        yield url


@pytest.fixture
def page(chromium_path, app_server, settings):
    # The live server speaks plain HTTP; production cookies are Secure.
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    # Playwright's sync API runs an event loop in this thread; the test itself
    # still touches the ORM synchronously, which Django allows only when told.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import expect, sync_playwright

    # Assertions wait as long as actions do: a loaded CI machine answers an htmx
    # request (debounced by 300-400 ms) well within 10 s but not always within 5 s.
    expect.set_options(timeout=10_000)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS
        )
        context = browser.new_context(base_url=app_server, viewport={"width": 1280, "height": 900})
        context.set_default_timeout(10_000)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        yield page
        context.close()
        browser.close()
        # The test body ran inside Playwright's context; connections it opened
        # belong to that context and must be closed there, or PostgreSQL keeps a
        # session open and the test database cannot be dropped.
        connections.close_all()
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    assert not errors, f"JavaScript errors on the page: {errors}"


def sign_in(page, email: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/incidents/")


def open_section(page, name: str, *, link: str = "Edit") -> None:
    """Open a section of the review editor in place (its "Edit <label>" or "Write
    <label>" link; `link` may be "Write|Edit" when either will do) and wait until htmx
    has swapped the form in and settled, so that what is typed next reaches a form whose
    preview and autosave already listen, as a person, who cannot type that fast, would
    find it."""
    from playwright.sync_api import expect

    label = re.compile(rf"^({link}) {name.replace('_', ' ')}$")
    page.locator(f"#section-{name}").get_by_role("link", name=label).click()
    expect(page.locator(f"#section-{name}.doc-section--editing")).to_be_visible()
    # A locator, not wait_for_function: that polls through eval, which the page's
    # Content-Security-Policy refuses whenever the first check is not yet true.
    expect(page.locator(".htmx-request, .htmx-swapping, .htmx-settling")).to_have_count(0)

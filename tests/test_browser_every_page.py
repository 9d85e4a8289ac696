"""Every page, for every persona who may read it, in Chromium on a 390 px phone: nothing
scrolls sideways, and axe-core finds nothing serious or critical (WCAG 2 A and AA,
colour contrast included). Each page is checked once more at 1280 px wide.

The pages and personas are the permission table's (tests/core/test_permissions.py:
URLS, PERSONAS, its `objects` and `_expected`), so a page added there is checked here.
One Chromium and one app server serve the whole module; each case builds its rows in a
transaction that the server thread shares (as Django's test client would) and rolls
back, and signs its persona in by a session cookie, not the sign-in form. This works on
SQLite and PostgreSQL alike: the server never closes the shared connection, and it
answers one request at a time, so two requests never use that connection at once.
"""

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.servers.basehttp import ThreadedWSGIServer
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.test import Client
from django.test.testcases import LiveServerThread
from playwright.sync_api import Error as PlaywrightError

from tests.browser_support import CHROMIUM_ARGS, live_app_server, one_request_at_a_time
from tests.core.test_permissions import PERSONAS, URLS, _expected, _url
from tests.core.test_permissions import objects as objects  # the fixture, used by name

pytestmark = [pytest.mark.browser]

AXE = Path(__file__).parent / "browser_vendor" / "axe-core" / "axe.min.js"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
SERIOUS = {"serious", "critical"}

# Pages whose templates are being reworked elsewhere; each still fails here for the
# reason given. strict: once a page passes, its line must go.
KNOWN: dict[str, str] = {}

# (url name, persona): every GET page a persona may open (the open incident).
PAGES = [
    (name, persona)
    for name, method, access, _extra in URLS
    if method == "get"
    for persona in PERSONAS
    if _expected(persona, access, restricted=False) == "ok"
]
# Each page once at desktop width, as the first persona who may open it.
WIDE = list(dict.fromkeys(name for name, _ in PAGES))
FIRST_PERSONA = {name: next(p for n, p in PAGES if n == name) for name in WIDE}


def _case(name: str, persona: str, width: int) -> Any:
    marks = []
    reason = KNOWN.get(f"{name}@{width}") or KNOWN.get(f"{name}/{persona}@{width}")
    if reason:
        marks.append(pytest.mark.xfail(strict=True, reason=reason))
    return pytest.param(name, persona, id=f"{name}-{persona}-{width}", marks=marks)


@pytest.fixture(scope="module")
def _server(django_db_setup, django_db_blocker) -> Iterator[str]:
    """The app on a thread that shares this thread's database connection, so it sees
    each test's uncommitted rows. Like Django's test client, the server then must not
    close that connection at the end of a request: on PostgreSQL that would end the
    test's transaction, with its rows (an in-memory SQLite database ignores a close)."""
    with django_db_blocker.unblock():
        # At a request's start and end Django closes a connection whose autocommit is
        # off, as it is inside the test's transaction.
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        try:
            with live_app_server(SharedConnectionThread) as url:
                yield url
        finally:
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)


class SharedConnectionServer(ThreadedWSGIServer):
    """Django's threaded server, which closes every database connection of a thread
    once that thread's HTTP connection ends, except the ones it shares with the test."""

    connections_override: dict[str, BaseDatabaseWrapper] | None  # set by Django, not stubbed

    def _close_connections(self) -> None:
        shared = self.connections_override or {}
        for conn in connections.all(initialized_only=True):
            if shared.get(conn.alias) is not conn:
                conn.close()


class SharedConnectionThread(LiveServerThread):
    """Django's live server thread, on this thread's default database connection,
    answering the app's requests one at a time (each HTTP connection still gets its
    own thread). When it stops, after the module's last test and outside any test's
    transaction, it closes that connection; the next user opens it again."""

    server_class = SharedConnectionServer

    def __init__(self, host, static_handler, connections_override=None, port=0):
        default = connections["default"]
        default.inc_thread_sharing()
        shared = {**(connections_override or {}), "default": default}

        def wrap(app):
            return one_request_at_a_time(static_handler(app))

        # Any callable wraps the handler, as in live_app_server (the stubs want a class).
        super().__init__(host, wrap, shared, port)  # type: ignore[arg-type]

    # No dec_thread_sharing() on terminate: a request thread still answering may
    # touch the shared connection after the server stops.


@pytest.fixture(scope="module")
def _browser(chromium_path) -> Iterator[Any]:
    # Playwright's sync API runs an event loop in this thread; the tests still touch
    # the ORM synchronously, which Django allows only when told.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture
def visit(midweek_clock, _browser, _server, db, objects, request, settings):
    """visit(name, persona, viewport) opens the page as that persona and returns the
    Playwright page, with the response's status and content type checked. The clock
    is moved first, so the case's rows (due dates, comments, revisions) are made at
    the same instant the pages are rendered at, whatever the real date."""
    # The live server speaks plain HTTP; production cookies are Secure.
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    contexts = []

    def open_page(name: str, persona: str, viewport: dict[str, int]) -> Any:
        extra = next(x for n, method, _a, x in URLS if n == name and method == "get")
        url = _url(name, extra, objects)
        client = Client()
        client.force_login(request.getfixturevalue(persona))
        # The page's Content-Security-Policy forbids inline scripts; axe is injected as one.
        context = _browser.new_context(base_url=_server, viewport=viewport, bypass_csp=True)
        contexts.append(context)
        context.set_default_timeout(20_000)
        context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                    "url": _server,
                }
            ]
        )
        # Background requests (the editor's presence poll, and its "left" beacon when
        # the page closes) could reach the server after this case, on the connection
        # the next case is setting up: answered here, they never reach it.
        context.add_init_script("navigator.sendBeacon = function () { return true; };")
        context.route("**/postmortem/presence/", lambda route: route.fulfill(status=204))
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        try:
            response = page.goto(url)
        except PlaywrightError as error:
            if "Download is starting" in str(error):
                pytest.skip(f"{url} is a download, not a page")
            raise
        assert response is not None
        if response.request.redirected_from is not None:
            pytest.skip(f"{url} redirects to another page, checked under its own name")
        assert response.status == 200, f"GET {url} as {persona}: {response.status}"
        kind = response.headers.get("content-type", "")
        if not kind.startswith("text/html"):
            pytest.skip(f"{url} is not a page ({kind})")
        if not page.locator("main#main").count():
            pytest.skip(f"{url} is a fragment for htmx, not a page")
        assert not errors, f"JavaScript errors on {url}: {errors}"
        return page

    yield open_page
    for context in contexts:
        context.close()


def _axe_problems(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """async () => {
            const r = await axe.run(document, {
                runOnly: {type: "tag", values: ["wcag2a", "wcag2aa"]},
                rules: {"color-contrast": {enabled: true}},
                resultTypes: ["violations"],
            });
            return r.violations;
        }"""
    )
    problems = []
    for violation in result:
        if violation["impact"] not in SERIOUS:
            continue
        targets = [json.dumps(node["target"]) for node in violation["nodes"][:5]]
        problems.append(
            f"{violation['id']} ({violation['impact']}): {violation['help']}; "
            f"{len(violation['nodes'])} element(s), e.g. {', '.join(targets)}"
        )
    return problems


def _overflow(page) -> str:
    """What sticks out past the right edge, for the failure message."""
    return page.evaluate(
        """() => {
            const edge = window.innerWidth + 0.5;
            const clipped = (el) => {
                for (let up = el.parentElement; up; up = up.parentElement) {
                    const style = getComputedStyle(up);
                    if (style.overflowX !== "visible" && up.getBoundingClientRect().right <= edge) {
                        return true;
                    }
                }
                return false;
            };
            const out = [];
            for (const el of document.querySelectorAll("body *")) {
                const box = el.getBoundingClientRect();
                const parent = el.parentElement;
                const parentRight = parent.getBoundingClientRect().right;
                if (box.width > 0 && box.right > edge && parentRight <= edge && !clipped(el)) {
                    const name = typeof el.className === "string" && el.className.trim()
                        ? "." + el.className.trim().split(/\\s+/).join(".") : "";
                    const right = Math.round(box.right);
                    out.push(`${el.tagName.toLowerCase()}${name} (right edge ${right} px)`);
                }
            }
            return out.slice(0, 8).join("; ");
        }"""
    )


@pytest.mark.parametrize(("name", "persona"), [_case(n, p, 390) for n, p in PAGES])
def test_every_page_fits_a_phone_and_passes_axe(visit, name, persona):
    page = visit(name, persona, PHONE)
    width = page.evaluate("document.documentElement.scrollWidth")
    inner = page.evaluate("window.innerWidth")
    problems = []
    if width > inner:
        problems.append(
            f"scrolls sideways: {width} px wide in a {inner} px window: {_overflow(page)}"
        )
    problems += _axe_problems(page)
    assert not problems, f"{name} as {persona} at 390 px:\n" + "\n".join(problems)


@pytest.mark.parametrize(("name", "persona"), [_case(n, FIRST_PERSONA[n], 1280) for n in WIDE])
def test_every_page_passes_axe_at_desktop_width(visit, name, persona):
    page = visit(name, persona, DESKTOP)
    problems = _axe_problems(page)
    assert not problems, f"{name} as {persona} at 1280 px:\n" + "\n".join(problems)

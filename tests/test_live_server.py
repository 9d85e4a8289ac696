"""The live server that browser tests drive, and a test's own statements beside it."""

import asyncio
import threading
import time

import pytest
from django.db import connections, transaction

from accounts.models import Team
from tests.browser_support import REQUESTS, live_app_server
from tests.factories import TeamFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_tests_own_write_waits_for_the_request_in_progress(monkeypatch):
    """Playwright's sync API keeps an event loop running in the test's thread, so
    Django gives the test's statements a connection of their own (a thread-critical
    connection is per task while a loop runs). On an in-memory SQLite database a write
    from it used to fail at once ("database table is locked") while a request held
    the table."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # as the page fixture does
    with live_app_server():
        served = connections["default"]  # the connection the server's threads share
        started = threading.Event()
        failures: list[BaseException] = []

        def request() -> None:
            if served.vendor == "sqlite":
                connections["default"] = served
            try:
                with REQUESTS, transaction.atomic():
                    TeamFactory(name="Written by a request")
                    started.set()
                    time.sleep(0.3)
            except BaseException as error:  # reported by the test, after the join
                failures.append(error)
            finally:
                started.set()
                if connections["default"] is not served:
                    connections["default"].close()

        async def the_tests_own_write() -> None:
            assert connections["default"] is not served
            try:
                TeamFactory(name="Written by the test")
            finally:
                connections["default"].close()

        answering = threading.Thread(target=request)
        answering.start()
        started.wait()
        asyncio.run(the_tests_own_write())
        answering.join()

    assert not failures
    assert set(Team.objects.values_list("name", flat=True)) >= {
        "Written by a request",
        "Written by the test",
    }

"""The Celery integration tests' broker: a redis-server of each test's own, and the
instant they run at."""

import datetime as dt

import pytest
import time_machine

from tests.conftest import _missing
from tests.integration.celery_processes import RedisServer, stop_all
from tests.smtp_capture import free_port


@pytest.fixture
def own_redis(postgres, tmp_path):
    """A broker of this test's own (celery_processes.RedisServer says why). At the end,
    every worker and beat the test left running is stopped, before the test database
    is emptied and before the broker goes."""
    binary = RedisServer.which()
    if not binary:
        _missing("redis-server", "REQUIRE_REDIS")
    server = RedisServer(binary, free_port(), tmp_path)
    yield server
    stop_all()
    server.stop()


@pytest.fixture
def redis_url(own_redis) -> str:
    return own_redis.url


# A Wednesday morning, far from midnight, a weekend or a DST change in any zone the
# tests use: what the reminders count in hours and days cannot depend on the real date.
INSTANT = dt.datetime(2026, 11, 18, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def instant():
    """This process at INSTANT, ticking on; the tests start their worker and beat at
    it too (celery_at_clock.py), so all of them read one clock."""
    with time_machine.travel(INSTANT, tick=True):
        yield INSTANT

"""The Celery integration tests' broker: a redis-server of each test's own."""

import pytest

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

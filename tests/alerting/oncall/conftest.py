"""Fixtures of the on-call tests: the clock frozen at support.NOW for every test (a test
may move it further with support.frozen), and the API client shared with tests/api."""

import pytest

from tests.alerting.oncall.support import frozen
from tests.api.conftest import api_as  # noqa: F401 - re-exported as a fixture here


@pytest.fixture(autouse=True)
def _frozen_clock():
    with frozen():
        yield

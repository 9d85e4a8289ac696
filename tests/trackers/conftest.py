import datetime as dt

import pytest
import time_machine

from postmortems.trackers.adapters import http
from postmortems.trackers.models import TrackerConnection
from tests.trackers.fake_github import FakeGitHub

# A Wednesday morning: the sync compares the tracker's times with the item's changes,
# and the reminders and due dates around them count days; nothing here may depend on
# the real date. Tests that move the clock further travel from here.
INSTANT = dt.datetime(2026, 11, 18, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def tracker_clock():
    """Every tracker test at INSTANT, ticking on: the fake tracker's clock
    (fake_github.py) and the outbox's due rows (support.py) read this one."""
    with time_machine.travel(INSTANT, tick=True):
        yield INSTANT


@pytest.fixture
def github(monkeypatch) -> FakeGitHub:
    fake = FakeGitHub()
    monkeypatch.setattr(http, "send", fake)
    return fake


@pytest.fixture
def connection(team, lead) -> TrackerConnection:
    return TrackerConnection.objects.create(
        team=team,
        kind="github",
        base_url="https://api.github.com",
        project="acme/api",
        token="github_pat_secret_token",
        webhook_secret="It's a Secret to Everybody",
        created_by=lead,
    )

import pytest

from postmortems.trackers.adapters import http
from postmortems.trackers.models import TrackerConnection
from tests.trackers.fake_github import FakeGitHub


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

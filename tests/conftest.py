import os
import shutil
from typing import NoReturn

import pytest
from django.db import connection

from accounts.models import Membership
from tests.factories import (
    IncidentFactory,
    MembershipFactory,
    PostmortemFactory,
    TeamFactory,
    UserFactory,
)

pytest_plugins = ["tests.browser_support", "tests.smtp_capture", "tests.sso_support"]


def _missing(what: str, requirement: str) -> NoReturn:
    """Skip on a laptop that lacks `what`, and say so; fail where CI requires it.

    CI sets REQUIRE_BROWSER=1, REQUIRE_POSTGRES=1 and REQUIRE_ALERTMANAGER=1, so a
    missing browser, database or Alertmanager fails the run instead of being skipped
    silently.
    """
    if os.environ.get(requirement):
        pytest.fail(f"{what} is required here ({requirement}=1) but missing.")
    pytest.skip(f"{what} is missing: skipped (set {requirement}=1 to make this a failure).")


@pytest.fixture(autouse=True, scope="session")
def _in_memory_broker():
    """Unit tests run tasks explicitly (task.apply). Whatever they enqueue goes to an
    in-memory broker, never to a real queue that a developer's or CI's worker reads.
    Integration tests start their own worker and beat on the configured broker."""
    from config.celery import app

    configured = app.conf.broker_url
    app.conf["broker_url"] = "memory://"
    yield
    app.conf["broker_url"] = configured


@pytest.fixture(autouse=True)
def _empty_cache():
    """Rate limits count in the cache (accounts/rate_limits.py): each test starts at 0."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:
    """Real hashing costs ~0.2 s per user; tests need many users, not slow hashes."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def postgres(db) -> None:
    """For tests of PostgreSQL-only behaviour."""
    if connection.vendor != "postgresql":
        _missing("PostgreSQL (DATABASE_URL=postgres://...)", "REQUIRE_POSTGRES")


@pytest.fixture
def team(db):
    return TeamFactory(name="Platform", slug="platform")


@pytest.fixture
def other_team(db):
    return TeamFactory(name="Payments", slug="payments")


@pytest.fixture
def owner(team):
    """A team member who owns the incident."""
    return MembershipFactory(team=team, user__display_name="Olivia Owner").user


@pytest.fixture
def teammate(team):
    return MembershipFactory(team=team, user__display_name="Tariq Teammate").user


@pytest.fixture
def lead(team):
    return MembershipFactory(
        team=team, role=Membership.Role.LEAD, user__display_name="Lena Lead"
    ).user


@pytest.fixture
def outsider(other_team):
    return MembershipFactory(team=other_team, user__display_name="Oscar Outsider").user


@pytest.fixture
def author(other_team):
    """From another team, but named an author of the postmortem."""
    return MembershipFactory(team=other_team, user__display_name="Ada Author").user


@pytest.fixture
def admin_user(db):
    return UserFactory(display_name="Ari Admin", is_staff=True, is_superuser=True)


@pytest.fixture
def incident(team, owner):
    return IncidentFactory(team=team, owner=owner)


@pytest.fixture
def postmortem(incident, author):
    pm = PostmortemFactory(incident=incident)
    pm.authors.add(author)
    return pm


# Session-scoped so a module may share one browser (tests/test_browser_every_page.py).
@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path:
        return path
    _missing("Chromium (apt-get install chromium)", "REQUIRE_BROWSER")
    return ""


@pytest.fixture
def alertmanager_path() -> str:
    """The real Prometheus Alertmanager (Debian's package), for the webhook tests."""
    path = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")
    if path:
        return path
    _missing("Alertmanager (apt-get install prometheus-alertmanager)", "REQUIRE_ALERTMANAGER")
    return ""

"""The dashboard's months come from stored rollups, with the same numbers: settled
months until the hourly refresh, the months still moving for HEALTH_LIVE_SECONDS."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from postmortems.insights.health import (
    refresh_rollups,
    review_health,
    review_health_refreshing_rollups,
)
from postmortems.insights.tasks import refresh_health_rollups
from postmortems.models import HealthRollup, Incident
from tests.factories import ActionItemFactory, IncidentFactory, PostmortemFactory, TeamFactory

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 5, 12, 0, tzinfo=dt.UTC)  # October settles on Nov 9
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def history(team):
    """Incidents, reviews and items spread over the last months, one per week."""
    for week in range(40):
        started = NOW - dt.timedelta(days=7 * week + 1, hours=week % 5)
        incident = IncidentFactory(
            team=team,
            severity=f"SEV{week % 4 + 1}",
            started_at=started,
            detected_at=started + dt.timedelta(minutes=5 + week),
            resolved_at=started + dt.timedelta(hours=1 + week % 3),
        )
        postmortem = PostmortemFactory(
            incident=incident, created_at=started + dt.timedelta(hours=3 + 4 * (week % 9))
        )
        done = week % 3 != 0
        ActionItemFactory(
            postmortem=postmortem,
            created_at=started + dt.timedelta(days=1),
            due_date=(started + dt.timedelta(days=10)).date(),
            status="done" if done else "open",
            completed_at=started + dt.timedelta(days=8 + week % 5) if done else None,
        )
    return team


def _numbers(months):
    return [vars(month) for month in months]


def test_rollups_give_the_live_numbers_and_are_read_back(admin_user, history, other_team):
    IncidentFactory(team=other_team, started_at=NOW - dt.timedelta(days=60))
    for teams in ([history], None):
        stored_before = HealthRollup.objects.count()
        live = review_health(user=admin_user, teams=teams, now=NOW, tz=BERLIN)
        assert HealthRollup.objects.count() == stored_before  # review_health() writes nothing
        stored = review_health_refreshing_rollups(user=admin_user, teams=teams, now=NOW, tz=BERLIN)
        again = review_health_refreshing_rollups(user=admin_user, teams=teams, now=NOW, tz=BERLIN)
        assert _numbers(stored) == _numbers(live)
        assert _numbers(again) == _numbers(live)
        assert sum(month.incidents for month in live) > 30

    # All twelve months are stored: Dec 2025 .. Sep 2026 settled, October (ended 4 days
    # ago) and November still moving.
    months = HealthRollup.objects.filter(scope=f"team:{history.pk}").values_list("month", flat=True)
    assert sorted(months) == [dt.date(2025, 12, 1)] + [dt.date(2026, m, 1) for m in range(1, 12)]
    assert HealthRollup.objects.filter(scope="all", time_zone="Europe/Berlin").count() == 12


def _by_key(user, team, now=NOW):
    months = review_health_refreshing_rollups(user=user, teams=[team], now=now, tz=BERLIN)
    return {month.key: month for month in months}


def test_a_settled_month_changes_at_the_next_refresh_this_month_after_a_while(
    admin_user, history, settings
):
    settings.HEALTH_LIVE_SECONDS = 300
    before = _by_key(admin_user, history)
    old = Incident.objects.filter(started_at__month=8, started_at__year=2026).first()
    Incident.objects.filter(pk=old.pk).update(severity="SEV1" if old.severity != "SEV1" else "SEV2")
    IncidentFactory(team=history, severity="SEV1", started_at=NOW - dt.timedelta(hours=2))

    soon = _by_key(admin_user, history, NOW + dt.timedelta(seconds=299))
    assert soon["2026-08"].by_severity == before["2026-08"].by_severity  # stored
    assert soon["2026-11"].incidents == before["2026-11"].incidents  # stored a moment ago

    later = _by_key(admin_user, history, NOW + dt.timedelta(seconds=300))
    assert later["2026-08"].by_severity == before["2026-08"].by_severity  # settled: stored
    assert later["2026-11"].incidents == before["2026-11"].incidents + 1  # recounted

    with time_machine.travel(NOW, tick=False):
        assert refresh_health_rollups() == 10  # Dec 2025 .. Sep 2026
    refreshed = _by_key(admin_user, history)
    assert refreshed["2026-08"].by_severity != before["2026-08"].by_severity
    assert refreshed["2026-08"].incidents == before["2026-08"].incidents


def test_a_month_stored_while_moving_is_recounted_once_it_settles(admin_user, history, settings):
    settings.HEALTH_LIVE_SECONDS = 10**6  # even so: numbers from before it settled
    before = _by_key(admin_user, history)
    IncidentFactory(team=history, started_at=dt.datetime(2026, 10, 20, tzinfo=dt.UTC))

    assert _by_key(admin_user, history)["2026-10"].incidents == before["2026-10"].incidents
    settled = _by_key(admin_user, history, dt.datetime(2026, 11, 10, tzinfo=dt.UTC))
    assert settled["2026-10"].incidents == before["2026-10"].incidents + 1
    stored = HealthRollup.objects.get(scope=f"team:{history.pk}", month=dt.date(2026, 10, 1))
    assert stored.computed_at == dt.datetime(2026, 11, 10, tzinfo=dt.UTC)


def test_refresh_drops_months_past_the_window_and_teams_that_are_gone(admin_user, history):
    gone = TeamFactory()
    HealthRollup.objects.create(
        scope=f"team:{gone.pk}", time_zone="UTC", month=dt.date(2026, 1, 1), numbers={}
    )
    HealthRollup.objects.create(scope="all", time_zone="UTC", month=dt.date(2024, 1, 1), numbers={})
    gone.delete()

    refresh_rollups(now=NOW)

    assert not HealthRollup.objects.filter(scope=f"team:{gone.pk}").exists()
    assert not HealthRollup.objects.filter(month=dt.date(2024, 1, 1)).exists()

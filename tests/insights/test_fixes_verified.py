"""Review health's "fixes verified": of the done items whose outcome is due, the share
whose fix worked, by the month they were done, next to "done on time"."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from postmortems.insights.dashboard_charts import health_charts
from postmortems.insights.health import review_health, review_health_refreshing_rollups
from postmortems.models import HealthRollup
from tests.factories import ActionItemFactory, IncidentFactory, PostmortemFactory

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC)
UTC = ZoneInfo("UTC")
DONE_AT = dt.datetime(2026, 10, 10, 12, 0, tzinfo=dt.UTC)  # October
PAST, FUTURE = dt.date(2026, 10, 24), dt.date(2026, 11, 30)


@pytest.fixture
def october(team):
    postmortem = PostmortemFactory(
        incident=IncidentFactory(team=team, started_at=DONE_AT - dt.timedelta(days=9))
    )

    def done(verify_on, outcome=""):
        return ActionItemFactory(
            postmortem=postmortem,
            status="done",
            completed_at=DONE_AT,
            due_date=dt.date(2026, 10, 15),
            verify_on=verify_on,
            outcome=outcome,
            outcome_at=DONE_AT + dt.timedelta(days=14) if outcome else None,
        )

    done(PAST, "worked")
    done(PAST, "worked")
    done(PAST, "did_not_work")
    done(PAST, "cannot_tell")
    done(PAST)  # its date has come, nobody said: not verified
    done(FUTURE, "worked")  # recorded before its date: counted
    done(FUTURE)  # its date has not come: not counted yet
    done(None)  # done before verification dates: not counted
    return team


def _october(months):
    [month] = [m for m in months if m.start == dt.date(2026, 10, 1)]
    return month


def test_fixes_verified_counts_the_done_items_whose_outcome_is_due(admin_user, october):
    month = _october(review_health(user=admin_user, teams=[october], now=NOW, tz=UTC))
    assert (month.items_verify_due, month.items_verified) == (6, 3)
    assert month.verified_share == 0.5
    assert month.on_time_share == 1.0


def test_the_chart_shows_it_next_to_done_on_time(admin_user, october):
    months = review_health(user=admin_user, teams=[october], now=NOW, tz=UTC)
    [chart] = [c for c in health_charts(months, team="platform") if c.id == "chart-on-time"]
    names = [series.name for series in chart.series]
    assert names == ["done on time", "fixes verified"]


def test_a_rollup_stored_before_the_number_existed_is_counted_again(admin_user, october):
    with time_machine.travel(NOW, tick=False):
        review_health_refreshing_rollups(user=admin_user, teams=[october], now=NOW, tz=UTC)
        rollup = HealthRollup.objects.get(month=dt.date(2026, 10, 1), scope=f"team:{october.pk}")
        for name in ("items_verify_due", "items_verified"):
            del rollup.numbers[name]
        rollup.save()
        months = review_health_refreshing_rollups(user=admin_user, teams=[october], now=NOW, tz=UTC)
    assert _october(months).verified_share == 0.5
    rollup.refresh_from_db()
    assert rollup.numbers["items_verified"] == 3

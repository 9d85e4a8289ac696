"""Each rule's numbers over a window and the verdict they give (quality/criteria.py)."""

import datetime as dt

import pytest

from postmortems.alerting.quality.criteria import Verdict
from postmortems.alerting.quality.selectors import rule_quality
from tests.factories import (
    BASE_TIME,
    AlertRuleFactory,
    FiringFactory,
    IncidentFactory,
    TeamFactory,
)

pytestmark = pytest.mark.django_db

SINCE = BASE_TIME - dt.timedelta(days=30)
UNTIL = BASE_TIME + dt.timedelta(days=1)


def quality(team, django_assert_num_queries, queries=4):
    with django_assert_num_queries(queries):
        return {q.rule.name: q for q in rule_quality(team_ids=[team.pk], since=SINCE, until=UNTIL)}


def test_a_rule_paging_at_night_for_nothing_is_noisy_and_heaviest(django_assert_num_queries):
    team = TeamFactory()
    noisy = AlertRuleFactory(integration__team=team, name="CPUHigh")
    for hour in range(6):
        FiringFactory(
            rule=noisy,
            fired_at=BASE_TIME - dt.timedelta(hours=hour),
            out_of_hours=True,
            at_night=True,
            channel="phone",
            acted_on=False,
        )
    good = AlertRuleFactory(integration=noisy.integration, name="CheckoutErrors")
    incident = IncidentFactory(team=team, severity="SEV1", started_at=BASE_TIME)
    FiringFactory(rule=good, fired_at=BASE_TIME, incident=incident, acted_on=True)

    found = quality(team, django_assert_num_queries)

    assert list(found) == ["CPUHigh", "CheckoutErrors"]  # by load: 6 night pages x 3
    assert found["CPUHigh"].numbers.load == 18
    assert found["CPUHigh"].problems == [Verdict.NOISY, Verdict.MISPRIORITIZED]
    assert found["CPUHigh"].numbers.wasted_pages == 6
    assert found["CheckoutErrors"].verdict == Verdict.HEALTHY
    assert found["CheckoutErrors"].numbers.actionable_share == 1


def test_no_runbook_late_and_wrong_severity(django_assert_num_queries):
    team = TeamFactory()
    rule = AlertRuleFactory(integration__team=team, name="QueueDepth", runbook_url="")
    for day in range(2):
        incident = IncidentFactory(
            team=team, severity="SEV3", started_at=BASE_TIME - dt.timedelta(days=day, hours=1)
        )
        FiringFactory(
            rule=rule,
            runbook_url="",
            fired_at=BASE_TIME - dt.timedelta(days=day),
            incident=incident,
            acted_on=True,
            severity="SEV1",
        )

    found = quality(team, django_assert_num_queries)["QueueDepth"]

    assert found.problems == [Verdict.MISPRIORITIZED, Verdict.NEEDS_RUNBOOK, Verdict.LATE]
    assert found.numbers.median_delay == dt.timedelta(hours=1)
    assert found.numbers.late == 2
    assert found.numbers.mismatched == 2
    assert found.numbers.runbook_share == 0


def test_other_teams_and_firings_outside_the_window_do_not_count(django_assert_num_queries):
    team, other = TeamFactory(), TeamFactory()
    rule = AlertRuleFactory(integration__team=team, name="Mine")
    FiringFactory(rule=rule, fired_at=SINCE - dt.timedelta(seconds=1))
    FiringFactory(rule=rule, fired_at=UNTIL)
    FiringFactory(rule=AlertRuleFactory(integration__team=other), fired_at=BASE_TIME)

    assert quality(team, django_assert_num_queries, queries=1) == {}

"""A team's alert history as the pages, the command and the API read it: a noisy rule,
one without a runbook, a healthy one, and one tied to a restricted incident of another
team (which the team's lead and staff may not see). Time is frozen an hour after the
last firing."""

import datetime as dt

import pytest
import time_machine

from tests.factories import (
    BASE_TIME,
    AlertIntegrationFactory,
    AlertRuleFactory,
    FiringFactory,
    IncidentFactory,
    UserFactory,
)

NOW = BASE_TIME + dt.timedelta(hours=1)
SECRET_TITLE = "Payroll export leaked salaries"


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def staff(db):
    """Staff, not an admin and in no team: sees every team's alerts, but not restricted
    incidents of teams they are not in."""
    return UserFactory(display_name="Sam Staff", is_staff=True)


@pytest.fixture
def history(team, other_team):
    integration = AlertIntegrationFactory(team=team, name="Prometheus production")
    noisy = AlertRuleFactory(integration=integration, name="CPUHigh")
    for hour in range(6):
        FiringFactory(
            rule=noisy,
            fired_at=BASE_TIME - dt.timedelta(hours=2 + hour),
            out_of_hours=True,
            at_night=True,
            acted_on=False,
        )
    no_runbook = AlertRuleFactory(integration=integration, name="QueueDepth", runbook_url="")
    for day in (1, 20):
        FiringFactory(
            rule=no_runbook,
            fired_at=BASE_TIME - dt.timedelta(days=day),
            channel="chat",
            acted_on=True,
        )
    healthy = AlertRuleFactory(integration=integration, name="CheckoutErrors")
    visible = IncidentFactory(team=team, title="Checkout errors", started_at=BASE_TIME)
    FiringFactory(rule=healthy, fired_at=BASE_TIME, incident=visible, acted_on=True)
    hidden_rule = AlertRuleFactory(integration=integration, name="PayrollExport")
    secret = IncidentFactory(
        team=other_team, title=SECRET_TITLE, restricted=True, started_at=BASE_TIME
    )
    FiringFactory(
        rule=hidden_rule,
        fired_at=BASE_TIME,
        incident=secret,
        acted_on=True,
        channel="chat",
        severity="SEV2",
    )
    other_rule = AlertRuleFactory(integration__team=other_team, name="OtherTeamsRule")
    FiringFactory(rule=other_rule, fired_at=BASE_TIME)
    return {
        "noisy": noisy,
        "no_runbook": no_runbook,
        "healthy": healthy,
        "hidden": hidden_rule,
        "other": other_rule,
        "visible": visible,
        "secret": secret,
    }

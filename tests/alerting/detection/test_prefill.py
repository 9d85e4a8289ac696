"""The detection review pre-filled from the data: per rule and criterion a suggested
pass or fail and the evidence in words (detection/prefill.py, services.py)."""

import datetime as dt

import pytest
import time_machine

from postmortems.alerting.detection.models import DetectionAnswer
from postmortems.alerting.detection.services import detection_review_refresh, incident_firings
from tests.alerting.detection.support import STARTED, berlin_policy, incident_with_alert
from tests.factories import FiringFactory, ServiceFactory

pytestmark = pytest.mark.django_db

NOW = STARTED + dt.timedelta(days=1)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def answers(review) -> dict[str, DetectionAnswer]:
    return {a.criterion: a for a in review.answers.all()}


def test_each_criterion_is_worded_from_the_data_in_the_teams_zone(team):
    berlin_policy(team)
    postmortem, _rule = incident_with_alert(team, ended="SEV3", minutes=12, count=3)

    found = answers(detection_review_refresh(postmortem=postmortem))

    assert {c: (a.suggested, a.evidence) for c, a in found.items()} == {
        "runbook": (True, "3 of 3 firings carried a runbook link"),
        "actionable": (True, "3 of 3 firings led to something a person did"),
        "timely": (True, "fired 12 minutes after the incident started; late after 15"),
        # 02:12 UTC is 03:12 in Berlin.
        "priority": (False, "paged at 03:12 (out of hours) for an incident that ended SEV3"),
    }
    assert all(a.passed is None and a.rule_name == "DiskAlmostFull" for a in found.values())


def test_a_late_alert_without_a_runbook_sent_at_the_wrong_severity(team):
    berlin_policy(team)
    postmortem, _rule = incident_with_alert(
        team,
        ended="SEV2",
        minutes=40,
        runbook_url="",
        severity="SEV1",
        severity_sent="critical",
        out_of_hours=False,
        acted_on=False,
    )

    found = answers(detection_review_refresh(postmortem=postmortem))

    assert (found["runbook"].suggested, found["runbook"].evidence) == (False, "no runbook link")
    assert found["actionable"].evidence == "it resolved by itself, untouched"
    assert not found["actionable"].suggested
    assert found["timely"].evidence == "fired 40 minutes after the incident started; late after 15"
    assert not found["timely"].suggested
    assert (found["priority"].suggested, found["priority"].evidence) == (
        False,
        "sent as SEV1, ended SEV2",
    )


def test_suggestions_refresh_until_answered_and_answers_are_kept(team):
    berlin_policy(team)
    postmortem, rule = incident_with_alert(team, ended="SEV3", runbook_url="")
    review = detection_review_refresh(postmortem=postmortem)
    runbook = answers(review)["runbook"]
    DetectionAnswer.objects.filter(pk=answers(review)["timely"].pk).update(
        passed=False, note="we saw it on a dashboard first"
    )
    FiringFactory(
        rule=rule,
        incident=postmortem.incident,
        fired_at=STARTED + dt.timedelta(minutes=50),
        runbook_url="https://runbooks.example.com/disk",
    )

    again = answers(detection_review_refresh(postmortem=postmortem))

    assert again["runbook"].pk == runbook.pk  # get-or-create: the same row
    assert again["runbook"].evidence == "1 of 2 firings carried a runbook link"
    assert (again["timely"].passed, again["timely"].note) == (
        False,
        "we saw it on a dashboard first",
    )
    assert DetectionAnswer.objects.count() == 4


def test_refreshing_what_is_up_to_date_writes_nothing(team, django_assert_num_queries):
    berlin_policy(team)
    postmortem, _rule = incident_with_alert(team)
    detection_review_refresh(postmortem=postmortem)

    # The firings, the policy, the review, its answers.
    with django_assert_num_queries(4):
        detection_review_refresh(postmortem=postmortem)


def test_an_incident_no_alert_caught_suggests_an_alert_on_its_services(team):
    from postmortems.alerting.detection.pages import detection_section
    from tests.factories import IncidentFactory, PostmortemFactory

    incident = IncidentFactory(team=team, started_at=STARTED)
    incident.services.set([ServiceFactory(name="Checkout", slug="checkout")])
    postmortem = PostmortemFactory(incident=incident)

    section = detection_section(postmortem=postmortem)

    assert section.no_alert
    assert section.suggestion == "Alert on `checkout` error rate"
    assert section.found_form.initial["suggested_alert"] == "Alert on `checkout` error rate"
    assert section.missing == ["Say how the incident was found"]


def test_an_incidents_firings_share_one_rule_and_integration_read_with_them(
    team, django_assert_num_queries
):
    postmortem, rule = incident_with_alert(team, count=3)
    rule.integration.severity_map = {"warning": "SEV3"}
    rule.integration.save(update_fields=["severity_map"])
    with django_assert_num_queries(1):
        firings = incident_firings(postmortem.incident)
        assert {f.rule.name for f in firings} == {"DiskAlmostFull"}
        assert {id(f.rule) for f in firings} == {id(firings[0].rule)}
        assert {id(f.integration) for f in firings} == {id(firings[0].integration)}
        assert firings[0].integration.severity_map == {"warning": "SEV3"}
        assert firings[0].rule.pk == rule.pk
    # Another column is read when asked for, as the database holds it.
    with django_assert_num_queries(1):
        assert firings[0].rule.team_id == rule.team_id

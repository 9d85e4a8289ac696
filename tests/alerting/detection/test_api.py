"""The detection review in the postmortem's API representation, and its answers
PATCHed with the same conflict rule as the API's other writes."""

import pytest
from django.urls import reverse

from postmortems.alerting.detection.models import DetectionAnswer
from postmortems.alerting.detection.services import detection_review_refresh
from postmortems.models import Firing
from tests.alerting.detection.support import berlin_policy, incident_with_alert
from tests.api.conftest import api_as  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewed(team, owner):
    berlin_policy(team)
    postmortem, _rule = incident_with_alert(team)
    detection_review_refresh(postmortem=postmortem)
    return postmortem


def answer_url(postmortem, answer):
    return reverse("pm-api:detection-answer", args=[postmortem.incident.number, answer.pk])


def test_the_postmortem_shows_its_detection_review(api_as, reviewed):  # noqa: F811
    body = api_as("owner").get(reverse("pm-api:postmortem", args=[reviewed.incident.number])).json()

    detection = body["detection"]
    assert (detection["found_by"], detection["reviewed_at"], detection["revision"]) == ("", None, 0)
    runbook = next(a for a in detection["answers"] if a["criterion"] == "runbook")
    assert runbook == {
        "id": DetectionAnswer.objects.get(criterion="runbook").pk,
        "rule": "DiskAlmostFull",
        "criterion": "runbook",
        "suggested": True,
        "evidence": "1 of 1 firing carried a runbook link",
        "passed": None,
        "note": "",
        "action_item": None,
    }
    check = next(c for c in body["checks"] if c["name"] == "detection")
    assert (check["passed"], check["required"]) == (False, False)  # SEV3: advisory


def test_an_answer_is_saved_and_a_stale_one_answers_409(api_as, reviewed):  # noqa: F811
    actionable = DetectionAnswer.objects.get(criterion="actionable")
    api = api_as("owner")

    saved = api.patch(
        answer_url(reviewed, actionable),
        {"passed": False, "note": "it cleans itself up", "revision": 0},
    )
    stale = api_as("teammate").patch(
        answer_url(reviewed, actionable), {"passed": True, "revision": 0}
    )

    assert saved.status_code == 200
    assert saved.json()["revision"] == 1
    assert saved.json()["answer"]["passed"] is False
    assert Firing.objects.get().judged_actionable is False
    assert stale.status_code == 409
    current = next(a for a in stale.json()["current"]["answers"] if a["criterion"] == "actionable")
    assert (current["passed"], current["note"]) == (False, "it cleans itself up")
    assert DetectionAnswer.objects.get(criterion="actionable").passed is False


def test_an_answer_of_another_review_is_not_found(api_as, reviewed, team):  # noqa: F811
    other, _rule = incident_with_alert(team)
    detection_review_refresh(postmortem=other)
    foreign = DetectionAnswer.objects.filter(review__postmortem=other).first()

    response = api_as("owner").patch(answer_url(reviewed, foreign), {"passed": True, "revision": 0})

    assert response.status_code == 404

"""Two authors at once, on PostgreSQL: two answers from the same revision (one is
saved, the other sees a conflict, never a 5xx), and two clicks on "Create action item"
(one item)."""

import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from postmortems.alerting.detection.models import DetectionAnswer, DetectionReview
from postmortems.alerting.detection.services import detection_review_refresh
from postmortems.models import ActionItem
from tests.alerting.detection.support import berlin_policy, incident_with_alert

pytestmark = pytest.mark.django_db(transaction=True)


def race(*requests):
    """Send the requests from threads released together; their responses in order."""
    barrier = threading.Barrier(len(requests))
    responses: list = [None] * len(requests)

    def send(index, user, path, data):
        client = Client()
        client.force_login(user)
        try:
            barrier.wait()
            responses[index] = client.post(path, data)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=send, args=(index, *request))
        for index, request in enumerate(requests)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return responses


@pytest.fixture
def reviewed(postgres, team):
    berlin_policy(team)
    postmortem, _rule = incident_with_alert(team)
    detection_review_refresh(postmortem=postmortem)
    return postmortem


def test_two_answers_from_the_same_revision_one_saved_one_shown_the_conflict(
    reviewed, owner, teammate
):
    runbook = DetectionAnswer.objects.get(criterion="runbook")
    path = reverse("pm-detection-answer", args=[reviewed.incident.number, runbook.pk])
    prefix = f"answer-{runbook.pk}"

    def answer(passed, note):
        return {f"{prefix}-passed": passed, f"{prefix}-note": note, f"{prefix}-revision": "0"}

    for _round in range(3):
        DetectionAnswer.objects.filter(pk=runbook.pk).update(passed=None, note="")
        DetectionReview.objects.update(revision=0)
        responses = race(
            (owner, path, answer("no", "the runbook was out of date")),
            (teammate, path, answer("yes", "it was fine")),
        )

        assert sorted(r.status_code for r in responses) == [200, 302]
        conflicted = next(r for r in responses if r.status_code == 200)
        assert "Someone else saved the detection review" in conflicted.content.decode()
        saved = DetectionAnswer.objects.get(pk=runbook.pk)
        winner = next(r for r in responses if r.status_code == 302)
        expected = ("no" if responses.index(winner) == 0 else "yes") == "yes"
        assert saved.passed is expected


def test_two_clicks_on_create_action_item_make_one_item(reviewed, owner, teammate):
    priority = DetectionAnswer.objects.get(criterion="priority")
    path = reverse("pm-detection-action", args=[reviewed.incident.number, priority.pk])

    responses = race((owner, path, {}), (teammate, path, {}), (owner, path, {}))

    assert [r.status_code for r in responses] == [302, 302, 302]
    item = ActionItem.objects.get()
    assert DetectionAnswer.objects.get(pk=priority.pk).action_item == item

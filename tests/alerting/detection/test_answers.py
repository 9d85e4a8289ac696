"""The authors confirm or correct each criterion; their judgment of "actionable" counts
in the rule's verdict; a failing criterion becomes a detect action item in one step."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError

from postmortems.alerting.detection.models import DetectionReview
from postmortems.alerting.detection.services import (
    DetectionConflict,
    detection_action_create,
    detection_answer_save,
    detection_found_save,
    detection_no_alert_action_create,
    detection_review_mark,
    detection_review_refresh,
    firing_link,
)
from postmortems.alerting.quality.selectors import rule_quality
from postmortems.models import ActionItem, Firing
from tests.alerting.detection.support import STARTED, berlin_policy, incident_with_alert
from tests.factories import (
    AlertRuleFactory,
    FiringFactory,
    IncidentFactory,
    PostmortemFactory,
    ServiceFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

# 23:30 UTC on Nov 3 is 08:30 on Nov 4 in Tokyo: the clicker's today.
NOW = dt.datetime(2026, 11, 3, 23, 30, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def answer_of(review, criterion):
    answer = next(a for a in review.answers.all() if a.criterion == criterion)
    answer.review = review
    return answer


def test_answering_actionable_no_counts_in_the_rules_verdict(team, owner):
    berlin_policy(team)
    postmortem, _rule = incident_with_alert(team, count=4, acted_on=True)
    review = detection_review_refresh(postmortem=postmortem)

    def actionable_share():
        (found,) = rule_quality(
            team_ids=[team.pk], since=STARTED, until=STARTED + dt.timedelta(days=1)
        )
        return found.numbers.actionable_share

    assert actionable_share() == 1
    detection_answer_save(
        answer=answer_of(review, "actionable"),
        passed=False,
        note="it paged for a disk that cleans itself up",
        by=owner,
        expected_revision=0,
    )

    assert set(Firing.objects.values_list("judged_actionable", flat=True)) == {False}
    assert actionable_share() == 0
    detection_answer_save(
        answer=answer_of(review, "actionable"),
        passed=True,
        note="",
        by=owner,
        expected_revision=1,
    )
    assert actionable_share() == 1


def test_a_save_from_an_older_revision_is_refused_and_nothing_is_written(team, owner, teammate):
    berlin_policy(team)
    postmortem, _rule = incident_with_alert(team)
    review = detection_review_refresh(postmortem=postmortem)
    detection_answer_save(
        answer=answer_of(review, "runbook"),
        passed=False,
        note="the runbook was out of date",
        by=owner,
        expected_revision=0,
    )
    stale = detection_review_refresh(postmortem=postmortem)
    stale.revision = 0

    with pytest.raises(DetectionConflict) as conflict:
        detection_answer_save(
            answer=answer_of(stale, "runbook"),
            passed=True,
            note="",
            by=teammate,
            expected_revision=0,
        )

    assert conflict.value.current.revision == 1
    runbook = answer_of(detection_review_refresh(postmortem=postmortem), "runbook")
    assert (runbook.passed, runbook.note) == (False, "the runbook was out of date")


def test_marking_reviewed_needs_every_answer_and_how_it_was_found(team, owner):
    berlin_policy(team)
    postmortem, _rule = incident_with_alert(team)
    review = detection_review_refresh(postmortem=postmortem)

    with pytest.raises(ValidationError) as refused:
        detection_review_mark(review=review, by=owner, expected_revision=0)
    assert refused.value.messages == [
        "4 answers to confirm: actionable of DiskAlmostFull, priority of DiskAlmostFull, "
        "runbook of DiskAlmostFull, timely of DiskAlmostFull; Say how the incident was found."
    ]

    for criterion in ("runbook", "actionable", "timely", "priority"):
        detection_answer_save(
            answer=answer_of(review, criterion),
            passed=True,
            note="",
            by=owner,
            expected_revision=review.revision,
        )
    detection_found_save(
        review=review,
        found_by="alert",
        suggested_alert="",
        notes="",
        by=owner,
        expected_revision=review.revision,
    )
    detection_review_mark(review=review, by=owner, expected_revision=review.revision)

    stored = DetectionReview.objects.get()
    assert (stored.reviewed_at, stored.reviewed_by) == (NOW, owner)
    # Editing an answer afterwards keeps it reviewed: every answer is still given.
    detection_answer_save(
        answer=answer_of(review, "priority"),
        passed=False,
        note="warning should not page",
        by=owner,
        expected_revision=stored.revision,
    )
    assert DetectionReview.objects.get().reviewed_at == NOW
    # A rule linked later brings answers to give: no longer reviewed.
    other = AlertRuleFactory(integration__team=team, name="CheckoutErrors")
    FiringFactory(rule=other, fired_at=STARTED + dt.timedelta(minutes=5))
    firing_link(postmortem=postmortem, firing_id=Firing.objects.get(rule=other).pk, by=owner)
    assert DetectionReview.objects.get().reviewed_at is None


def test_a_failing_criterion_becomes_one_detect_action_item(team, owner):
    berlin_policy(team)
    owner.time_zone = "Asia/Tokyo"
    owner.save()
    postmortem, _rule = incident_with_alert(team, ended="SEV3")
    review = detection_review_refresh(postmortem=postmortem)
    priority = answer_of(review, "priority")
    detection_answer_save(
        answer=priority,
        passed=False,
        note="nobody needed to wake up",
        by=owner,
        expected_revision=0,
    )

    item = detection_action_create(answer=priority, by=owner)
    again = detection_action_create(answer=answer_of(review, "priority"), by=owner)

    assert again.pk == item.pk
    assert ActionItem.objects.count() == 1
    assert item.title == "Page only for `critical`, `page`, route `warning` to chat"
    assert (item.type, item.owner, item.due_date) == ("detect", owner, dt.date(2026, 11, 18))
    assert "> paged at 03:12 (out of hours) for an incident that ended SEV3" in item.description
    assert "nobody needed to wake up" in item.description
    assert (
        answer_of(detection_review_refresh(postmortem=postmortem), "priority").action_item == item
    )


@pytest.mark.parametrize(
    ("criterion", "title"),
    [
        ("runbook", "Add a runbook to `DiskAlmostFull`"),
        ("actionable", "Make `DiskAlmostFull` actionable or stop paging for it"),
        ("timely", "Alert earlier on `DiskAlmostFull`: fire before customers notice"),
    ],
)
def test_action_item_titles_per_criterion(team, owner, criterion, title):
    berlin_policy(team)
    postmortem, _rule = incident_with_alert(team, runbook_url="", acted_on=False, minutes=30)
    review = detection_review_refresh(postmortem=postmortem)

    item = detection_action_create(answer=answer_of(review, criterion), by=owner)

    assert item.title == title


def test_a_passing_criterion_offers_no_action_item(team, owner):
    postmortem, _rule = incident_with_alert(team)
    review = detection_review_refresh(postmortem=postmortem)

    with pytest.raises(ValidationError):
        detection_action_create(answer=answer_of(review, "runbook"), by=owner)
    assert not ActionItem.objects.exists()


def test_no_alert_fired_becomes_one_action_item_from_the_suggested_alert(team, owner):
    incident = IncidentFactory(team=team, started_at=STARTED)
    incident.services.set([ServiceFactory(slug="checkout")])
    postmortem = PostmortemFactory(incident=incident)
    review = detection_review_refresh(postmortem=postmortem)

    item = detection_no_alert_action_create(review=review, by=owner)
    detection_no_alert_action_create(review=review, by=owner)

    assert ActionItem.objects.count() == 1
    assert item.title == "Add an alert that would have caught this"
    assert "> Alert on `checkout` error rate" in item.description


def test_linking_keeps_acted_on_and_only_takes_the_teams_untied_firings_near_the_start(
    team, other_team, owner
):
    postmortem, _rule = incident_with_alert(team)
    rule = AlertRuleFactory(integration__team=team, name="CheckoutErrors")
    near = FiringFactory(rule=rule, fired_at=STARTED - dt.timedelta(minutes=30), acted_on=False)
    far = FiringFactory(rule=rule, fired_at=STARTED + dt.timedelta(hours=7))
    elsewhere = FiringFactory(rule=AlertRuleFactory(integration__team=other_team), fired_at=STARTED)
    tied = FiringFactory(rule=rule, fired_at=STARTED, incident=IncidentFactory(team=team))
    from postmortems.alerting.detection.services import linkable_firings

    assert linkable_firings(postmortem.incident) == [near]
    for refused in (far, elsewhere, tied):
        with pytest.raises(ValidationError):
            firing_link(postmortem=postmortem, firing_id=refused.pk, by=owner)

    firing_link(postmortem=postmortem, firing_id=near.pk, by=owner)

    near.refresh_from_db()
    assert (near.incident, near.acted_on) == (postmortem.incident, False)
    names = {a.rule_name for a in detection_review_refresh(postmortem=postmortem).answers.all()}
    assert names == {"DiskAlmostFull", "CheckoutErrors"}


def test_linkable_firings_never_name_another_incident(team, owner):
    """Only untied firings are offered: none can be about an incident the viewer may
    not see."""
    postmortem, _rule = incident_with_alert(team)
    secret = IncidentFactory(team=team, restricted=True, started_at=STARTED)
    FiringFactory(rule=AlertRuleFactory(integration__team=team), fired_at=STARTED, incident=secret)
    from postmortems.alerting.detection.services import linkable_firings

    assert linkable_firings(postmortem.incident) == []


def test_the_readiness_check_is_required_for_sev2_and_advisory_for_sev4(team, owner):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from postmortems.alerting.detection.pages import detection_for_review_read
    from postmortems.alerting.detection.readiness import detection_reviewed
    from postmortems.readiness.checks import ReadinessInput, postmortem_readiness

    severe, _rule = incident_with_alert(team, ended="SEV2")
    minor = PostmortemFactory(incident=IncidentFactory(team=team, severity="SEV4"))
    detection_review_refresh(postmortem=severe)

    def detection(postmortem):
        readiness = postmortem_readiness(postmortem=postmortem)
        found = next(r for r in readiness.results if r.name == "detection")
        # The same answer from the review a page read for its section, with no query.
        section = detection_for_review_read(postmortem=postmortem, user=owner)["detection"]
        with CaptureQueriesContext(connection) as queries:
            again = detection_reviewed(
                ReadinessInput(
                    postmortem=postmortem, events=[], items=[], extras={"detection": section}
                )
            )
        assert (again.passed, again.message) == (found.passed, found.message)
        assert not [q for q in queries.captured_queries if "detection" in q["sql"]]
        return found

    found = detection(severe)
    assert (found.passed, found.required, found.anchor) == (False, True, "#detection")
    assert found.message.startswith("4 answers to confirm: actionable of DiskAlmostFull")
    assert found.message.endswith("; Say how the incident was found.")
    assert (detection(minor).passed, detection(minor).required) == (False, False)
    assert detection(minor).message.startswith("Open the detection review")

    review = detection_review_refresh(postmortem=severe)
    for answer in list(review.answers.all()):
        answer.review = review
        detection_answer_save(
            answer=answer, passed=True, note="", by=owner, expected_revision=review.revision
        )
    detection_found_save(
        review=review,
        found_by="alert",
        suggested_alert="",
        notes="",
        by=owner,
        expected_revision=review.revision,
    )
    assert detection(severe).message == "Mark the detection review reviewed."
    detection_review_mark(review=review, by=owner, expected_revision=review.revision)
    assert detection(severe).passed


def test_the_readiness_check_reads_one_query(team, django_assert_num_queries):
    from postmortems.alerting.detection.readiness import detection_reviewed
    from postmortems.readiness.checks import ReadinessInput

    postmortem, _rule = incident_with_alert(team)
    detection_review_refresh(postmortem=postmortem)
    with django_assert_num_queries(1):
        detection_reviewed(ReadinessInput(postmortem=postmortem, events=[], items=[]))


def test_a_reviewer_without_a_zone_gets_utc_due_dates(team):
    user = UserFactory(time_zone="UTC")
    postmortem, _rule = incident_with_alert(team, runbook_url="")
    review = detection_review_refresh(postmortem=postmortem)
    item = detection_action_create(answer=answer_of(review, "runbook"), by=user)
    assert item.due_date == dt.date(2026, 11, 17)

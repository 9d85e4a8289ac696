"""Detection: which earlier reviewed incidents a new incident is flagged against."""

import datetime as dt

import pytest
from django.db import transaction

from postmortems.models import Recurrence
from postmortems.recurrence.detection import recurrences_detect, strength
from postmortems.services.incidents import incident_update
from postmortems.services.postmortems import (
    postmortem_set_status,
    postmortem_start,
    postmortem_update_details,
)
from tests.factories import (
    BASE_TIME,
    AlertRuleFactory,
    FiringFactory,
    ServiceFactory,
    TagFactory,
)
from tests.recurrence.support import earlier_review, open_incident

pytestmark = pytest.mark.django_db


def test_an_incident_on_the_service_of_an_earlier_review_is_flagged_once_committed(
    team, django_capture_on_commit_callbacks
):
    checkout = ServiceFactory(name="Checkout")
    earlier = earlier_review(team=team, services=[checkout])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        later = open_incident(team=team, services=[checkout])
    assert not Recurrence.objects.exists()  # not before the commit
    for callback in callbacks:
        callback()
    found = Recurrence.objects.get()
    assert (found.incident, found.earlier, found.status) == (later, earlier.incident, "suggested")
    assert list(found.services.all()) == [checkout]
    assert found.strength == strength(rules=0, services=1, tags=0)


def test_nothing_shared_nothing_flagged(team, django_capture_on_commit_callbacks):
    earlier_review(team=team, services=[ServiceFactory()])
    with django_capture_on_commit_callbacks(execute=True):
        open_incident(team=team, services=[ServiceFactory()])
    assert not Recurrence.objects.exists()


@pytest.mark.parametrize(
    ("status", "flagged"),
    [("published", True), ("in_review", True), ("draft", False)],
)
def test_only_reviews_in_review_or_published_count(
    team, django_capture_on_commit_callbacks, status, flagged
):
    checkout = ServiceFactory()
    earlier_review(team=team, services=[checkout], status=status)
    with django_capture_on_commit_callbacks(execute=True):
        open_incident(team=team, services=[checkout])
    assert Recurrence.objects.exists() is flagged


def test_an_incident_with_no_review_and_a_later_one_are_never_matched(
    team, django_capture_on_commit_callbacks
):
    checkout = ServiceFactory()
    earlier_review(team=team, services=[checkout], days_before=-3)  # started after
    with django_capture_on_commit_callbacks(execute=True):
        open_incident(team=team, services=[checkout])
    assert not Recurrence.objects.exists()


def test_the_lookback_bounds_how_far_back_it_looks(
    team, settings, django_capture_on_commit_callbacks
):
    settings.RECURRENCE_LOOKBACK_DAYS = 60
    checkout = ServiceFactory()
    earlier_review(team=team, services=[checkout], days_before=61)
    inside = earlier_review(team=team, services=[checkout], days_before=59)
    with django_capture_on_commit_callbacks(execute=True):
        open_incident(team=team, services=[checkout])
    assert [r.earlier for r in Recurrence.objects.all()] == [inside.incident]


def test_strongest_first_alert_rule_over_services_over_tags_and_capped(
    team, settings, django_capture_on_commit_callbacks
):
    settings.RECURRENCE_MAX_MATCHES = 3
    rule = AlertRuleFactory(team=team, integration__team=team)
    api, db, web = ServiceFactory(), ServiceFactory(), ServiceFactory()
    by_rule = earlier_review(team=team, services=[web], rules=[rule], days_before=200)
    two_services = earlier_review(team=team, services=[api, db], days_before=100)
    one_service = earlier_review(team=team, services=[api], days_before=10)
    earlier_review(team=team, services=[api], days_before=300)  # weaker and older: left out
    with django_capture_on_commit_callbacks(execute=True):
        later = open_incident(team=team, services=[api, db, web])
        FiringFactory(rule=rule, incident=later, fired_at=BASE_TIME)
    # Detection ran at the commit, before this firing was tied: run it again.
    recurrences_detect(incident=later)
    assert [r.earlier for r in Recurrence.objects.order_by("-strength")] == [
        by_rule.incident,
        two_services.incident,
        one_service.incident,
    ]
    top = Recurrence.objects.get(earlier=by_rule.incident)
    assert [r.name for r in top.alert_rules.all()] == [rule.name]


def test_an_alert_opened_incident_is_matched_on_its_rule_written_in_the_same_transaction(
    team, django_capture_on_commit_callbacks
):
    """As the receivers do: the incident opens, its firings follow in the same
    transaction; detection after the commit sees them."""
    rule = AlertRuleFactory(team=team, integration__team=team)
    earlier = earlier_review(team=team, rules=[rule])
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        later = open_incident(team=team)
        FiringFactory(rule=rule, incident=later, fired_at=BASE_TIME)
    found = Recurrence.objects.get()
    assert found.earlier == earlier.incident
    assert found.strength == strength(rules=1, services=0, tags=0)


def test_tags_given_to_the_new_review_and_services_edited_later_flag_again(
    team, owner, django_capture_on_commit_callbacks
):
    outage = TagFactory(name="connection-pool", slug="connection-pool")
    payments = ServiceFactory()
    by_tag = earlier_review(team=team, tags=[outage])
    by_service = earlier_review(team=team, services=[payments])
    with django_capture_on_commit_callbacks(execute=True):
        later = open_incident(team=team)
    assert not Recurrence.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        postmortem = postmortem_start(incident=later, by=owner)
        postmortem_update_details(
            postmortem=postmortem, authors=[owner], tag_names=["Connection pool"]
        )
    assert [r.earlier for r in Recurrence.objects.all()] == [by_tag.incident]
    with django_capture_on_commit_callbacks(execute=True):
        incident_update(incident=later, expected_revision=later.revision, services=[payments])
    assert {r.earlier for r in Recurrence.objects.all()} == {by_tag.incident, by_service.incident}


def test_a_suggestion_no_longer_shared_goes_and_a_decision_stays(
    team, owner, django_capture_on_commit_callbacks
):
    api, db = ServiceFactory(), ServiceFactory()
    first = earlier_review(team=team, services=[api])
    second = earlier_review(team=team, services=[db])
    with django_capture_on_commit_callbacks(execute=True):
        later = open_incident(team=team, services=[api, db])
    Recurrence.objects.filter(earlier=second.incident).update(
        status="dismissed", decided_by=owner, decided_at=BASE_TIME
    )
    with django_capture_on_commit_callbacks(execute=True):
        incident_update(incident=later, expected_revision=later.revision, services=[])
    assert [(r.earlier, r.status) for r in Recurrence.objects.all()] == [
        (second.incident, "dismissed")
    ]
    # The decision keeps what it was decided on.
    assert list(Recurrence.objects.get().services.all()) == [db]
    assert first  # its suggestion went


def test_detection_costs_a_fixed_number_of_queries(
    team, django_assert_num_queries, django_capture_on_commit_callbacks
):
    rule = AlertRuleFactory(team=team, integration__team=team)
    api = ServiceFactory()
    for days in (10, 20, 30):
        earlier_review(team=team, services=[api], rules=[rule], days_before=days)
    with django_capture_on_commit_callbacks(execute=False):
        later = open_incident(team=team, services=[api])
        FiringFactory(rule=rule, incident=later, fired_at=BASE_TIME)
    # 3 signals, the candidates, 3 shared lists (7), then per match (3 here, at most
    # RECURRENCE_MAX_MATCHES): get_or_create and 3 sets of links (9 each); the cleanup.
    with django_assert_num_queries(36):
        recurrences_detect(incident=later)
    assert Recurrence.objects.count() == 3


def test_a_deleted_incident_is_neither_flagged_nor_matched(
    team, django_capture_on_commit_callbacks
):
    api = ServiceFactory()
    gone = earlier_review(team=team, services=[api])
    gone.incident.deleted_at = BASE_TIME
    gone.incident.save()
    with django_capture_on_commit_callbacks(execute=True):
        open_incident(team=team, services=[api], started_at=BASE_TIME + dt.timedelta(hours=1))
    assert not Recurrence.objects.exists()


def test_an_incident_opened_while_the_earlier_review_was_a_draft_is_flagged_when_it_leaves_it(
    team, django_capture_on_commit_callbacks
):
    checkout = ServiceFactory(name="Checkout")
    earlier = earlier_review(team=team, services=[checkout], status="draft")
    with django_capture_on_commit_callbacks(execute=True):
        later = open_incident(team=team, services=[checkout])
        unrelated = open_incident(team=team, services=[ServiceFactory()], title="Other")
    assert not Recurrence.objects.exists()  # a draft is no review yet

    with django_capture_on_commit_callbacks(execute=True):
        postmortem_set_status(postmortem=earlier, status="in_review")

    found = Recurrence.objects.get()
    assert (found.incident, found.earlier) == (later, earlier.incident)
    assert not Recurrence.objects.filter(incident=unrelated).exists()
    with django_capture_on_commit_callbacks(execute=True):  # again: still one per pair
        postmortem_set_status(postmortem=earlier, status="draft")
        postmortem_set_status(postmortem=earlier, status="in_review")
    assert Recurrence.objects.count() == 1

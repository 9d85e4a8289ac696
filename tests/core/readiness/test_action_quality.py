"""Action item quality: vague titles, and items without owner, date or type, are flagged."""

import datetime as dt

import pytest

from postmortems.models import ActionItem
from postmortems.readiness.action_quality import (
    FLAGS,
    action_item_flags,
    due_in_past_at_creation,
    title_flags,
)
from tests.factories import BASE_TIME, ActionItemFactory, UserFactory


def _codes(title: str) -> list[str]:
    return [flag.code for flag in title_flags(title)]


CONCRETE = [
    "Add an alert on replication lag above 30 s",
    "Cap the connection pool at 50 per host in the deploy config",
    "Delete the unused payments-legacy DNS record",
    "Write a runbook for failing over the primary Postgres cluster",
    "Block config deploys that lower pool size without a second approver",
    "Add monitoring of certificate expiry to the edge dashboard",
]


@pytest.mark.parametrize("title", CONCRETE)
def test_concrete_titles_are_not_flagged(title):
    assert title_flags(title) == []


@pytest.mark.parametrize(
    ("title", "code"),
    [
        ("Improve monitoring", "vague-improve"),
        ("Better alerting for the checkout", "vague-improve"),
        ("Look into the retry storm", "vague-look-into"),
        ("Take a look at the cron jobs: look at them", "vague-look-into"),
        ("Be more careful with config changes", "vague-careful"),
        ("Everyone should pay more attention during deploys", "vague-careful"),
        ("Remember to double-check the region before failover", "vague-careful"),
        ("Investigate the memory leak", "vague-investigate"),
        ("Monitor replication lag", "vague-monitor"),
        ("Keep an eye on the queue depth", "vague-monitor"),
        ("Review the deploy process", "vague-review"),
        ("Review", "vague-review"),
        ("Try to deploy less on Fridays", "vague-try"),
    ],
)
def test_vague_titles_are_flagged_with_advice(title, code):
    flags = title_flags(title)
    assert code in [flag.code for flag in flags]
    flag = next(flag for flag in flags if flag.code == code)
    assert flag.label
    assert len(flag.advice) > 20


@pytest.mark.parametrize(
    ("title", "code"),
    [
        ("Improve checkout p99 latency to under 300 ms", "vague-improve"),
        ("Investigate the memory leak and document the root conditions", "vague-investigate"),
        ("Investigate pool sizing to decide on a per-host limit", "vague-investigate"),
        ("Monitor replication lag and page above 30 s", "vague-monitor"),
        ("Review the runbook and remove the manual failover step", "vague-review"),
        ("Add a review step for config changes", "vague-review"),
    ],
)
def test_titles_with_a_target_or_an_outcome_are_not_flagged_for_it(title, code):
    assert code not in _codes(title)


def test_every_flag_has_a_unique_code_a_label_and_advice():
    codes = [flag.code for flag in FLAGS]
    assert len(codes) == len(set(codes))
    assert all(flag.label and flag.advice for flag in FLAGS)


@pytest.mark.django_db
def test_a_concrete_owned_dated_typed_item_has_no_flags():
    item = ActionItemFactory(title="Add an alert on replication lag above 30 s")
    assert action_item_flags(item) == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"owner": None}, "no-owner"),
        ({"due_date": None}, "no-due-date"),
        ({"type": ""}, "no-type"),
    ],
)
def test_items_missing_an_owner_a_date_or_a_type_are_flagged(change, code):
    item = ActionItemFactory(**change)
    assert [flag.code for flag in action_item_flags(item)] == [code]


@pytest.mark.django_db
def test_finished_items_are_not_flagged():
    done = ActionItemFactory(
        title="Look into it", owner=None, status="done", completed_at=BASE_TIME
    )
    wont = ActionItemFactory(
        title="Try to be careful",
        status=ActionItem.Status.WONT_DO,
        wont_do_reason="Superseded by the new pipeline.",
        completed_at=BASE_TIME,
    )
    assert action_item_flags(done) == []
    assert action_item_flags(wont) == []


@pytest.mark.django_db
def test_a_due_date_already_past_when_the_item_was_written_is_flagged():
    created = dt.datetime(2026, 11, 10, 9, 0, tzinfo=dt.UTC)
    late = ActionItemFactory(created_at=created, due_date=dt.date(2026, 11, 1), owner=UserFactory())
    on_time = ActionItemFactory(created_at=created, due_date=dt.date(2026, 11, 24))
    assert [flag.code for flag in action_item_flags(late)] == ["due-in-past"]
    assert action_item_flags(on_time) == []


def test_a_date_that_is_still_today_somewhere_is_not_in_the_past():
    # 02:00 UTC on Nov 10 is still Nov 9 in the Americas: due "today" there is fine.
    created = dt.datetime(2026, 11, 10, 2, 0, tzinfo=dt.UTC)
    assert not due_in_past_at_creation(dt.date(2026, 11, 9), created)
    assert due_in_past_at_creation(dt.date(2026, 11, 8), created)
    assert not due_in_past_at_creation(None, created)


@pytest.mark.parametrize(
    ("verification", "plan"),
    [("", ""), ("test", ""), ("test", "   "), ("none", "")],
    ids=["none chosen", "no plan", "blank plan", "no check without a reason"],
)
def test_a_commitment_without_a_way_to_know_it_worked_is_flagged(verification, plan):
    item = ActionItemFactory.build(verification=verification, verification_plan=plan)
    assert "no-verification" in [flag.code for flag in action_item_flags(item)]


@pytest.mark.django_db
def test_no_check_possible_with_a_reason_is_not_flagged():
    item = ActionItemFactory(
        title="Add an alert on replication lag above 30 s",
        verification="none",
        verification_plan="A one-off fix.",
    )
    assert action_item_flags(item) == []


def test_ideas_are_never_flagged():
    item = ActionItemFactory.build(
        status=ActionItem.Status.IDEA, title="Improve monitoring", owner=None, due_date=None,
        type="", verification="", verification_plan="",
    )  # fmt: skip
    assert action_item_flags(item) == []

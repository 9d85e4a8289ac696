"""Blame written without "caused by" or "should have": causes, conditions, judgements and
slips pinned on people and roles, and the same shapes about systems left alone."""

import pytest

from postmortems.blameless.checker import check


def found(text: str) -> set[tuple[str, str]]:
    return {(f.category, f.excerpt(text)) for f in check(text)}


def categories(text: str) -> set[str]:
    return {f.category for f in check(text)}


@pytest.mark.parametrize(
    ("text", "category", "excerpt"),
    [
        (
            "This happened because the operator skipped the canary.",
            "blame",
            "because the operator skipped",
        ),
        ("Maria is why the queue backed up.", "blame", "Maria is why"),
        ("The root of it was the on-call not escalating.", "blame", "root of it was the on-call"),
        ("It all started with Ken's hasty merge.", "blame", "started with Ken's"),
        (
            "The outage came down to a slip by the release manager.",
            "blame",
            "came down to a slip by the release manager",
        ),
        ("The outage is squarely on the night shift.", "blame", "is squarely on the night shift"),
        ("The broken build traces back to the deployer.", "blame", "traces back to the deployer"),
        (
            "If the reviewer had run the tests, we would have caught it.",
            "counterfactual",
            "If the reviewer had run",
        ),
        (
            "Had Omar checked the dashboard, the page would have been quiet.",
            "counterfactual",
            "Had Omar checked",
        ),
        ("The team ought to have rolled back sooner.", "counterfactual", "ought to have rolled"),
        ("Nobody thought to look at the replica lag.", "counterfactual", "thought to"),
        ("Support overlooked the obvious spike.", "counterfactual", "Support overlooked"),
        ("The deployer neglected the checklist.", "counterfactual", "The deployer neglected"),
        ("The responders froze.", "judgement", "froze"),
        ("It was a hasty rollback.", "judgement", "hasty"),
        ("They made a hash of the failover.", "judgement", "made a hash of"),
        ("That was an amateur mistake.", "judgement", "amateur"),
        ("A fat-fingered command by an engineer emptied the pool.", "human_error", "fat-fingered"),
        ("The pool emptied after an operator slip.", "human_error", "slip"),
        ("It was a typo made by the person on call.", "human_error", "typo"),
        ("An engineer made a typo in the route map.", "human_error", "typo"),
    ],
)
def test_blame_in_other_words_is_found_with_its_excerpt(text, category, excerpt):
    assert (category, excerpt) in found(text)


@pytest.mark.parametrize(
    "text",
    [
        "This happened because the canary only checked reads.",
        "The disk filling up is why the queue backed up.",
        "The outage came down to three factors: a stale cache, a missing alert and a retry storm.",
        "It all started with a certificate that expired on a Sunday.",
        "If the alert had named the cluster, the on-call would have found it at once.",
        "Had the runbook linked the dashboard, the search would have been shorter.",
        "We ask what people knew at the time, not what they should have known.",
        "The latency obviously jumped after the deploy.",
        "A careless retry policy in the client library doubled the load.",
        "The reporting agent has a lazy retry loop that never backs off.",
        "The error came from a typo in a YAML key.",
        "Nobody was careless; the dashboard hid the lag behind a default filter.",
        "The release manager paused the rollout as soon as the error rate rose.",
        "The night shift followed the runbook, which did not mention the replica lag.",
        "Ken's merge passed every check in the pipeline.",
        "Ops restored the service from the standby at 03:20.",
        "The on-call was on the night shift that week.",
        "The deploy was approved because the reviewer saw green tests.",
        "We replaced the phrase human error with the conditions behind it.",
    ],
)
def test_the_same_shapes_about_systems_or_practice_are_left_alone(text):
    assert categories(text) == set(), check(text)


def test_roles_and_groups_count_as_people():
    for role in ("deployer", "reviewer", "release manager", "responders", "night shift"):
        assert "blame" in categories(f"The outage is on the {role}."), role
    assert "blame" in categories("This happened because someone skipped the canary.")
    assert "counterfactual" in categories(
        "If ops had paused the queue, nothing would have been lost."
    )


@pytest.mark.parametrize(
    ("text", "excerpt"),
    [
        ("It was the cache team's lead who took the site down.", "took the site down"),
        ("The carelessness of the on-call cost us the morning.", "carelessness of the on-call"),
        ("The fault lies with the payments team.", "fault lies with the payments team"),
        ("The pool drained because the admin overwrote the limits.", "because the admin overwrote"),
        ("The outage happened because Ken was the weak link.", "Ken was the weak link"),
        ("Frankly, the deployer is the culprit here.", "deployer is the culprit"),
        ("Marta ran the script and took the queue down.", "took the queue down"),
        ("The storage team took the heat for the slow restore.", "team took the heat"),
        ("The managers blamed the release engineers.", "blamed the release engineers"),
    ],
)
def test_blame_through_relative_clauses_of_phrases_and_predicates(text, excerpt):
    """The relative "who", "the fault of X", irregular and prefixed past tenses, a person
    cast as the culprit, a verb shared through "and", and blame handed to someone."""
    assert ("blame", excerpt) in found(text)


@pytest.mark.parametrize(
    "text",
    [
        "It was not the owner who took the site down.",
        "We never ask who took the site down; we ask what made it easy.",
        "It was the cache layer that took the site down.",
        "The fault lies with a race in the scheduler.",
        "The slowdown happened under the oversight of the security team.",
        "The pool drained because the job overwrote the limits.",
        "The culprit was a stale DNS record.",
        "The engineer was not the culprit.",
        "The bot merged the change and took the queue down.",
        "The team got the heat map working again.",
        "When you blame people, they hide what they saw.",
        "It is tempting to blame the last person who touched it.",
        "Porting the old code to the new Developer Story page caused the leak.",
    ],
)
def test_those_shapes_about_systems_negations_and_practice_are_left_alone(text):
    assert "blame" not in categories(text), check(text)

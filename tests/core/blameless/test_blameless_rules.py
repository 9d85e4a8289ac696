"""The blameless checker, rule by rule, and the sentences it must leave alone."""

import pytest

from postmortems.blameless.checker import check


def categories(text: str) -> set[str]:
    return {finding.category for finding in check(text)}


@pytest.mark.parametrize(
    ("text", "category", "excerpt"),
    [
        ("Bob broke prod on Friday.", "blame", "Bob broke"),
        ("In the end it was Dave's fault.", "blame", "Dave's fault"),
        ("The outage was caused by the intern.", "blame", "caused by the intern"),
        ("Bob should have checked the config.", "counterfactual", "should have checked"),
        ("If only we had a canary.", "counterfactual", "If only"),
        ("The on-call failed to acknowledge the page.", "counterfactual", "failed to"),
        ("Priya forgot to update the flag.", "counterfactual", "forgot to"),
        ("The engineer didn't bother to run the tests.", "counterfactual", "didn't bother"),
        ("The rollout plan was sloppy.", "judgement", "sloppy"),
        ("The graph clearly showed the leak.", "judgement", "clearly"),
        ("The outage was due to human error.", "human_error", "human error"),
        ("Bob fat-fingered the CIDR block.", "human_error", "fat-fingered"),
        ("The root cause was a race condition.", "root_cause", "root cause"),
    ],
)
def test_each_category_points_at_the_words_that_triggered_it(text, category, excerpt):
    findings = [f for f in check(text) if f.category == category]
    assert [f.excerpt(text) for f in findings] == [excerpt]
    assert findings[0].message
    assert findings[0].suggestion


@pytest.mark.parametrize(
    "text",
    [
        # words inside a compound adjective
        "The should-have-fired alert is now tested in CI.",
        # a system, not a person, as the subject
        "The retry failed to connect to the database.",
        "The alert should have fired at 10:02.",
        "A canary stage would have caught the bad config.",
        # negation
        "Nobody was careless.",
        "We don't think anyone was lazy or sloppy.",
        "It was nobody's fault.",
        "There was no single root cause.",
        "Automating the step removes room for human error.",
        # names as plain participants
        "Alice paged Bob.",
        "Bob took down the maintenance banner once the site was back.",
        "Priya broke the migration into smaller batches.",
        # modal + have without a past participle
        "Nobody should have to page three teams.",
        "We could have a dedicated channel for deploys.",
        # technical terms
        "Lazy loading of the config caused a cold-start spike.",
        "Cassandra's sloppy quorum let writes land on other replicas.",
        "The root cause analysis meeting is on Tuesday.",
        # manner, not stance
        "The runbook should state the rollback criteria clearly.",
    ],
)
def test_neutral_sentences_that_merely_contain_the_words_are_left_alone(text):
    assert check(text) == []


@pytest.mark.parametrize(
    "text",
    [
        'Alice wrote "I think I broke it, I should have checked" in the channel.',
        "Alice wrote \u201cthat was careless\u201d in the channel.",
        "> 10:21 bob: this is my fault, I should have checked the config",
        "The old `root cause: human error` field is gone.",
        "```\n# Bob broke this; should have failed earlier\nassert ok\n```",
        "See [the notes](https://wiki.example.com/human-error-policy).",
    ],
)
def test_quotes_blockquotes_code_and_links_are_not_the_authors_words(text):
    assert check(text) == []


def test_offsets_point_into_the_raw_markdown_across_lines_and_code():
    text = "## Summary\n\nThe `deploy` went out.\n\n- Bob broke prod.\n- The **root cause** was X."
    found = {(f.category, f.excerpt(text)) for f in check(text)}
    assert found == {("blame", "Bob broke"), ("root_cause", "root cause")}


def test_each_sentence_is_judged_on_its_own():
    text = "Nobody was paged. Bob was careless."
    assert [f.excerpt(text) for f in check(text)] == ["careless"]


def test_several_categories_in_one_sentence():
    assert categories("Greg broke the login flow because he failed to test it.") == {
        "blame",
        "counterfactual",
    }


@pytest.mark.parametrize(
    "text",
    [
        "Error budgets are reviewed each month by the service owners.",
        "The error handling in the client, written by another team, swallowed the timeout.",
        "We stopped writing operator error in reviews because it explains nothing.",
        "Human error is a label we avoid, because it ends the inquiry too early.",
    ],
)
def test_error_as_a_thing_or_a_label_is_not_a_slip(text):
    assert check(text) == []


def test_human_error_as_a_cause_is_still_found_and_written_code_still_judged():
    assert {f.category for f in check("The outage was caused by human error.")} == {"human_error"}
    assert {f.category for f in check("A copy-paste error by the on-call dropped the table.")} == {
        "human_error"
    }
    assert {f.category for f in check("The intern wrote sloppy code.")} == {"judgement"}

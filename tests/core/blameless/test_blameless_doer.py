"""The rules that read who did a verb (agency.py, hindsight.py, judging.py): each finding
names a person as the doer, and the same shape with a system as the doer stays quiet."""

import pytest

from postmortems.blameless.checker import check


def categories(text: str) -> set[str]:
    return {finding.category for finding in check(text)}


@pytest.mark.parametrize(
    ("text", "category", "excerpt"),
    [
        (
            "The support lead kicked off the cascade by resetting every password.",
            "blame",
            "lead kicked",
        ),
        (
            "Guo Wei's late-night hotfix set off the memory leak.",
            "blame",
            "Guo Wei's late-night hotfix set",
        ),
        (
            "The whole mess stems from Tomasz wiping the data directory.",
            "blame",
            "stems from Tomasz",
        ),
        (
            "Our payments went down because of a change that Aleksandra pushed.",
            "blame",
            "because of a change that Aleksandra",
        ),
        (
            "Ops is the one who let the wildcard certificate lapse.",
            "blame",
            "let the wildcard certificate lapse",
        ),
        (
            "The developer shipped a change that exhausted the connection pool.",
            "blame",
            "exhausted",
        ),
        (
            "The storage team is accountable for the lost uploads.",
            "blame",
            "team is accountable",
        ),
        (
            "Priyanka omitted the staging step from the rollout plan.",
            "counterfactual",
            "Priyanka omitted",
        ),
        (
            "Kwabena never got around to renewing the certificate.",
            "counterfactual",
            "got around to",
        ),
        (
            "The team was supposed to verify the backups but never did.",
            "counterfactual",
            "supposed to verify the backups but never",
        ),
        (
            "Were the reviewer paying attention, the bug would have been caught.",
            "counterfactual",
            "Were the reviewer",
        ),
        ("Leila chose not to run the smoke tests.", "counterfactual", "Leila chose not"),
        ("The on-call's response was shambolic from the first page.", "judgement", "shambolic"),
        ("Whoever wrote that cron job was clueless about time zones.", "judgement", "clueless"),
        ("Yusuf handled the rollback badly.", "judgement", "badly"),
        ("Frankly, the incident commander was out of her depth.", "judgement", "out of her depth"),
        (
            "A technician's misstep during maintenance cut power to the rack.",
            "human_error",
            "misstep",
        ),
        ("An administrator keyed in the wrong subnet mask.", "human_error", "keyed in the wrong"),
        ("The technician mixed up the two circuit breakers.", "human_error", "mixed"),
    ],
)
def test_a_person_as_the_doer_is_found_with_its_excerpt(text, category, excerpt):
    findings = [f for f in check(text) if f.category == category]
    assert findings, (text, check(text))
    assert excerpt in {f.excerpt(text) for f in findings}, [f.excerpt(text) for f in findings]
    assert all(f.message and f.suggestion for f in findings)


@pytest.mark.parametrize(
    "text",
    [
        "The kernel's OOM killer kicked off the cascade by killing the sidecars.",
        "The whole mess stems from a cron job wiping the wrong data directory.",
        "The config service never got around to renewing the certificate.",
        "The proxy overlooked the expired header and served stale pages.",
        "The retry logic handled the partition badly.",
        "The old deploy script was clumsy and brittle.",
        "The migration tool made a mess of the foreign keys.",
        "The alert was supposed to fire within five minutes but stayed silent.",
        "The scheduler chose not to retry the failed jobs.",
        "The restore tool picked the wrong snapshot because both had the same label.",
        "Maria is why we caught the regression before it reached customers.",
        "Thanks to the infra team, the data was restored within the hour.",
        "The engineer who found the bug wrote the fix and the regression test.",
        "Turning on the new feature for everyone overloaded the load balancers.",
        "Responsibility for paging now rests with the incident bot.",
        "Calling it a sloppy rollback tells us nothing about why the rollback was hard.",
        "We did not ask who was careless; we asked what made the command easy to get wrong.",
        "The DAG failed when the scheduler restarted.",
    ],
)
def test_the_same_shape_with_a_system_or_as_a_topic_stays_quiet(text):
    assert categories(text) == set(), check(text)


def test_a_name_in_capitals_is_an_acronym_not_a_person():
    assert categories("The LEA batch job wiped the staging database.") == set()
    assert categories("Lea wiped the staging database.") == {"blame"}


@pytest.mark.parametrize(
    ("text", "category", "excerpt"),
    [
        (
            "The admin dropped the production table, which took the site down.",
            "blame",
            "admin dropped the production table, which took",
        ),
        (
            "Kim merged the patch, which then caused the outage.",
            "blame",
            "Kim merged the patch, which then caused",
        ),
        (
            "Had it not been for Ken's hasty merge, the release would have been fine.",
            "blame",
            "Had it not been for Ken's",
        ),
        ("But for the deployer, this would not have happened.", "blame", "But for the deployer"),
        (
            "Checkout failed on account of the release manager pushing the change untested.",
            "blame",
            "account of the release manager",
        ),
        (
            "The reviewer bears responsibility for the outage.",
            "blame",
            "reviewer bears responsibility",
        ),
        (
            "The reviewer could easily have spotted the index.",
            "counterfactual",
            "could easily have spotted",
        ),
        ("The SRE chose to skip the canary.", "counterfactual", "SRE chose to skip"),
        ("An engineer mistyped the hostname.", "human_error", "mistyped"),
    ],
)
def test_the_fourth_round_shapes_are_found(text, category, excerpt):
    test_a_person_as_the_doer_is_found_with_its_excerpt(text, category, excerpt)


@pytest.mark.parametrize(
    "text",
    [
        "The cron job dropped the production table, which took the site down.",
        "The on-call restarted the primary, which restored writes.",
        "Had it not been for Maria's quick thinking, the outage would have lasted hours.",
        "If it hadn't been for the on-call noticing the spike, we would not have caught it.",
        "Had it not been for the retry storm, the cluster would have recovered.",
        "The deploy was delayed on account of the freeze.",
        "The platform team holds responsibility for the runbook from now on.",
        "The pipeline could easily have run the benchmark before the release.",
        "The team decided to skip the canary for config changes, as the policy allowed.",
        "The mistyped hostname pointed at the old cluster.",
    ],
)
def test_the_fourth_round_shapes_about_systems_credit_or_reasons_stay_quiet(text):
    assert categories(text) == set(), check(text)

"""Blame handed over indirectly (a passive agent, "let ... fail", blame placed on someone,
"that is why" after a person's clause, a long or modified "because" subject, a verb after
a relative clause), and the same shapes about systems left alone."""

import pytest

from postmortems.blameless.checker import check


def found(text: str) -> set[tuple[str, str]]:
    return {(f.category, f.excerpt(text)) for f in check(text)}


@pytest.mark.parametrize(
    ("text", "excerpt"),
    [
        ("The index was corrupted by the DBA.", "corrupted by the DBA"),
        ("The outage was triggered by Priya's restart.", "triggered by Priya's"),
        ("The site was taken down by the intern.", "taken down by the intern"),
        ("The on-call let the certificate expire.", "on-call let the certificate expire"),
        ("Ops allowed the disk to fill.", "Ops allowed the disk to fill"),
        ("The blame for the lost rows lies squarely with the DBA.", "blame for the lost rows"),
        ("Fault for the data loss goes to the intern who ran it.", "Fault for the data loss"),
        ("Tom skipped the canary, and that is why the deploy broke.", "Tom skipped the canary"),
        ("The deployer merged early, which is why we paged twice.", "The deployer merged early"),
        ("It broke because a rushed engineer edited prod.", "because a rushed engineer edited"),
        (
            "It broke because the developer fixing the login bug dropped the table.",
            "because the developer fixing the login bug dropped",
        ),
        (
            "The team that shipped the flag is responsible for the checkout crash.",
            "responsible for",
        ),
    ],
)
def test_blame_written_indirectly_is_found(text, excerpt):
    assert any(category == "blame" and excerpt in seen for category, seen in found(text))


@pytest.mark.parametrize(
    "text",
    [
        "The index was corrupted by a migration script.",
        "The failover was triggered by the on-call.",
        "The outage was triggered by a certificate that expired overnight.",
        "The scheduler let the certificate expire.",
        "We let the disk fill to test the alert.",
        "The on-call let the rollout finish before paging the owner.",
        "The blame lies with no one; the tooling allowed it.",
        "The fault is in the retry loop, not with the team.",
        "The cache expired, and that is why the latency rose.",
        "Nobody merged early, which is why the release waited.",
        "It broke because a stale cached entry pointed at the old primary.",
        "The team that owns the service is responsible for the runbook.",
    ],
)
def test_the_same_shapes_about_systems_are_left_alone(text):
    assert {category for category, _ in found(text)} == set()

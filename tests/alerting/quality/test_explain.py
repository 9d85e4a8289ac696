"""A verdict in words (quality/explain.py), and the filters that show it."""

import datetime as dt

import pytest

from postmortems.alerting.quality.criteria import RuleNumbers, Verdict, rule_problems
from postmortems.alerting.quality.explain import problems_explained, verdict_line
from postmortems.templatetags.alerting_tags import inline_code, moment


def explained(numbers: RuleNumbers, name: str = "QueueDepth"):
    problems = rule_problems(numbers)
    return problems, problems_explained(rule_name=name, numbers=numbers, problems=problems)


def test_a_late_rule_says_how_late():
    numbers = RuleNumbers(
        firings=3,
        with_runbook=3,
        actionable=3,
        tied=3,
        late=2,
        delays=[dt.timedelta(minutes=m) for m in (5, 40, 95)],
        has_runbook_now=True,
    )
    problems, (late,) = explained(numbers)
    assert problems == [Verdict.LATE]
    assert (
        late.why
        == "It fired late for 2 of 3 incidents it was tied to (median 40 min after the start)"
    )
    assert late.fix.startswith("Make `QueueDepth` fire sooner")


def test_a_mis_prioritized_rule_names_both_reasons():
    numbers = RuleNumbers(
        firings=2, pages=2, out_of_hours_pages=2, with_runbook=2, actionable=2, tied=2,
        wasted_pages=2, mismatched=2, has_runbook_now=True,
    )  # fmt: skip
    problems, (wrong,) = explained(numbers)
    assert problems == [Verdict.MISPRIORITIZED]
    assert wrong.why == (
        "2 out-of-hours pages for firings that were minor or needed no action; 2 of 2 "
        "firings tied to incidents sent another severity than the incident ended with"
    )
    assert wrong.fix.startswith("Page only for `critical`, route `warning` to chat")


def test_noise_without_night_pages_and_with_flapping():
    numbers = RuleNumbers(
        firings=10, actionable=2, flapping=4, with_runbook=10, has_runbook_now=True
    )
    problems, (noisy,) = explained(numbers)
    assert problems == [Verdict.NOISY]
    assert noisy.why == (
        "It fired 10 times; only 2 of 10 firings led to action; 4 of 10 firings were flapping"
    )


def test_a_healthy_rule_says_why():
    numbers = RuleNumbers(firings=4, actionable=4, with_runbook=4, has_runbook_now=True)
    assert verdict_line(numbers=numbers, problems=[]) == (
        "4 of 4 firings led to action, 4 carried a runbook link"
    )


def test_names_in_backticks_become_code_and_everything_else_is_escaped():
    html = inline_code("Add a `runbook_url` annotation to `<script>alert(1)</script>`.")
    assert html == (
        "Add a <code>runbook_url</code> annotation to "
        "<code>&lt;script&gt;alert(1)&lt;/script&gt;</code>."
    )
    assert inline_code("an odd ` <b>") == "an odd ` &lt;b&gt;"


@pytest.mark.parametrize(
    ("zone", "shown"),
    [("UTC", "Nov 2, 09:05"), ("America/New_York", "Nov 2, 04:05")],
)
def test_a_moment_is_shown_in_the_viewers_time_zone(settings, zone, shown):
    from django.utils import timezone

    with timezone.override(zone):
        html = moment(dt.datetime(2026, 11, 2, 9, 5, tzinfo=dt.UTC))
    assert f">{shown}</time>" in html
    assert moment(None) == '<span class="muted">—</span>'

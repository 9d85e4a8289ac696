"""A rule's verdict in words: one line saying why, and a suggested fix per problem.

criteria.py decides; this module only says what its numbers mean, for the team's alert
page, the report command and the API, so all three say the same thing."""

from dataclasses import dataclass

from lib.moments import duration_label
from postmortems.alerting.quality.criteria import RuleNumbers, Verdict


@dataclass(frozen=True)
class Problem:
    verdict: Verdict
    why: str  # "4 of 6 pages came at night and nobody acted"
    fix: str  # "Add a `runbook_url` annotation to `DiskAlmostFull`."

    @property
    def label(self) -> str:
        return self.verdict.label


def _of(count: int, total: int, noun: str) -> str:
    return f"{count} of {total} {noun}"


def _noisy(numbers: RuleNumbers) -> str:
    n = numbers
    if n.night_pages:
        said = f"{_of(n.night_pages, n.pages, 'pages')} came at night"
    elif n.out_of_hours_pages:
        said = f"{_of(n.out_of_hours_pages, n.pages, 'pages')} came out of hours"
    else:
        said = f"it fired {n.firings} time{'s' if n.firings != 1 else ''}"
    if n.actionable == 0:
        said += " and nobody acted"
    elif n.actionable < n.firings:
        said += f"; only {_of(n.actionable, n.firings, 'firings')} led to action"
    if n.flapping:
        said += f"; {_of(n.flapping, n.firings, 'firings')} were flapping"
    return said[0].upper() + said[1:]


def _mis_prioritized(numbers: RuleNumbers) -> str:
    n = numbers
    parts = []
    if n.wasted_pages:
        parts.append(
            f"{n.wasted_pages} out-of-hours page{'s' if n.wasted_pages != 1 else ''} "
            "for firings that were minor or needed no action"
        )
    if n.mismatched:
        parts.append(
            f"{_of(n.mismatched, n.tied, 'firings tied to incidents')} sent another severity "
            "than the incident ended with"
        )
    return "; ".join(parts)


def _needs_runbook(numbers: RuleNumbers) -> str:
    n = numbers
    return (
        f"The latest firing carried no runbook link ({_of(n.with_runbook, n.firings, 'firings')}"
        " had one)"
    )


def _late(numbers: RuleNumbers) -> str:
    n = numbers
    return (
        f"It fired late for {_of(n.late, n.tied, 'incidents')} it was tied to "
        f"(median {duration_label(n.median_delay)} after the start)"
    )


def _healthy(numbers: RuleNumbers) -> str:
    n = numbers
    return (
        f"{_of(n.actionable, n.firings, 'firings')} led to action, "
        f"{n.with_runbook} carried a runbook link"
    )


WHY = {
    Verdict.NOISY: _noisy,
    Verdict.MISPRIORITIZED: _mis_prioritized,
    Verdict.NEEDS_RUNBOOK: _needs_runbook,
    Verdict.LATE: _late,
    Verdict.HEALTHY: _healthy,
}

FIX = {
    Verdict.NOISY: (
        "Raise the threshold of `{rule}`, add a `for:` duration so it fires only when the "
        "condition lasts, or route it to chat instead of paging."
    ),
    Verdict.MISPRIORITIZED: (
        "Page only for `critical`, route `warning` to chat; make `{rule}` send the severity "
        "its incidents end with."
    ),
    Verdict.NEEDS_RUNBOOK: "Add a `runbook_url` annotation to `{rule}`.",
    Verdict.LATE: (
        "Make `{rule}` fire sooner: a lower threshold or a shorter `for:` duration, or alert "
        "on the symptom users see."
    ),
}


def problems_explained(*, rule_name: str, numbers: RuleNumbers, problems: list[Verdict]):
    """Each problem with why and what to do, in the order criteria.py gives them."""
    return [
        Problem(verdict, WHY[verdict](numbers), FIX[verdict].format(rule=rule_name))
        for verdict in problems
    ]


def verdict_line(*, numbers: RuleNumbers, problems: list[Verdict]) -> str:
    """The one line under the rule's status: why its verdict (the first problem)."""
    verdict = problems[0] if problems else Verdict.HEALTHY
    return WHY[verdict](numbers)

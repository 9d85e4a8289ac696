"""The four criteria of a good alert, and a rule's verdict: the one place these rules live.

The book's alert criteria: every alert includes a runbook, asks for a next action that is
possible now (actionable), arrives in time, and carries the right priority. Measured:
- Runbook: the firing carried a runbook link.
- Actionable: a person did something about the firing (Firing.actionable: tied to an
  incident, or acknowledged then resolved by a person), unless the postmortem's
  detection review judged otherwise.
- Timely: for a firing tied to an incident, the delay from the incident's start to the
  alert, late past the team's `late_after_minutes`.
- Priority: a page out of the team's working hours for a firing that was not
  actionable or whose incident ended minor (a wasted night); and the severity sent
  (as mapped) against the severity the incident ended with.
The thresholds below turn a rule's numbers into a verdict a lead reads at a glance.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from postmortems.models.incidents import Severity

# Incidents that ended at these severities did not need anyone out of bed.
MINOR = (Severity.SEV3, Severity.SEV4)
# Fewer firings than this in the window say too little to call a rule noisy.
NOISY_MIN_FIRINGS = 4
# A rule is noisy when fewer than this share of its firings were actionable, or when at
# least FLAPPING_SHARE of them were flapping (fired again soon after resolving).
ACTIONABLE_SHARE = 0.5
FLAPPING_SHARE = 0.3
# A rule is mis-prioritized from this many wasted out-of-hours pages, or when at least
# MISMATCH_SHARE of the firings tied to incidents (and at least two) had a severity the
# incident did not end with.
WASTED_PAGES = 2
MISMATCH_SHARE = 0.5


class Verdict(StrEnum):
    HEALTHY = "healthy"
    NOISY = "noisy"
    NEEDS_RUNBOOK = "needs_runbook"
    LATE = "late"
    MISPRIORITIZED = "mis_prioritized"

    @property
    def label(self) -> str:
        return VERDICT_LABELS[self]


VERDICT_LABELS = {
    Verdict.HEALTHY: "Healthy",
    Verdict.NOISY: "Noisy",
    Verdict.NEEDS_RUNBOOK: "Needs a runbook",
    Verdict.LATE: "Late",
    Verdict.MISPRIORITIZED: "Mis-prioritized",
}
# When a rule has several problems, its status is the first of them in this order:
# the ones that wake people for nothing first.
VERDICT_ORDER = [Verdict.NOISY, Verdict.MISPRIORITIZED, Verdict.NEEDS_RUNBOOK, Verdict.LATE]


def wasted_page(
    *, is_page: bool, out_of_hours: bool, actionable: bool, incident_severity: str | None
) -> bool:
    """A page out of hours for a firing nobody needed to act on, or whose incident
    ended minor."""
    if not (is_page and out_of_hours):
        return False
    return not actionable or incident_severity in MINOR


def severity_mismatch(*, severity: str, incident_severity: str | None) -> bool:
    """The severity sent (as mapped) is not the one the incident ended with."""
    return incident_severity is not None and severity != incident_severity


def delay(*, fired_at: datetime, incident_started_at: datetime | None) -> timedelta | None:
    """From the incident's start to the alert (never negative: an alert that opened the
    incident fired at its start)."""
    if incident_started_at is None:
        return None
    return delay_from(fired_at - incident_started_at)


def delay_from(difference: timedelta | None) -> timedelta | None:
    """delay() from `fired_at - incident_started_at` as the database computed it."""
    if difference is None:
        return None
    return max(difference, timedelta(0))


def is_late(found: timedelta | None, *, late_after_minutes: int) -> bool:
    return found is not None and found > timedelta(minutes=late_after_minutes)


@dataclass
class RuleNumbers:
    """A rule's firings over a window, counted (quality/selectors.py counts them)."""

    firings: int = 0
    pages: int = 0
    out_of_hours_pages: int = 0
    night_pages: int = 0
    with_runbook: int = 0
    actionable: int = 0
    flapping: int = 0
    repeats: int = 0
    tied: int = 0  # tied to an incident
    late: int = 0
    wasted_pages: int = 0
    mismatched: int = 0
    delays: list[timedelta] = field(default_factory=list)  # of the tied firings
    has_runbook_now: bool = False  # the latest firing carried a runbook link

    @property
    def load(self) -> int:
        """What the rule costs the people on call: each page, counted again when out of
        hours and again at night. The rules page sorts by it."""
        return self.pages + self.out_of_hours_pages + self.night_pages

    def share(self, count: int) -> float | None:
        return count / self.firings if self.firings else None

    @property
    def runbook_share(self) -> float | None:
        return self.share(self.with_runbook)

    @property
    def actionable_share(self) -> float | None:
        return self.share(self.actionable)

    @property
    def median_delay(self) -> timedelta | None:
        if not self.delays:
            return None
        ordered = sorted(self.delays)
        return ordered[len(ordered) // 2]


def rule_problems(numbers: RuleNumbers) -> list[Verdict]:
    """Every criterion the rule fails, in VERDICT_ORDER (empty: healthy)."""
    found = set()
    if numbers.firings >= NOISY_MIN_FIRINGS and (
        numbers.actionable < ACTIONABLE_SHARE * numbers.firings
        or numbers.flapping >= FLAPPING_SHARE * numbers.firings
    ):
        found.add(Verdict.NOISY)
    if numbers.firings and not numbers.has_runbook_now:
        found.add(Verdict.NEEDS_RUNBOOK)
    if numbers.tied and numbers.late * 2 > numbers.tied:
        found.add(Verdict.LATE)
    if numbers.wasted_pages >= WASTED_PAGES or (
        numbers.tied >= 2 and numbers.mismatched >= MISMATCH_SHARE * numbers.tied
    ):
        found.add(Verdict.MISPRIORITIZED)
    return [verdict for verdict in VERDICT_ORDER if verdict in found]


def rule_verdict(numbers: RuleNumbers) -> Verdict:
    problems = rule_problems(numbers)
    return problems[0] if problems else Verdict.HEALTHY

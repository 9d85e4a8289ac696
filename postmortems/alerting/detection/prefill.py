"""What the data says about each alert rule that fired for an incident: per criterion a
suggested pass or fail and the evidence in words. The criteria themselves are
quality/criteria.py's (the one place they live); this module only words them for one
incident. Pure: the caller reads the firings, the team's policy and the services."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from postmortems.alerting.detection.models import Criterion
from postmortems.alerting.firings.models import Firing
from postmortems.alerting.oncall.models import OnCallPolicy
from postmortems.alerting.oncall.policy import local
from postmortems.alerting.quality.criteria import (
    MINOR,
    delay,
    is_late,
    severity_mismatch,
    wasted_page,
)
from postmortems.models.incidents import Incident


@dataclass(frozen=True)
class Suggestion:
    rule_id: int
    rule_name: str
    criterion: str
    suggested: bool
    evidence: str


def by_rule(firings: Iterable[Firing]) -> dict[str, list[Firing]]:
    """The firings grouped by rule name, oldest first in each (rules sorted by name)."""
    groups: dict[str, list[Firing]] = {}
    for firing in sorted(firings, key=lambda f: (f.rule.name, f.fired_at, f.pk)):
        groups.setdefault(firing.rule.name, []).append(firing)
    return dict(sorted(groups.items()))


def _firings(count: int) -> str:
    return f"{count} firing{'s' if count != 1 else ''}"


def runbook(firings: list[Firing]) -> tuple[bool, str]:
    carried = sum(bool(f.runbook_url) for f in firings)
    if not carried:
        return False, "no runbook link"
    return carried == len(firings), f"{carried} of {_firings(len(firings))} carried a runbook link"


def actionable(firings: list[Firing]) -> tuple[bool, str]:
    """What the data says (Firing.acted_on), not the authors' judgment, which is their
    answer to this very question."""
    acted = sum(f.acted_on for f in firings)
    if len(firings) == 1:
        words = "a person acted on it" if acted else "it resolved by itself, untouched"
        return bool(acted), words
    return acted == len(
        firings
    ), f"{acted} of {_firings(len(firings))} led to something a person did"


def duration(span: timedelta) -> str:
    minutes = int(span.total_seconds() // 60)
    if minutes < 120:
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    hours, rest = divmod(minutes, 60)
    return f"{hours} h {rest} min" if rest else f"{hours} hours"


def timely(firings: list[Firing], *, incident: Incident, policy: OnCallPolicy) -> tuple[bool, str]:
    first = firings[0]
    found = delay(fired_at=first.fired_at, incident_started_at=incident.started_at)
    limit = policy.late_after_minutes
    late = is_late(found, late_after_minutes=limit)
    if not found:
        return True, f"fired when the incident started; late after {limit}"
    return not late, f"fired {duration(found)} after the incident started; late after {limit}"


def priority(
    firings: list[Firing], *, incident: Incident, policy: OnCallPolicy
) -> tuple[bool, str]:
    """Fails on the first firing that paged out of hours for nothing, or whose severity
    the incident did not end with (criteria.wasted_page, criteria.severity_mismatch)."""
    ended = incident.severity
    for firing in firings:
        if wasted_page(
            is_page=firing.is_page,
            out_of_hours=firing.out_of_hours,
            actionable=firing.actionable,
            incident_severity=ended,
        ):
            at = f"{local(policy, firing.fired_at):%H:%M}"
            why = (
                f"for an incident that ended {ended}"
                if ended in MINOR
                else "for a firing judged not actionable"
            )
            return False, f"paged at {at} (out of hours) {why}"
        if severity_mismatch(severity=firing.severity, incident_severity=ended):
            return False, f"sent as {firing.severity}, ended {ended}"
    return True, f"sent as {firings[0].severity}, ended {ended}"


def suggestions(
    firings: Iterable[Firing], *, incident: Incident, policy: OnCallPolicy
) -> list[Suggestion]:
    """Per rule and criterion, in the order of Criterion."""
    found = []
    for name, group in by_rule(firings).items():
        rule_id = group[0].rule_id
        words = {
            Criterion.RUNBOOK: runbook(group),
            Criterion.ACTIONABLE: actionable(group),
            Criterion.TIMELY: timely(group, incident=incident, policy=policy),
            Criterion.PRIORITY: priority(group, incident=incident, policy=policy),
        }
        for criterion, (passed, evidence) in words.items():
            found.append(Suggestion(rule_id, name, criterion, passed, evidence[:500]))
    return found


def suggested_alert(incident: Incident, service_slugs: list[str]) -> str:
    """An alert that would have caught an incident no alert caught, from its services."""
    if service_slugs:
        return "; ".join(f"Alert on `{slug}` error rate" for slug in service_slugs)
    return f"Alert on the symptom customers saw first in “{incident.title}”"

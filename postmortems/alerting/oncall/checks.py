"""The book's rules checked against a rotation and against an integration: warnings a
lead reads as one sentence each. Pure functions: callers pass what they already loaded."""

from collections.abc import Sequence
from dataclasses import dataclass

from postmortems.alerting.models import AlertIntegration
from postmortems.alerting.oncall.models import Channel, OnCallPolicy, Rotation
from postmortems.alerting.oncall.policy import channel_for

# "Four or more people per rotation, a primary and a secondary."
MIN_ROTATION_PEOPLE = 4

# Vendor values that say "this can wait" and ones that say "wake someone up", as
# Alertmanager and Grafana labels and PagerDuty and Opsgenie priorities spell them.
LOW_VALUES = frozenset({"info", "warning", "low", "p4", "p5"})
HIGH_VALUES = frozenset({"critical", "page", "p1", "high"})


def too_few_people(people: int) -> bool:
    """The book's staffing rule (postmortems/alerting/load/care.py words it for the load
    page; the rule itself lives here only)."""
    return people < MIN_ROTATION_PEOPLE


def lacks_secondary(*, has_secondary: bool, people: int) -> bool:
    """No one backs the primary up: no secondary, or nobody to be it."""
    return not has_secondary or people < 2


def rotation_warnings(*, rotation: Rotation, members: Sequence) -> list[tuple[str, str]]:
    """(code, sentence) for each rule a rotation breaks. `members` are its members (any
    sequence: the prefetched rows will do). A rotation fed by iCalendar has its people in
    the other tool, so the count is not checked there."""
    found: list[tuple[str, str]] = []
    if rotation.source == Rotation.Source.MEMBERS:
        if too_few_people(len(members)):
            found.append(
                (
                    "fewer-than-four",
                    f"Only {len(members)} {'person' if len(members) == 1 else 'people'} in "
                    f"the rotation: four or more keep each person's turn sustainable.",
                )
            )
        if lacks_secondary(has_secondary=rotation.has_secondary, people=len(members)):
            found.append(
                (
                    "no-secondary",
                    "No secondary: nobody backs the primary up when they cannot answer.",
                )
            )
    return found


@dataclass(frozen=True)
class PolicyConflict:
    value: str
    severity: str
    channel: str
    sentence: str


def integration_policy_conflicts(
    *, integration: AlertIntegration, policy: OnCallPolicy
) -> list[PolicyConflict]:
    """Severity mappings that contradict the team's notification policy: a low vendor
    value mapped to a severity that pages someone's phone, or a high one mapped to a
    severity that reaches nobody or only email."""
    conflicts = []
    for value, severity in sorted((integration.severity_map or {}).items()):
        channel = channel_for(policy, severity)
        kind = value.strip().lower()
        if kind in LOW_VALUES and channel == Channel.PHONE:
            sentence = f"`{value}` pages people ({severity}): route it to chat."
        elif kind in HIGH_VALUES and channel in (Channel.NONE, Channel.EMAIL):
            reach = "reaches nobody" if channel == Channel.NONE else "only sends an email"
            sentence = f"`{value}` {reach} ({severity}): map it to a severity that pages."
        else:
            continue
        conflicts.append(PolicyConflict(value, severity, channel, sentence))
    return conflicts

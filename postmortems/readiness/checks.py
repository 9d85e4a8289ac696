"""Is a postmortem ready to publish? A registry of named checks, and a policy per severity.

Each check looks at a postmortem and says whether it passes and, if not, exactly what
is missing, with the anchor of the editor part where that is fixed. Which checks must
pass before publishing depends on the incident's severity: a ReadinessPolicy row per
severity (Django admin, "Readiness policies"), or DEFAULT_REQUIRED when there is none.
Checks that are not required still run and show as advisory. The summary is always
required, whatever a policy says: a published review without one tells readers nothing.

Publishing needs no approver: whoever may edit the postmortem may publish it once every
required check passes. postmortem_set_status() enforces this, not only the views.

Adding a check takes a few lines in this module: write a function that takes a
ReadinessInput and returns an Outcome and register it with @readiness_check. It is then
required for SEV1 and SEV2 by default; add its name to the other severities in
DEFAULT_REQUIRED that should require it. Admins see it in the policy form at once.
The last check below, "no open blameless findings", is an example.

Review templates (postmortems/models/review_templates.py) narrow the list: a check that
concerns sections (`sections=`) applies only if the review's layout has one of them, and
a review started from a team template runs only the checks that template names.
Checks that do not apply are left out, neither required nor advisory.

A check may run its own queries, as long as their number does not grow with the size of
the postmortem: readiness is shown on every editor save.
"""

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet

from lib.prepared import Prepared
from postmortems.blameless.findings import (
    TIMELINE,
    DismissedKeys,
    OpenFinding,
    dismissed_keys,
    section_findings,
    timeline_findings,
)
from postmortems.models.actions import ActionItem
from postmortems.models.incidents import Severity
from postmortems.models.review_templates import layout_keys, review_sections
from postmortems.models.reviews import Postmortem, TimelineEvent
from postmortems.readiness.action_quality import action_item_flags
from postmortems.readiness.models import ReadinessPolicy


@dataclass(frozen=True)
class ReadinessInput:
    postmortem: Postmortem
    events: list[TimelineEvent]
    items: list[ActionItem]
    # The dismissals and the timeline's open findings when the caller has them (the
    # editor shows both): the blameless check reads and works them out otherwise.
    dismissed: DismissedKeys | None = None
    timeline_found: list[OpenFinding] | None = None
    # What the page's parts read for it (lib/extensions.py page_extras), by name: a
    # check registered by a part may answer from it instead of reading it again.
    extras: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Outcome:
    passed: bool
    message: str  # when failed: exactly what is missing
    anchor: str = ""  # overrides the check's anchor, e.g. the first missing section


@dataclass(frozen=True)
class Check:
    name: str
    label: str
    anchor: str  # where in the editor this is fixed
    run: Callable[[ReadinessInput], Outcome]
    sections: tuple[str, ...] = ()  # applies only to layouts with one of these sections


CHECKS: dict[str, Check] = {}


def readiness_check(
    name: str, label: str, *, anchor: str, sections: tuple[str, ...] = ()
) -> Callable:
    """Register a check; the order of registration is the order of the checklist."""

    def register(func: Callable[[ReadinessInput], Outcome]) -> Callable:
        if name in CHECKS:
            raise ValueError(f"Readiness check {name!r} is registered twice.")
        CHECKS[name] = Check(name, label, anchor, func, sections)
        return func

    return register


def _written(text: str) -> bool:
    return bool(text.strip())


@readiness_check("summary", "Summary written", anchor="#section-summary", sections=("summary",))
def _summary(data: ReadinessInput) -> Outcome:
    if _written(data.postmortem.summary):
        return Outcome(True, "The summary is written.")
    return Outcome(False, "Write the summary: what happened, in two or three sentences.")


# Digits, or words that only appear when someone counted or timed something.
_MEASURED = re.compile(
    r"\d|%|\b(percent|seconds?|secs?|minutes?|mins?|hours?|hrs?|days?|weeks?|users?|"
    r"customers?|requests?|orders?|accounts?|transactions?|payments?|calls?|"
    r"messages?|emails?|none|no one|nobody)\b",
    re.IGNORECASE,
)


@readiness_check(
    "impact", "Impact written with numbers", anchor="#section-impact", sections=("impact",)
)
def _impact(data: ReadinessInput) -> Outcome:
    impact = data.postmortem.impact
    if not _written(impact):
        return Outcome(False, "Write the impact: who was affected, how, and for how long.")
    if not _MEASURED.search(impact):
        return Outcome(
            False,
            "The impact has no numbers or durations: say how many users, what share, "
            "for how long (e.g. “4% of checkouts failed for 38 minutes”).",
        )
    return Outcome(True, "The impact says how much and how long.")


TIMELINE_KINDS = (
    TimelineEvent.Kind.DETECTION,
    TimelineEvent.Kind.MITIGATION,
    TimelineEvent.Kind.RESOLUTION,
)


@readiness_check(
    "timeline", "Timeline covers detection, mitigation and resolution", anchor="#timeline"
)
def _timeline(data: ReadinessInput) -> Outcome:
    kinds = {event.kind for event in data.events}
    missing = [kind.label.lower() for kind in TIMELINE_KINDS if kind not in kinds]
    if not missing:
        return Outcome(True, "The timeline shows detection, mitigation and resolution.")
    return Outcome(
        False,
        f"The timeline has no {_joined(missing, 'or')} event: add "
        f"{'it' if len(missing) == 1 else 'them'} with that kind.",
    )


@readiness_check(
    "contributing_factors",
    "Contributing factors written",
    anchor="#section-contributing_factors",
    sections=("contributing_factors",),
)
def _contributing_factors(data: ReadinessInput) -> Outcome:
    if _written(data.postmortem.contributing_factors):
        return Outcome(True, "The contributing factors are written.")
    return Outcome(False, "Write the contributing factors: the conditions that made this possible.")


REFLECTION_SECTIONS = ("went_well", "went_wrong", "got_lucky")


@readiness_check(
    "reflection",
    "What went well, what went wrong, where we got lucky",
    anchor="#section-went_well",
    sections=REFLECTION_SECTIONS,
)
def _reflection(data: ReadinessInput) -> Outcome:
    # Only the questions the review's layout asks, under the names it gives them.
    labels = {section.key: section.label for section in review_sections(data.postmortem)}
    asked = [n for n in REFLECTION_SECTIONS if n in labels]
    missing = [n for n in asked if not _written(getattr(data.postmortem, n))]
    if not missing:
        return Outcome(True, "All its questions are answered.")
    names = [f"“{labels[name].lower()}”" for name in missing]
    return Outcome(False, f"Answer {_joined(names, 'and')}.", anchor=f"#section-{missing[0]}")


def _counted(items: list[ActionItem]) -> list[ActionItem]:
    # A "won't do" item records a decision not to act, and an idea is no commitment:
    # neither counts nor is checked.
    return [item for item in items if item.status != ActionItem.Status.WONT_DO and not item.is_idea]


@readiness_check("action_items", "At least one action item", anchor="#actions-new")
def _action_items(data: ReadinessInput) -> Outcome:
    count = len(_counted(data.items))
    if count:
        return Outcome(True, f"{count} action item{'s' if count != 1 else ''}.")
    return Outcome(
        False,
        "Add at least one action item, or commit an idea: what will change because of this.",
    )


@readiness_check(
    "actionable_items",
    "Every action item has an owner, a due date, a type and a way to know it worked",
    anchor="#actions",
)
def _actionable_items(data: ReadinessInput) -> Outcome:
    flagged = [(item, action_item_flags(item)) for item in _counted(data.items)]
    flagged = [(item, flags) for item, flags in flagged if flags]
    if not flagged:
        return Outcome(True, "Every action item is concrete, owned, dated and checkable.")
    described = "; ".join(
        f"“{item.title}”: {', '.join(flag.label.lower() for flag in flags)}"
        for item, flags in flagged
    )
    count = len(flagged)
    return Outcome(
        False,
        f"{count} action item{'s need' if count != 1 else ' needs'} work: {described}.",
        anchor=f"#item-{flagged[0][0].code}",
    )


@readiness_check("blameless", "No open blameless-language findings", anchor="#section-summary")
def _blameless(data: ReadinessInput) -> Outcome:
    """Findings of postmortems/blameless/checker.py in the review's sections (custom ones
    too) and the timeline that no author dismissed (one query: the dismissals; one more
    for the texts of custom sections, if the layout has any)."""
    dismissed = dismissed_keys(data.postmortem) if data.dismissed is None else data.dismissed
    sections = review_sections(data.postmortem)
    in_timeline = data.timeline_found
    if in_timeline is None:
        in_timeline = timeline_findings(data.events, dismissed)
    found = [
        finding
        for section in sections
        for finding in section_findings(section.key, section.text, dismissed)
    ] + in_timeline
    if not found:
        return Outcome(True, "No sentence names a person as the cause or judges in hindsight.")
    labels = {section.key: section.label.lower() for section in sections}
    labels[TIMELINE] = "the timeline"
    places = _joined(list(dict.fromkeys(labels[f.section] for f in found)), "and")
    first = found[0]
    count = len(found)
    return Outcome(
        False,
        f"{count} passage{'s' if count != 1 else ''} to reword or dismiss with a reason, in "
        f"{places}; the first: “{first.excerpt}” ({first.label.lower()}).",
        anchor="#timeline" if first.section == TIMELINE else f"#section-{first.section}",
    )


def _joined(words: list[str], conjunction: str) -> str:
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} {conjunction} {words[-1]}"


# Without a ReadinessPolicy row: everything for the severe incidents (None: every
# registered check, including checks added later); for a minor one the story and
# owned, concrete actions; for a low one (often a near miss with nothing measurable)
# a summary and actionable items, if it has any.
ALWAYS_REQUIRED = frozenset({"summary"})
DEFAULT_REQUIRED: dict[str, frozenset[str] | None] = {
    Severity.SEV1: None,
    Severity.SEV2: None,
    Severity.SEV3: frozenset(
        {"summary", "impact", "timeline", "contributing_factors", "actionable_items", "blameless"}
    ),
    Severity.SEV4: frozenset({"summary", "actionable_items", "blameless"}),
}


def required_checks(severity: str) -> frozenset[str]:
    """The names of the checks a postmortem of `severity` must pass (one query)."""
    found = _POLICY(severity=severity)
    names = DEFAULT_REQUIRED.get(severity) if not found else found[0].required_checks
    if names is None:
        names = CHECKS
    return (frozenset(names) | ALWAYS_REQUIRED) & frozenset(CHECKS)


def _policy(severity: str) -> QuerySet[ReadinessPolicy]:
    return ReadinessPolicy.objects.filter(severity=severity).order_by("pk")[:1]


# Read by every editor load and readiness check: compiled once (lib/prepared.py).
_POLICY = Prepared(_policy)


@dataclass(frozen=True)
class CheckResult:
    name: str
    label: str
    passed: bool
    message: str
    anchor: str
    required: bool

    @property
    def advisory(self) -> bool:
        return not self.required


@dataclass(frozen=True)
class Readiness:
    severity: str
    results: list[CheckResult]

    @property
    def missing(self) -> list[CheckResult]:
        """Required checks that fail: these block publishing."""
        return [r for r in self.results if r.required and not r.passed]

    @property
    def advice(self) -> list[CheckResult]:
        """Checks that fail but are not required for this severity."""
        return [r for r in self.results if not r.required and not r.passed]

    @property
    def ready(self) -> bool:
        return not self.missing

    @property
    def passed_count(self) -> int:
        return sum(r.passed for r in self.results)


def postmortem_readiness(
    *,
    postmortem: Postmortem,
    events: list[TimelineEvent] | None = None,
    items: list[ActionItem] | None = None,
    dismissed: DismissedKeys | None = None,
    timeline_found: list[OpenFinding] | None = None,
    extras: Mapping[str, Any] | None = None,
) -> Readiness:
    """Run every check. Uses the prefetched timeline and action items when the caller
    loaded them (postmortem_with_content), else one query each; plus one for the
    policy. Pass `events` and `items` to decide from rows read just now, and
    `dismissed` (dismissed_keys) and `timeline_found` (timeline_findings of those
    events) when already worked out, so the page does not read or check them twice;
    `extras`, the page's page_extras, for the checks of the parts above."""
    data = ReadinessInput(
        postmortem=postmortem,
        events=list(postmortem.timeline_events.all()) if events is None else events,
        items=list(postmortem.action_items.all()) if items is None else items,
        dismissed=dismissed,
        timeline_found=timeline_found,
        extras=extras or {},
    )
    severity = postmortem.incident.severity
    required = required_checks(severity)
    results = []
    for check in applicable_checks(postmortem):
        outcome = check.run(data)
        results.append(
            CheckResult(
                name=check.name,
                label=check.label,
                passed=outcome.passed,
                message=outcome.message,
                anchor=outcome.anchor or check.anchor,
                required=check.name in required,
            )
        )
    return Readiness(severity=severity, results=results)


def applicable_checks(postmortem: Postmortem) -> list[Check]:
    """The checks that apply to this review: those of its template (all, for the built-in
    one), less those about sections its layout does not have. One query for a review
    from a team template, unless the template was loaded with it."""
    keys = set(layout_keys(postmortem))
    template = postmortem.template if postmortem.template_id is not None else None
    named = None if template is None else set(template.checks)
    return [
        check
        for check in CHECKS.values()
        if (named is None or check.name in named)
        and (not check.sections or keys.intersection(check.sections))
    ]


def check_choices() -> list[tuple[str, str]]:
    """(name, label) of every registered check, for the policy form."""
    return [(check.name, check.label) for check in CHECKS.values()]

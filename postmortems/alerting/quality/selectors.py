"""Reads of alert quality: each rule's numbers over a window, judged by criteria.py.

One aggregate query over the window's firings (index pm_firing_team_fired), one for the
delays of the firings tied to incidents (few; index pm_firing_team_tied), one for the
rules, one for the teams' policies (their `late_after_minutes`): four queries, however
many firings."""

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import (
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)

from accounts.models import User
from postmortems.alerting.firings.models import AlertRule, Firing
from postmortems.alerting.oncall.models import Channel, OnCallPolicy
from postmortems.alerting.quality.criteria import (
    MINOR,
    VERDICT_ORDER,
    RuleNumbers,
    Verdict,
    delay_from,
    is_late,
    rule_problems,
)
from postmortems.alerting.quality.explain import Problem, problems_explained, verdict_line
from postmortems.models.incidents import Incident
from postmortems.permissions import about_visible, visibility_filter

# Firing.actionable, as a filter.
ACTIONABLE = Q(judged_actionable=True) | Q(judged_actionable__isnull=True, acted_on=True)
PAGE = Q(channel=Channel.PHONE)
# criteria.wasted_page, as a filter.
WASTED = PAGE & Q(out_of_hours=True) & (~ACTIONABLE | Q(incident__severity__in=MINOR))
# criteria.severity_mismatch, as a filter.
MISMATCHED = Q(incident__isnull=False) & ~Q(severity=F("incident__severity"))


@dataclass
class RuleQuality:
    rule: AlertRule
    numbers: RuleNumbers
    problems: list[Verdict]

    @property
    def verdict(self) -> Verdict:
        return self.problems[0] if self.problems else Verdict.HEALTHY

    @property
    def why(self) -> str:
        return verdict_line(numbers=self.numbers, problems=self.problems)

    @property
    def explained(self) -> list[Problem]:
        return problems_explained(
            rule_name=self.rule.name, numbers=self.numbers, problems=self.problems
        )


def window_firings(*, team_ids: list[int], since: datetime, until: datetime):
    return Firing.objects.filter(team_id__in=team_ids, fired_at__gte=since, fired_at__lt=until)


def rule_quality(*, team_ids: list[int], since: datetime, until: datetime) -> list[RuleQuality]:
    """Every rule of the teams that fired in [since, until), with its numbers and
    problems, the heaviest load first (then the most firings, then by name)."""
    firings = window_firings(team_ids=team_ids, since=since, until=until)
    counted = firings.values("rule_id").annotate(
        firings=Count("pk"),
        pages=Count("pk", filter=PAGE),
        out_of_hours_pages=Count("pk", filter=PAGE & Q(out_of_hours=True)),
        night_pages=Count("pk", filter=PAGE & Q(at_night=True)),
        with_runbook=Count("pk", filter=~Q(runbook_url="")),
        actionable=Count("pk", filter=ACTIONABLE),
        flapping=Count("pk", filter=Q(flapping=True)),
        repeats=Sum("repeats"),
        tied=Count("pk", filter=Q(incident__isnull=False)),
        wasted_pages=Count("pk", filter=WASTED),
        mismatched=Count("pk", filter=MISMATCHED),
        last_fired_at=Max("fired_at"),
    )
    numbers: dict[int, RuleNumbers] = {}
    for row in counted:
        rule_id = row.pop("rule_id")
        row.pop("last_fired_at")
        row["repeats"] = row["repeats"] or 0
        numbers[rule_id] = RuleNumbers(**row)
    if not numbers:
        return []
    late_after = dict(
        OnCallPolicy.objects.filter(team_id__in=team_ids).values_list(
            "team_id", "late_after_minutes"
        )
    )
    default_late = OnCallPolicy._meta.get_field("late_after_minutes").get_default()
    # The incident's start as a subquery, not a join: with a join the planner may walk
    # pm_firing_incident (every team's tied firings, in incident order, for a merge
    # join) and filter by team and window: 40 ms at 1,000,000 firings instead of 2 ms
    # on pm_firing_team_tied (bench/README.md, "Alert rules"). all_objects: as the
    # join did, and as the aggregate counts them. The difference is computed by the
    # database: one interval per row to load instead of two moments.
    started = Incident.all_objects.filter(pk=OuterRef("incident_id")).values("started_at")
    tied = (
        firings.filter(incident__isnull=False)
        .order_by()
        .annotate(
            difference=ExpressionWrapper(
                F("fired_at") - Subquery(started), output_field=DurationField()
            )
        )
        .values_list("rule_id", "team_id", "difference")
    )
    for rule_id, team_id, difference in tied:
        found = delay_from(difference)
        if found is None:
            continue
        rule_numbers = numbers[rule_id]
        rule_numbers.delays.append(found)
        if is_late(found, late_after_minutes=late_after.get(team_id, default_late)):
            rule_numbers.late += 1
    rules = AlertRule.objects.filter(pk__in=numbers).select_related("integration", "team")
    found_rules = []
    for rule in rules:
        rule_numbers = numbers[rule.pk]
        rule_numbers.has_runbook_now = bool(rule.runbook_url)
        found_rules.append(RuleQuality(rule, rule_numbers, rule_problems(rule_numbers)))
    found_rules.sort(key=lambda q: (-q.numbers.load, -q.numbers.firings, q.rule.name.lower()))
    return found_rules


@dataclass
class QualitySummary:
    """The top of the team's alert page: what the rules cost, and how many are in each
    state."""

    rules: int = 0
    firings: int = 0
    pages: int = 0
    out_of_hours_pages: int = 0
    night_pages: int = 0
    by_verdict: dict[Verdict, int] = field(default_factory=dict)

    @property
    def out_of_hours_share(self) -> float | None:
        return self.out_of_hours_pages / self.pages if self.pages else None


def quality_summary(rules: list[RuleQuality]) -> QualitySummary:
    summary = QualitySummary(by_verdict=dict.fromkeys([Verdict.HEALTHY, *VERDICT_ORDER], 0))
    for quality in rules:
        summary.rules += 1
        summary.firings += quality.numbers.firings
        summary.pages += quality.numbers.pages
        summary.out_of_hours_pages += quality.numbers.out_of_hours_pages
        summary.night_pages += quality.numbers.night_pages
        summary.by_verdict[quality.verdict] += 1
    return summary


def rule_firings(*, rule: AlertRule, since: datetime, until: datetime, user: User) -> QuerySet:
    """A rule's firings in [since, until), newest first (index pm_firing_rule_fired),
    each with `incident_visible`: whether `user` may see the incident it is tied to
    (a restricted one they may not see is neither linked nor named)."""
    return (
        Firing.objects.filter(rule=rule, fired_at__gte=since, fired_at__lt=until)
        .select_related("incident", "on_call")
        # What the page shows: not the labels, nor the incident's or the person's texts.
        .only(*FIRING_ROW_FIELDS)
        .annotate(incident_visible=about_visible(user, "incident"))
        .order_by("-fired_at", "-pk")
    )


FIRING_ROW_FIELDS = (
    "fired_at", "acknowledged_at", "resolved_at", "severity_sent", "severity", "channel",
    "out_of_hours", "at_night", "flapping", "repeats", "runbook_url", "acknowledged_by",
    "notified", "acted_on", "incident__number", "on_call__display_name",
)  # fmt: skip


def visible_firings(
    *,
    team_ids: list[int] | None,
    rule: str = "",
    integration: str = "",
    since: datetime | None = None,
    until: datetime | None = None,
    incident_id: int | None = None,
) -> QuerySet:
    """The firings of the teams `team_ids` (None: every team), newest first (indexes
    pm_firing_team_fired, pm_firing_fired); `rule` is a rule's name, `integration` an
    integration's code. Whether the viewer may see a firing's incident is asked of the
    page's rows only (visible_incident_ids): asked of every row, it would join the
    incidents into the count of all of them."""
    firings = Firing.objects.all()
    if team_ids is not None:
        firings = firings.filter(team_id__in=team_ids)
    if rule:
        # The rules' ids first (a handful): the firings are then read on
        # pm_firing_rule_fired, newest first, instead of joined to every rule.
        rules = AlertRule.objects.filter(name=rule)
        if team_ids is not None:
            rules = rules.filter(team_id__in=team_ids)
        firings = firings.filter(rule_id__in=list(rules.values_list("pk", flat=True)))
    if integration:
        firings = firings.filter(integration__code=integration)
    if since is not None:
        firings = firings.filter(fired_at__gte=since)
    if until is not None:
        firings = firings.filter(fired_at__lt=until)
    if incident_id is not None:
        firings = firings.filter(incident_id=incident_id)
    return firings.select_related("rule", "team", "integration", "incident", "on_call").order_by(
        "-fired_at", "-pk"
    )


def visible_incident_ids(user: User, incident_ids: set[int]) -> set[int]:
    """Those of `incident_ids` that `user` may see (visibility_filter): one query, none
    when there are none."""
    if not incident_ids:
        return set()
    return set(
        Incident.objects.filter(visibility_filter(user), pk__in=incident_ids).values_list(
            "pk", flat=True
        )
    )

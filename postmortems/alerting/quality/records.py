"""A rule's quality as plain data: what the report command prints as JSON and the API
answers, so both say what the team's alert page shows."""

from datetime import timedelta
from typing import Any

from postmortems.alerting.quality.selectors import RuleQuality


def _seconds(value: timedelta | None) -> int | None:
    return None if value is None else int(value.total_seconds())


def _share(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def rule_record(quality: RuleQuality) -> dict[str, Any]:
    rule, n = quality.rule, quality.numbers
    return {
        "rule": rule.name,
        "team": rule.team.slug,
        "integration": str(rule.integration.code),
        "integration_name": rule.integration.name,
        "runbook_url": rule.runbook_url,
        "verdict": quality.verdict.value,
        "verdict_label": quality.verdict.label,
        "why": quality.why,
        "problems": [
            {"verdict": p.verdict.value, "label": p.label, "why": p.why, "fix": p.fix}
            for p in quality.explained
        ],
        "load": n.load,
        "firings": n.firings,
        "pages": n.pages,
        "out_of_hours_pages": n.out_of_hours_pages,
        "night_pages": n.night_pages,
        "runbook_share": _share(n.runbook_share),
        "actionable_share": _share(n.actionable_share),
        "flapping": n.flapping,
        "repeats": n.repeats,
        "tied_to_incidents": n.tied,
        "median_delay_seconds": _seconds(n.median_delay),
        "late": n.late,
        "wasted_out_of_hours_pages": n.wasted_pages,
        "severity_mismatches": n.mismatched,
    }

"""The words of a detect action item made from a failing criterion in one step."""

from postmortems.alerting.detection.models import Criterion, DetectionAnswer
from postmortems.alerting.firings.models import Firing
from postmortems.alerting.quality.criteria import MINOR
from postmortems.models.incidents import Incident

NO_ALERT_TITLE = "Add an alert that would have caught this"


def _priority_title(rule: str, firings: list[Firing], incident: Incident) -> str:
    """From the integration's severity map: which severities as sent should page, and
    which one (the firing's) belongs in chat; or, for a severity the incident did not
    end with, which one to send instead."""
    firing = firings[0]
    sent = firing.severity_sent or firing.severity
    severity_map: dict[str, str] = firing.integration.severity_map or {}
    if incident.severity in MINOR or firing.severity in MINOR:
        # By severity, then name: a JSON column's key order is the database's.
        paging = [
            key
            for sev, key in sorted((sev, key) for key, sev in severity_map.items())
            if sev not in MINOR and key != sent
        ]
        if paging:
            keys = "`, `".join(paging)
            return f"Page only for `{keys}`, route `{sent}` to chat"
        return f"Stop paging for `{rule}`: route `{sent}` to chat"
    instead = min(
        (key for key, sev in severity_map.items() if sev == incident.severity), default=None
    )
    if instead and instead != sent:
        return f"Send `{rule}` as `{instead}` ({incident.severity}), not `{sent}`"
    return f"Send `{rule}` as {incident.severity}, not {firing.severity}"


def action_title(answer: DetectionAnswer, firings: list[Firing], incident: Incident) -> str:
    rule = answer.rule_name
    if answer.criterion == Criterion.RUNBOOK:
        title = f"Add a runbook to `{rule}`"
    elif answer.criterion == Criterion.ACTIONABLE:
        title = f"Make `{rule}` actionable or stop paging for it"
    elif answer.criterion == Criterion.TIMELY:
        title = f"Alert earlier on `{rule}`: fire before customers notice"
    else:
        title = _priority_title(rule, firings, incident)
    return title[:200]


def action_description(answer: DetectionAnswer, incident: Incident) -> str:
    criterion = Criterion(answer.criterion).label.lower()
    lines = [
        f"From the detection review of {incident.reference}: {criterion} of `{answer.rule_name}`.",
        "",
        f"> {answer.evidence}",
    ]
    if answer.note.strip():
        lines += ["", f"The authors' note: {answer.note.strip()}"]
    return "\n".join(lines)


def no_alert_description(incident: Incident, suggested: str, notes: str) -> str:
    lines = [f"No alert fired for {incident.reference}.", "", f"> {suggested}"]
    if notes.strip():
        lines += ["", f"The authors' note: {notes.strip()}"]
    return "\n".join(lines)

"""The incident a group of alerts opens: its severity, services and owner."""

from datetime import datetime

from django.db.models import Q
from django.utils.text import slugify

from accounts.models import User
from postmortems.alerting.integrations import severity_for
from postmortems.alerting.models import AlertIntegration
from postmortems.alerting.payloads import AlertSignal
from postmortems.models.catalog import Service
from postmortems.models.incidents import Incident
from postmortems.services.incidents import incident_create


def most_severe(integration: AlertIntegration, signals: list[AlertSignal]) -> str:
    return min(severity_for(integration, s.severity) for s in signals)


def _service_names(integration: AlertIntegration, signal: AlertSignal) -> list[str]:
    """The first of the integration's service labels the alert has, else the services
    the tool names (PagerDuty's service)."""
    labels = dict(signal.labels)
    for label in integration.service_labels or []:
        if labels.get(label):
            return [labels[label]]
    return list(signal.services)


def catalog_services(integration: AlertIntegration, signals: list[AlertSignal]) -> list[Service]:
    """Services of the catalog the alerts name, by name (any case) or slug. Names not
    in the catalog are left out: the catalog is kept by people, not by alerts."""
    names = {name for s in signals for name in _service_names(integration, s) if name}
    if not names:
        return []
    wanted = Q(slug__in={slugify(name) for name in names})
    for name in names:
        wanted |= Q(name__iexact=name)
    return list(Service.objects.filter(wanted))


def _assignee(integration: AlertIntegration, signals: list[AlertSignal]) -> User | None:
    """The first assignee (by e-mail address) with an active account, if the
    integration takes the owner from the tool."""
    if not integration.owner_from_assignee:
        return None
    emails = [e.strip().lower() for s in signals for e in s.assignees if "@" in e]
    if not emails:
        return None
    wanted = Q()
    for email in emails:
        wanted |= Q(email__iexact=email)
    found = {u.email.lower(): u for u in User.objects.filter(wanted, is_active=True)}
    return next((found[e] for e in emails if e in found), None)


def open_incident(
    integration: AlertIntegration,
    signals: list[AlertSignal],
    severity: str,
    *,
    started_at: datetime,
    resolved_at: datetime | None,
) -> Incident:
    first = next((s for s in signals if s.action != "resolved"), signals[0])
    others = len({s.key for s in signals}) - 1
    title = first.title
    if others:
        more = f" (and {others} more alert{'s' if others > 1 else ''})"
        title = f"{title[: 200 - len(more)]}{more}"
    fields = {}
    if resolved_at is not None:
        fields = {"status": Incident.Status.RESOLVED, "resolved_at": resolved_at}
    note = f"Opened by the alert integration {integration.name} ({integration.get_kind_display()})."
    description = first.description
    return incident_create(
        by=None,
        title=title[:200],
        severity=severity,
        team=integration.team,
        owner=_assignee(integration, signals),
        services=catalog_services(integration, signals),
        description=f"{description}\n\n{note}" if description else note,
        started_at=started_at,
        detected_at=started_at,
        **fields,
    )

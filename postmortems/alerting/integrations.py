"""Alert integrations: made, changed, their tokens issued; and how a vendor's
severity maps to the product's (DEFAULT_SEVERITY_MAPS, each integration's own map)."""

from django.utils import timezone

from accounts.models import Team, User
from postmortems.alerting.auth import new_token, token_hash
from postmortems.alerting.models import AlertIntegration
from postmortems.models.incidents import Severity

DEFAULT_SEVERITY_MAPS: dict[str, dict[str, str]] = {
    AlertIntegration.Kind.ALERTMANAGER: {
        "critical": "SEV1",
        "page": "SEV2",
        "error": "SEV2",
        "warning": "SEV3",
        "info": "SEV4",
    },
    AlertIntegration.Kind.GRAFANA: {
        "critical": "SEV1",
        "error": "SEV2",
        "warning": "SEV3",
        "info": "SEV4",
    },
    AlertIntegration.Kind.PAGERDUTY: {
        "P1": "SEV1",
        "P2": "SEV2",
        "P3": "SEV3",
        "P4": "SEV4",
        "P5": "SEV4",
        "high": "SEV2",
        "low": "SEV4",
    },
    AlertIntegration.Kind.OPSGENIE: {
        "P1": "SEV1",
        "P2": "SEV2",
        "P3": "SEV3",
        "P4": "SEV4",
        "P5": "SEV4",
    },
}


def alert_integration_create(
    *, team: Team, by: User | None, **fields
) -> tuple[AlertIntegration, str]:
    """Returns the integration and its token (empty for PagerDuty), shown only once."""
    integration = AlertIntegration(team=team, created_by=by, **fields)
    if not integration.severity_map:
        integration.severity_map = dict(DEFAULT_SEVERITY_MAPS[integration.kind])
    token = new_token() if integration.uses_token else ""
    integration.token_hash = token_hash(token) if token else ""
    integration.full_clean()
    integration.save()
    return integration, token


def alert_integration_update(*, integration: AlertIntegration) -> AlertIntegration:
    if not integration.severity_map:
        integration.severity_map = dict(DEFAULT_SEVERITY_MAPS[integration.kind])
    integration.updated_at = timezone.now()
    integration.full_clean()
    integration.save()
    return integration


def alert_integration_rotate_token(*, integration: AlertIntegration) -> str:
    """A new token replaces the old one at once; the old one stops working."""
    token = new_token()
    integration.token_hash = token_hash(token)
    integration.updated_at = timezone.now()
    integration.save(update_fields=["token_hash", "updated_at"])
    return token


def severity_for(integration: AlertIntegration, value: str) -> str:
    wanted = value.strip().lower()
    for vendor_value, severity in integration.severity_map.items():
        if vendor_value.strip().lower() == wanted and severity in Severity.values:
            return severity
    return integration.default_severity


def opens_incidents(integration: AlertIntegration, severity: str) -> bool:
    return severity <= integration.open_from  # "SEV1" < "SEV2": more severe sorts first

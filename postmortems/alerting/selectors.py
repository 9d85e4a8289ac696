"""Reads of alerting: a team's integrations, the delivery log."""

from django.db.models import (
    QuerySet,
)

from accounts.models import Team, User
from postmortems.alerting.models import AlertDelivery, AlertIntegration
from postmortems.permissions import about_visible


def team_alert_integrations(*, team: Team) -> QuerySet[AlertIntegration]:
    return AlertIntegration.objects.filter(team=team).order_by("name")


def alert_deliveries(
    *, user: User, integration_code: str = "", outcome: str = ""
) -> QuerySet[AlertDelivery]:
    """The staff delivery log, newest first (indexes pm_alertdelivery_*). Every row;
    `about_visible` tells whether `user` may see the incident a row touched."""
    deliveries = (
        AlertDelivery.objects.select_related("integration__team", "incident")
        .defer("body", "headers")
        .annotate(about_visible=about_visible(user, "incident"))
    )
    if integration_code:
        deliveries = deliveries.filter(integration__code=integration_code)
    if outcome:
        deliveries = deliveries.filter(outcome=outcome)
    return deliveries.order_by("-received_at", "-pk")

"""Alerting settings per team (its leads and staff) and the staff delivery log."""

from uuid import UUID

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.http import AuthenticatedHttpRequest
from accounts.permissions import staff_required
from postmortems.alerting.forms import AlertIntegrationForm
from postmortems.alerting.integrations import (
    DEFAULT_SEVERITY_MAPS,
    alert_integration_create,
    alert_integration_rotate_token,
    alert_integration_update,
)
from postmortems.alerting.models import AlertDelivery, AlertIntegration
from postmortems.alerting.oncall.checks import integration_policy_conflicts
from postmortems.alerting.oncall.policy import team_policy
from postmortems.alerting.oncall.selectors import failing_schedule_feeds
from postmortems.alerting.permissions import get_alert_integration_for_user, get_team_for_alerting
from postmortems.alerting.selectors import alert_deliveries, team_alert_integrations
from postmortems.notifications.emails import absolute_url


def receiver_url(integration: AlertIntegration) -> str:
    return absolute_url(reverse("pm-alert-receiver", args=[integration.code]))


@require_GET
def alerting_list_view(request: AuthenticatedHttpRequest, team: str) -> HttpResponse:
    team_obj = get_team_for_alerting(request, team)
    integrations = list(team_alert_integrations(team=team_obj))
    policy = team_policy(team_obj)
    for integration in integrations:
        integration.receiver_url = receiver_url(integration)
        integration.conflicts = integration_policy_conflicts(integration=integration, policy=policy)
    return TemplateResponse(
        request,
        "postmortems/alerting_list.html",
        {"team": team_obj, "integrations": integrations},
    )


def _created_page(request, integration: AlertIntegration, token: str, *, created: bool):
    """The only time a token is shown: right after it was made."""
    return TemplateResponse(
        request,
        "postmortems/alerting_token.html",
        {
            "team": integration.team,
            "integration": integration,
            "token": token,
            "created": created,
            "receiver_url": receiver_url(integration),
        },
    )


@require_http_methods(["GET", "POST"])
def alerting_create_view(request: AuthenticatedHttpRequest, team: str) -> HttpResponse:
    team_obj = get_team_for_alerting(request, team)
    form = AlertIntegrationForm(request.POST or None, team=team_obj)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in AlertIntegrationForm.Meta.fields}
        try:
            integration, token = alert_integration_create(team=team_obj, by=request.user, **fields)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return _created_page(request, integration, token, created=True)
    return TemplateResponse(
        request,
        "postmortems/alerting_form.html",
        {"team": team_obj, "form": form, "defaults": DEFAULT_SEVERITY_MAPS},
    )


@require_http_methods(["GET", "POST"])
def alerting_edit_view(request: AuthenticatedHttpRequest, team: str, code: UUID) -> HttpResponse:
    integration = get_alert_integration_for_user(request, team, code)
    form = AlertIntegrationForm(request.POST or None, instance=integration, team=integration.team)
    if request.method == "POST" and form.is_valid():
        try:
            alert_integration_update(integration=form.instance)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("pm-alerting-list", team=integration.team.slug)
    return TemplateResponse(
        request,
        "postmortems/alerting_form.html",
        {
            "team": integration.team,
            "form": form,
            "integration": integration,
            "receiver_url": receiver_url(integration),
            "defaults": DEFAULT_SEVERITY_MAPS,
        },
    )


@require_POST
def alerting_token_view(request: AuthenticatedHttpRequest, team: str, code: UUID) -> HttpResponse:
    integration = get_alert_integration_for_user(request, team, code)
    if not integration.uses_token:
        return redirect("pm-alerting-edit", team=integration.team.slug, code=integration.code)
    token = alert_integration_rotate_token(integration=integration)
    return _created_page(request, integration, token, created=False)


def _uuid_or_blank(value: str) -> str:
    try:
        return str(UUID(value))
    except ValueError:
        return ""


@require_GET
@staff_required
def alert_deliveries_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    integration_code = _uuid_or_blank(request.GET.get("integration", ""))
    outcome = request.GET.get("outcome", "")
    if outcome not in AlertDelivery.Outcome.values:
        outcome = ""
    deliveries = alert_deliveries(
        user=request.user, integration_code=integration_code, outcome=outcome
    )
    page = Paginator(deliveries, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return TemplateResponse(
        request,
        "postmortems/alert_deliveries.html",
        {
            "page": page,
            "query": query.urlencode(),
            "integration_code": integration_code,
            "outcome": outcome,
            "outcomes": AlertDelivery.Outcome.choices,
            "integrations": AlertIntegration.objects.select_related("team").order_by(
                "team__name", "name"
            ),
            "failing_feeds": failing_schedule_feeds(),
        },
    )

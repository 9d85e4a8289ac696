"""The team's alert page (each rule's verdict over a window) and a rule's firings: for
the team's leads and staff (get_team_for_alerting)."""

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.http import AuthenticatedHttpRequest
from postmortems.alerting.permissions import get_alert_rule_for_user, get_team_for_alerting
from postmortems.alerting.quality.forms import WINDOWS, window, window_days
from postmortems.alerting.quality.selectors import quality_summary, rule_firings, rule_quality

FIRINGS_PER_PAGE = 50


@require_GET
def team_alerts_view(request: AuthenticatedHttpRequest, team: str) -> HttpResponse:
    team_obj = get_team_for_alerting(request, team)
    days = window_days(request.GET)
    since, until = window(days, timezone.now())
    rules = rule_quality(team_ids=[team_obj.pk], since=since, until=until)
    return TemplateResponse(
        request,
        "alerting/team_alerts.html",
        {
            "team": team_obj,
            "days": days,
            "windows": WINDOWS,
            "since": since,
            "rules": rules,
            "summary": quality_summary(rules),
        },
    )


@require_GET
def rule_firings_view(request: AuthenticatedHttpRequest, team: str, rule: int) -> HttpResponse:
    rule_obj = get_alert_rule_for_user(request, team, rule)
    days = window_days(request.GET)
    since, until = window(days, timezone.now())
    firings = rule_firings(rule=rule_obj, since=since, until=until, user=request.user)
    page = Paginator(firings, FIRINGS_PER_PAGE).get_page(request.GET.get("page"))
    return TemplateResponse(
        request,
        "alerting/rule_firings.html",
        {
            "team": rule_obj.team,
            "rule": rule_obj,
            "days": days,
            "windows": WINDOWS,
            "since": since,
            "page": page,
        },
    )

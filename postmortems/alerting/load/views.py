"""The on-call load page of a team and its monthly CSV (its leads and staff)."""

from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.http import AuthenticatedHttpRequest
from lib.months import last_months
from postmortems.alerting.load.care import care_warnings
from postmortems.alerting.load.charts import load_chart
from postmortems.alerting.load.csv_export import load_csv
from postmortems.alerting.load.selectors import chosen_month, month_load
from postmortems.alerting.oncall.policy import team_policy
from postmortems.alerting.permissions import get_team_for_alerting

MONTHS_OFFERED = 13  # this month and the twelve before


@require_GET
def oncall_load_view(request: AuthenticatedHttpRequest, team: str) -> HttpResponse:
    team_obj = get_team_for_alerting(request, team)
    now = timezone.now()
    policy = team_policy(team_obj)
    month = chosen_month(request.GET.get("month", ""), now=now, policy=policy)
    load = month_load(team=team_obj, month=month, now=now, policy=policy)
    people = load.attributed
    chart = (
        load_chart(
            people,
            id="chart-oncall-load",
            title="Pages per person",
            description=f"Pages, out-of-hours pages and interrupted nights in {month:%B %Y}.",
        )
        if people
        else None
    )
    this_month = now.astimezone(load.zone).date()
    return TemplateResponse(
        request,
        "alerting/load/oncall_load.html",
        {
            "team": team_obj,
            "policy": policy,
            "month": month,
            # (value, label) pairs made here: the select would otherwise format 26 dates.
            "months": [
                (f"{m:%Y-%m}", f"{m:%B %Y}", m == month)
                for m in last_months(this_month, MONTHS_OFFERED)[::-1]
            ],
            "load": load,
            "people": load.people,
            "warnings": care_warnings(load),
            "chart": chart,
            "now": now,
        },
    )


@require_GET
def oncall_load_csv_view(request: AuthenticatedHttpRequest, team: str) -> HttpResponse:
    team_obj = get_team_for_alerting(request, team)
    now = timezone.now()
    policy = team_policy(team_obj)
    month = chosen_month(request.GET.get("month", ""), now=now, policy=policy)
    load = month_load(team=team_obj, month=month, now=now, policy=policy)
    response = HttpResponse(load_csv(load, month=month), content_type="text/csv; charset=utf-8")
    filename = f"oncall-{team_obj.slug}-{month:%Y-%m}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response

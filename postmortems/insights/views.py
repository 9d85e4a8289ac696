"""The team lead dashboard, its action item list and CSV export, and "My work"."""

from datetime import timedelta
from functools import partial
from typing import cast

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpResponse, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.http import AuthenticatedHttpRequest
from accounts.models import User
from lib.months import parse_month
from postmortems.insights import dashboard
from postmortems.insights.csv_download import csv_chunks
from postmortems.insights.dashboard import ItemFilters
from postmortems.insights.dashboard_charts import CHARTS_SECONDS, charts_key, health_charts
from postmortems.insights.dashboard_oncall import oncall_overview
from postmortems.insights.health import review_health_refreshing_rollups
from postmortems.insights.item_rows import item_rows
from postmortems.insights.permissions import get_dashboard_scope_for_user
from postmortems.insights.pulse_trend import MIN_ANSWERS, pulse_trend
from postmortems.insights.unverified import due_outcome_rows, my_awaiting_outcome, outcome_counts
from postmortems.models.actions import ActionItem
from postmortems.recurrence.selectors import confirmed_by_service
from postmortems.selectors import incidents_awaiting_review, stale_draft_days

ITEMS_PAGE_SIZE = 50
RECURRENCE_DAYS = 90  # how far back the dashboard counts confirmed recurrences


@require_GET
def dashboard_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    scope = get_dashboard_scope_for_user(request, request.GET.get("team", ""))
    now = timezone.now()
    today = timezone.localdate(now)
    tz = timezone.get_current_timezone()
    viewer = scope.viewer(request.user)
    items = dashboard.team_action_items(user=viewer, teams=scope.teams)
    limit = dashboard.LIST_LIMIT
    overdue = item_rows(dashboard.overdue(items, today).order_by("due_date", "pk")[:limit])
    due_soon = item_rows(dashboard.due_soon(items, today).order_by("due_date", "pk")[:limit])
    unplanned = item_rows(dashboard.unplanned(items).order_by("created_at", "pk")[:limit])
    counts = dashboard.headline_counts(items, today)
    outcomes = outcome_counts(items, today)
    # A GET that writes: the months missing from HealthRollup are stored (see its
    # docstring for why the write stays here rather than in the hourly task).
    months = review_health_refreshing_rollups(
        user=viewer, teams=scope.teams, now=now, tz=tz, open_now=counts["open"]
    )
    context = {
        "scope": scope,
        "today": today,
        "now": now,
        "counts": counts,
        "overdue_groups": dashboard.group_by_owner(overdue),
        "overdue_load": dashboard.overdue_load(items, today, limit=limit),
        "due_soon": due_soon,
        "unplanned": unplanned,
        "outcomes": outcomes,
        "unverified": due_outcome_rows(items, today, limit=limit) if outcomes["due"] else [],
        "due_soon_days": dashboard.DUE_SOON_DAYS,
        "missing": list(
            dashboard.incidents_missing_review(user=viewer, teams=scope.teams, now=now)[:limit]
        ),
        "stale": list(dashboard.team_stale_drafts(user=viewer, teams=scope.teams, now=now)[:limit]),
        "stale_days": stale_draft_days(),
        "recurrences": confirmed_by_service(
            user=viewer, teams=scope.teams, since=now - timedelta(days=RECURRENCE_DAYS)
        ),
        "recurrence_days": RECURRENCE_DAYS,
        "limit": limit,
        "months": months,
        # Built by the template only when its cache has no charts under charts_key.
        "charts": partial(health_charts, months, team=scope.key),
        "charts_key": charts_key(months, team=scope.key),
        "charts_seconds": CHARTS_SECONDS,
        "health_live": timedelta(seconds=settings.HEALTH_LIVE_SECONDS),
        "pulse": pulse_trend(teams=scope.teams, today=today) if scope.key else [],
        "pulse_min": MIN_ANSWERS,
        "oncall": (
            oncall_overview(team=scope.teams[0], now=now) if scope.leads and scope.teams else None
        ),
    }
    return TemplateResponse(request, "postmortems/dashboard.html", context)


def _item_filters(request: AuthenticatedHttpRequest) -> ItemFilters:
    get = request.GET
    state = get.get("state", "open")
    return ItemFilters(
        state=state if state in dashboard.STATES else "open",
        owner=get.get("owner", "")[:12],
        created_month=parse_month(get.get("created", "")),
        completed_month=parse_month(get.get("completed", "")),
    )


def _listed_items(request: AuthenticatedHttpRequest):
    scope = get_dashboard_scope_for_user(request, request.GET.get("team", ""))
    filters = _item_filters(request)
    items = dashboard.filtered_items(
        dashboard.team_action_items(user=scope.viewer(request.user), teams=scope.teams),
        filters,
        today=timezone.localdate(),
        tz=timezone.get_current_timezone(),
    )
    return scope, filters, items


@require_GET
def dashboard_items_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The list behind the dashboard's numbers and charts, with the same inline actions."""
    scope, filters, items = _listed_items(request)
    page = Paginator(items, ITEMS_PAGE_SIZE).get_page(request.GET.get("page"))
    # The page's slice of `items`, still a queryset, read as rows.
    page.object_list = item_rows(cast("QuerySet[ActionItem]", page.object_list))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "scope": scope,
        "filters": filters,
        "states": dashboard.STATES,
        "page": page,
        "today": timezone.localdate(),
        "query": query.urlencode(),
    }
    return TemplateResponse(request, "postmortems/dashboard_items.html", context)


@require_GET
def dashboard_items_csv_view(request: AuthenticatedHttpRequest) -> StreamingHttpResponse:
    """The action item list as CSV: the same filters and the same visibility rule."""
    scope, filters, items = _listed_items(request)
    today = timezone.localdate()
    name = f"action-items-{scope.key or 'none'}-{filters.state}-{today.isoformat()}.csv"
    response = StreamingHttpResponse(
        csv_chunks(
            items,
            today=today,
            tz=timezone.get_current_timezone(),
            base=request.build_absolute_uri("/").rstrip("/"),
        ),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_GET
def my_work_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Everyone's own list: open action items, done ones waiting for their outcome,
    drafts, incidents still missing a review."""
    user: User = request.user
    now = timezone.now()
    today = timezone.localdate(now)
    items = item_rows(dashboard.my_open_items(user))
    drafts = dashboard.my_drafts(user)
    missing = (
        incidents_awaiting_review().filter(owner=user).select_related("team").order_by("clock")
    )
    context = {
        "items": items,
        "awaiting": my_awaiting_outcome(user),
        "drafts": drafts,
        "missing": missing,
        "today": today,
        "now": now,
    }
    return TemplateResponse(request, "postmortems/my_work.html", context)

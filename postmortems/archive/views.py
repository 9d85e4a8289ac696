"""The archive of published reviews: search with filters and facets."""

from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.db.models import Q
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from accounts.http import AuthenticatedHttpRequest
from lib.http_methods import require_POST_or_back
from lib.moments import day_in_range
from postmortems.archive.models import Subscription
from postmortems.archive.search import (
    Catalog,
    SearchParams,
    published_postmortems,
    search_postmortems,
)
from postmortems.archive.services import subscription_set
from postmortems.models.catalog import Service, Tag
from postmortems.models.incidents import Severity
from postmortems.permissions import visible_tags

ON_THIS_DAY_YEARS = 30  # how far back "today in postmortem history" looks


def _date(value: str) -> date | None:
    try:
        day = date.fromisoformat(value) if value else None
    except ValueError:
        return None
    return day if day and day_in_range(day) else None


def params_from(request: AuthenticatedHttpRequest) -> SearchParams:
    get = request.GET
    severity = get.get("severity", "")
    return SearchParams(
        q=get.get("q", "").strip()[:300],
        service=get.get("service", "")[:100],
        tag=get.get("tag", "")[:50],
        severity=severity if severity in Severity.values else "",
        team=get.get("team", "")[:100],
        published_from=_date(get.get("from", "")),
        published_to=_date(get.get("to", "")),
        open_items=get.get("open_items") == "1",
        recurred=get.get("recurred") == "1",
    )


def on_this_day(request: AuthenticatedHttpRequest):
    """Reviews published on this date in past years ("today in postmortem history").

    One range per year of the viewer's local day, back ON_THIS_DAY_YEARS, each read
    from the index on status and publication time: a month-and-day test read every
    published review. The id breaks ties, and with it PostgreSQL reads the ranges
    rather than walking the index newest first through a whole year of reviews
    (bench/README.md, "My work, and a sweep of every page at this size", point 4)."""
    today = timezone.localdate()
    tz = timezone.get_current_timezone()
    days = Q()
    for years_ago in range(1, ON_THIS_DAY_YEARS + 1):
        try:
            day = today.replace(year=today.year - years_ago)
        except ValueError:  # 29 February, in a year without one
            continue
        days |= Q(
            published_at__gte=datetime.combine(day, time.min, tzinfo=tz),
            published_at__lt=datetime.combine(day + timedelta(days=1), time.min, tzinfo=tz),
        )
    return (
        published_postmortems(request.user)
        .filter(days)
        .select_related("incident")
        .only("published_at", "incident__number", "incident__title")
        .order_by("-published_at", "-pk")[:5]
    )


def _follow_context(
    request: AuthenticatedHttpRequest, params: SearchParams, catalog: Catalog
) -> dict:
    """When the archive is narrowed to one service or tag, offer to follow it."""
    found: list[Service] | list[Tag]
    if params.service:
        found, param = [s for s in catalog.services if s.slug == params.service], "service"
    elif params.tag:
        found, param = [t for t in catalog.tags if t.slug == params.tag], "tag"
    else:
        return {}
    if not found:
        return {}
    target = found[0]
    following = Subscription.objects.filter(user=request.user, **{param: target}).exists()
    return {"follow_target": target, "follow_param": param, "following": following}


@require_GET
@vary_on_headers("HX-Request")
def archive_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    params = params_from(request)
    results = search_postmortems(
        user=request.user, params=params, page_number=request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "params": params,
        "results": results,
        "page": results.page,
        "facets": results.facets,
        "query": query.urlencode(),
        "services": [(s.slug, s.name) for s in results.catalog.services],
        "tags": [(t.slug, t.name) for t in results.catalog.tags],
        "teams": [(t.slug, t.name) for t in results.catalog.teams],
        "severities": Severity.choices,
    }
    context.update(_follow_context(request, params, results.catalog))
    if request.htmx and not request.htmx.boosted:
        return TemplateResponse(request, "postmortems/archive_filtered.html", context)
    if not params.q and not params.has_filters:
        context["on_this_day"] = on_this_day(request)
    return TemplateResponse(request, "postmortems/archive.html", context)


@require_POST_or_back("pm-archive")
def follow_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Follow or unfollow a service or a tag: email when a review about it is published."""
    service = Service.objects.filter(slug=request.POST.get("service", "")).first()
    tags = visible_tags(request.user)
    tag = tags.filter(slug=request.POST.get("tag", "")).first() if not service else None
    target = service or tag
    if target is None:
        return HttpResponseBadRequest("Name a service or a tag to follow.")
    following = request.POST.get("action") != "unfollow"
    subscription_set(user=request.user, service=service, tag=tag, following=following)
    param = "service" if service else "tag"
    if request.htmx:
        context = {"follow_target": target, "follow_param": param, "following": following}
        return TemplateResponse(request, "postmortems/archive.html#follow", context)
    verb = "Following" if following else "No longer following"
    messages.success(request, f"{verb} {target}.")
    return redirect(f"{reverse('pm-archive')}?{urlencode({param: target.slug})}")

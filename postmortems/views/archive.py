"""The archive of published reviews: search with filters and facets."""

from datetime import date
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from accounts.http import AuthenticatedHttpRequest
from postmortems.models import Service, Severity, Subscription, Tag
from postmortems.search import (
    Catalog,
    SearchParams,
    published_postmortems,
    search_postmortems,
)
from postmortems.services.subscriptions import subscription_set


def _date(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


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
    )


def on_this_day(request: AuthenticatedHttpRequest):
    """Reviews published on this date in past years ("today in postmortem history")."""
    today = timezone.localdate()
    return (
        published_postmortems(request.user)
        .filter(published_at__month=today.month, published_at__day=today.day)
        .exclude(published_at__year=today.year)
        .select_related("incident")
        .order_by("-published_at")[:5]
    )


def _follow_context(
    request: AuthenticatedHttpRequest, params: SearchParams, catalog: Catalog
) -> dict:
    """When the archive is narrowed to one service or tag, offer to follow it."""
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
    template = "postmortems/archive.html"
    if request.htmx and not request.htmx.boosted:
        return TemplateResponse(request, f"{template}#results", context)
    if not params.q and not params.has_filters:
        context["on_this_day"] = on_this_day(request)
    context.update(_follow_context(request, params, results.catalog))
    return TemplateResponse(request, template, context)


@require_POST
def follow_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Follow or unfollow a service or a tag: email when a review about it is published."""
    service = Service.objects.filter(slug=request.POST.get("service", "")).first()
    tag = Tag.objects.filter(slug=request.POST.get("tag", "")).first() if not service else None
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

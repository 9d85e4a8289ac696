"""Browsing the archive: the service tree, tags, and personal Atom feeds.

Every count is of published reviews the viewer may see (search.published_postmortems),
so a restricted incident is never counted for someone who cannot open it. Counts
take a fixed number of queries however many services, tags or reviews there are.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypedDict

from django.contrib.auth.decorators import login_not_required
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts.http import AuthenticatedHttpRequest
from accounts.models import Team, User
from postmortems.archive.feeds import feed_url, reviews_feed
from postmortems.archive.search import published_postmortems
from postmortems.models.catalog import Service, Tag
from postmortems.models.incidents import Incident
from postmortems.permissions import visible_tags

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


@dataclass
class ServiceNode:
    service: Service
    direct: int = 0  # reviews whose incident lists this service itself
    total: int = 0  # reviews whose incident lists this service or any service below it
    children: list["ServiceNode"] = field(default_factory=list)
    feed_url: str = ""


def _ancestry(parents: dict[int, int | None], pk: int | None) -> list[int]:
    """`pk` and every service above it. Stops at a loop (only self-parenting is forbidden
    by a constraint; a longer cycle made in the admin must not hang the page)."""
    chain: list[int] = []
    while pk is not None and pk not in chain:
        chain.append(pk)
        pk = parents.get(pk)
    return chain


def service_tree(*, user: User) -> list[ServiceNode]:
    """The service hierarchy with review counts, in three queries.

    1. All services (the tree is small).
    2. Direct counts per service: one aggregate over the incident-service links of
       visible published reviews.
    3. The links of incidents that list several services. Summing children's counts
       would count such a review once per listed service under a common ancestor
       (checkout-api and checkout-db under checkout), so those are corrected: each
       review counts once per ancestor. Usually few rows; never one query per service.
    """
    services = list(Service.objects.only("name", "slug", "parent_id").order_by("name"))
    parents = {s.pk: s.parent_id for s in services}
    links = Incident.services.through.objects.filter(
        incident_id__in=published_postmortems(user).values("incident_id")
    ).order_by()
    direct = dict(links.values_list("service_id").annotate(n=Count("*")))
    multi_service = (
        links.values("incident_id")
        .annotate(n=Count("*"))
        # The plugin does not see an annotation made after values().
        .filter(n__gt=1)  # type: ignore[misc]
    )
    shared: defaultdict[int, list[int]] = defaultdict(list)
    for incident_id, service_id in Incident.services.through.objects.filter(
        incident_id__in=multi_service.values("incident_id")
    ).values_list("incident_id", "service_id"):
        shared[incident_id].append(service_id)

    total: defaultdict[int, int] = defaultdict(int)
    for service_id, n in direct.items():
        for pk in _ancestry(parents, service_id):
            total[pk] += n
    for service_ids in shared.values():
        under: defaultdict[int, int] = defaultdict(int)  # ancestor -> listed services below it
        for service_id in service_ids:
            for pk in _ancestry(parents, service_id):
                under[pk] += 1
        for pk, times in under.items():
            total[pk] -= times - 1  # counted `times` times, should count once

    nodes = {s.pk: ServiceNode(s, direct.get(s.pk, 0), total[s.pk]) for s in services}
    roots = []
    for service in services:  # by name, so children come out sorted too
        parent = nodes.get(service.parent_id) if service.parent_id else None
        if parent is None or service.pk in _ancestry(parents, service.parent_id):
            roots.append(nodes[service.pk])  # a root, or part of a loop: show it at the top
        else:
            parent.children.append(nodes[service.pk])
    return roots


class _ReviewCount(TypedDict):
    review_count: int


def tags_with_counts(*, user: User) -> "QuerySet[WithAnnotations[Tag, _ReviewCount]]":
    """Tags on at least one visible published review, most used first (one query)."""
    # Filtering the relation before annotating makes Count use the same join, so
    # only visible published reviews are counted.
    return (
        Tag.objects.filter(postmortems__in=published_postmortems(user).values("pk"))
        .annotate(review_count=Count("postmortems"))
        .order_by("-review_count", "name")
    )


def _with_feed_urls(nodes: list[ServiceNode], user: User) -> list[ServiceNode]:
    for node in nodes:
        node.feed_url = feed_url(user, {"service": node.service.slug})
        _with_feed_urls(node.children, user)
    return nodes


@require_GET
def services_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    tree = _with_feed_urls(service_tree(user=request.user), request.user)
    return TemplateResponse(request, "postmortems/archive_services.html", {"tree": tree})


@require_GET
def tags_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    tags = list(tags_with_counts(user=request.user))
    for tag in tags:
        tag.feed_url = feed_url(request.user, {"tag": tag.slug})
    return TemplateResponse(request, "postmortems/archive_tags.html", {"tags": tags})


@require_GET
@never_cache  # the page holds private feed links: keep it out of shared caches
def feeds_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user

    def rows(objects, kind: str) -> list[tuple[str, str]]:
        return [(obj.name, feed_url(user, {kind: obj.slug})) for obj in objects]

    context = {
        "all_feed_url": feed_url(user, {}),
        "groups": [
            ("Teams", rows(Team.objects.only("name", "slug"), "team")),
            ("Services", rows(Service.objects.only("name", "slug"), "service")),
            ("Tags", rows(visible_tags(user).only("name", "slug"), "tag")),
        ],
    }
    return TemplateResponse(request, "postmortems/archive_feeds.html", context)


@login_not_required  # feed readers cannot sign in: the signed token names the user
@require_GET
def atom_feed_view(request: HttpRequest, token: str) -> HttpResponse:
    response = reviews_feed(request, token=token)
    response["Cache-Control"] = "private"
    response["X-Robots-Tag"] = "noindex"
    return response

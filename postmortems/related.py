"""Related reviews: published postmortems that share services or tags with this one.

Ranked in the database: 2 points per shared service, 1 per shared tag. Ties go
to the review whose text best matches this one's title (PostgreSQL only, where
the stored search vector makes it a cheap ts_rank), then to the newest.
"""

import re

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import Count, F, FloatField, IntegerField, OuterRef, Prefetch, Subquery, Value
from django.db.models.functions import Coalesce

from accounts.models import User
from postmortems.models import Incident, Postmortem, Service, Tag
from postmortems.search import published_postmortems

SERVICE_WEIGHT = 2
TAG_WEIGHT = 1
_TITLE_WORDS = 12  # enough to describe an incident, short enough to keep ts_rank cheap


def _count(rows, group: str) -> Coalesce:
    """COUNT(*) of `rows` (already correlated to the outer row), 0 when there are none."""
    counted = rows.order_by().values(group).annotate(n=Count("*")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def _title_query(title: str) -> SearchQuery | None:
    words = re.findall(r"\w+", title)[:_TITLE_WORDS]
    if not words:
        return None
    return SearchQuery(" or ".join(words), search_type="websearch", config="english")


def related_postmortems(*, postmortem: Postmortem, user: User, limit: int = 5) -> list[Postmortem]:
    """Up to `limit` published reviews `user` may see that share a service or a tag.

    Costs one query, plus two (the shared services and tags to show) when something
    matches; none when this review has neither services nor tags. Uses this review's
    prefetched `incident.services` and `tags` when the caller loaded them.
    Each result carries `shared_services` and `shared_tags` (lists, by name).
    """
    service_ids = [s.pk for s in postmortem.incident.services.all()]
    tag_ids = [t.pk for t in postmortem.tags.all()]
    if not service_ids and not tag_ids:
        return []
    # An empty id list would make an always-empty subquery: skip it outright.
    shared_services = (
        _count(
            Incident.services.through.objects.filter(
                incident_id=OuterRef("incident_id"), service_id__in=service_ids
            ),
            "incident_id",
        )
        if service_ids
        else Value(0)
    )
    shared_tags = (
        _count(
            Postmortem.tags.through.objects.filter(
                postmortem_id=OuterRef("pk"), tag_id__in=tag_ids
            ),
            "postmortem_id",
        )
        if tag_ids
        else Value(0)
    )
    candidates = (
        published_postmortems(user)
        .exclude(pk=postmortem.pk)
        .annotate(score=SERVICE_WEIGHT * shared_services + TAG_WEIGHT * shared_tags)
        .filter(score__gt=0)
    )
    order = ["-score"]
    query = _title_query(postmortem.incident.title)
    if connection.vendor == "postgresql" and query is not None:
        # Reviews indexed before the search migration may lack a vector: rank them 0.
        candidates = candidates.annotate(
            similarity=Coalesce(
                SearchRank(F("search_entry__search_vector"), query),
                Value(0.0),
                output_field=FloatField(),
            )
        )
        order.append("-similarity")
    related = list(
        candidates.select_related("incident")
        # Only what the list shows: the search columns hold the whole text.
        .only("status", "published_at", "incident__number", "incident__title")
        .prefetch_related(
            Prefetch(
                "incident__services",
                queryset=Service.objects.filter(pk__in=service_ids).order_by("name"),
                to_attr="shared",
            ),
            Prefetch(
                "tags",
                queryset=Tag.objects.filter(pk__in=tag_ids).order_by("name"),
                to_attr="shared_tags",
            ),
        )
        .order_by(*order, "-published_at", "-pk")[:limit]
    )
    for other in related:
        other.shared_services = other.incident.shared
    return related

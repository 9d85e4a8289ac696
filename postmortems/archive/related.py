"""Related reviews: published postmortems that share services or tags with this one.

Ranked in the database: 2 points per shared service, 1 per shared tag. Ties go
to the review whose text best matches this one's title (PostgreSQL only, where
the stored search vector makes it a cheap ts_rank), then to the newest. On
PostgreSQL the text ranks the SHORTLIST best scored, not every candidate.
"""

import re
from collections.abc import Iterable
from operator import attrgetter

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import (
    Count,
    Expression,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce

from accounts.models import User
from postmortems.archive.search import published_postmortems
from postmortems.models.incidents import Incident
from postmortems.models.reviews import Postmortem

SERVICE_WEIGHT = 2
TAG_WEIGHT = 1
_TITLE_WORDS = 12  # enough to describe an incident, short enough to keep ts_rank cheap
SHORTLIST = 1000  # on PostgreSQL, the best scored candidates that the title then ranks


def _count(rows, group: str) -> Coalesce:
    """COUNT(*) of `rows` (already correlated to the outer row), 0 when there are none."""
    counted = rows.order_by().values(group).annotate(n=Count("*")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def _title_query(title: str) -> SearchQuery | None:
    words = re.findall(r"\w+", title)[:_TITLE_WORDS]
    if not words:
        return None
    return SearchQuery(" or ".join(words), search_type="websearch", config="english")


def _best_scored(
    services: Iterable[int], tags: Iterable[int], visible: QuerySet[Postmortem]
) -> tuple[str, list]:
    """PostgreSQL: the ids of the SHORTLIST best scored reviews among `visible`.

    A popular tag is shared by thousands of reviews (8,700 of 100,000 in the
    benchmark). Scoring each with two correlated counts and ranking each by text
    read every candidate's row and search vector. Here the scores are summed from
    the two link tables alone, sorted, and only then checked against `visible` one
    by one (OFFSET 0 keeps PostgreSQL from joining every candidate before sorting)
    until SHORTLIST are found; the cost still grows with the links read
    (bench/README.md, "My work, and a sweep of every page at this size", point 2,
    has the numbers). Among equal scores at the shortlist's edge the newest ids go
    first.
    """
    shared, params = [], []
    if services:
        shared.append(
            f"SELECT p.id AS pm_id, %s AS w FROM {Incident.services.through._meta.db_table} s"
            f" JOIN {Postmortem._meta.db_table} p ON p.incident_id = s.incident_id"
            " WHERE s.service_id = ANY(%s)"
        )
        params += [SERVICE_WEIGHT, list(services)]
    if tags:
        shared.append(
            f"SELECT t.postmortem_id AS pm_id, %s AS w"
            f" FROM {Postmortem.tags.through._meta.db_table} t"
            " WHERE t.tag_id = ANY(%s)"
        )
        params += [TAG_WEIGHT, list(tags)]
    visible_sql, visible_params = visible.values("pk").query.sql_with_params()
    sql = (
        "SELECT best.pm_id FROM ("
        f"SELECT pm_id, SUM(w) AS score FROM ({' UNION ALL '.join(shared)}) links"
        " GROUP BY pm_id ORDER BY score DESC, pm_id DESC OFFSET 0"
        f") best WHERE best.pm_id IN ({visible_sql})"
        " ORDER BY best.score DESC, best.pm_id DESC LIMIT %s"
    )
    return sql, [*params, *visible_params, SHORTLIST]


def related_postmortems(*, postmortem: Postmortem, user: User, limit: int = 5) -> list[Postmortem]:
    """Up to `limit` published reviews `user` may see that share a service or a tag.

    Costs one query, plus two (which services and tags each one shares) when something
    matches; none when this review has neither services nor tags. Uses this review's
    prefetched `incident.services` and `tags` when the caller loaded them.
    Each result carries `shared_services` and `shared_tags` (lists, by name).
    """
    services = {s.pk: s for s in postmortem.incident.services.all()}
    tags = {t.pk: t for t in postmortem.tags.all()}
    if not services and not tags:
        return []
    service_links = Incident.services.through.objects.filter(service_id__in=list(services))
    tag_links = Postmortem.tags.through.objects.filter(tag_id__in=list(tags))
    # The candidates first, by two hashed id lists, so the score (two counts) and the
    # title rank are computed for the reviews that share something, not for every
    # published one. An empty id list would be an always-empty subquery: left out.
    shares = Q()
    shared_services: Expression = Value(0)
    shared_tags: Expression = Value(0)
    if services:
        shares |= Q(incident_id__in=service_links.values("incident_id"))
        shared_services = _count(
            service_links.filter(incident_id=OuterRef("incident_id")), "incident_id"
        )
    if tags:
        shares |= Q(pk__in=tag_links.values("postmortem_id"))
        shared_tags = _count(tag_links.filter(postmortem_id=OuterRef("pk")), "postmortem_id")
    visible = published_postmortems(user).exclude(pk=postmortem.pk)
    if connection.vendor == "postgresql":
        candidates = visible.filter(pk__in=RawSQL(*_best_scored(services, tags, visible)))
    else:
        candidates = visible.filter(shares)
    candidates = candidates.annotate(
        score=SERVICE_WEIGHT * shared_services + TAG_WEIGHT * shared_tags
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
    related: list[Postmortem] = list(
        candidates.select_related("incident")
        # Only what the list shows: the search columns hold the whole text.
        .only("status", "published_at", "incident__number", "incident__title")
        .order_by(*order, "-published_at", "-pk")[:limit]
    )
    if not related:
        return []
    # What each one shares: this review's own services and tags, picked by id.
    by_incident = {other.incident_id: other for other in related}
    for other in related:
        other.shared_services, other.shared_tags = [], []
    for incident_id, service_id in service_links.filter(
        incident_id__in=list(by_incident)
    ).values_list("incident_id", "service_id"):
        by_incident[incident_id].shared_services.append(services[service_id])
    by_pk = {other.pk: other for other in related}
    for postmortem_id, tag_id in tag_links.filter(postmortem_id__in=list(by_pk)).values_list(
        "postmortem_id", "tag_id"
    ):
        by_pk[postmortem_id].shared_tags.append(tags[tag_id])
    for other in related:
        other.shared_services.sort(key=attrgetter("name"))
        other.shared_tags.sort(key=attrgetter("name"))
    return related


def related_for_review_page(*, postmortem: Postmortem, user: User) -> dict:
    """PAGE_EXTRAS["review-read"]. Called after postmortem_with_content, so it reuses the
    prefetched services and tags."""
    return {"related": related_postmortems(postmortem=postmortem, user=user)}

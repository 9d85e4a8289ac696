"""/api/v1/archive: search published postmortems, as the archive page does."""

from datetime import datetime
from typing import Any

from django.urls import reverse
from ninja import Field, Query, Router, Schema
from pydantic.json_schema import SkipJsonSchema

from accounts.http import AuthenticatedHttpRequest
from postmortems.api.errors import READ_ERRORS
from postmortems.api.schemas import Day, SeverityValue, Text, web_url
from postmortems.archive.search import RESULT_WINDOW, SearchParams, search_postmortems

router = Router(tags=["archive"])


class ArchiveQueryIn(Schema):
    """The archive page's parameters, with the same names."""

    q: Text = Field("", max_length=300, description='Words, "phrases", -exclusions, OR.')
    service: Text = Field("", max_length=100, description="Service slug, with its children.")
    tag: Text = Field("", max_length=50, description="Tag slug.")
    severity: SeverityValue | SkipJsonSchema[None] = None
    team: Text = Field("", max_length=100, description="Team slug.")
    published_from: Day | SkipJsonSchema[None] = Field(None, alias="from", description="Inclusive.")
    published_to: Day | SkipJsonSchema[None] = Field(None, alias="to", description="Inclusive.")
    open_items: bool = Field(False, description="Only reviews with unfinished action items.")
    recurred: bool = Field(False, description="Only reviews whose incident recurred (confirmed).")
    page: int = Field(1, ge=1, le=1_000)


class HitOut(Schema):
    incident: int
    reference: str
    title: str
    team: str
    severity: SeverityValue
    published_at: datetime | None
    summary: str
    snippet: str | None = Field(
        description="HTML: the matching words in <mark>, everything else escaped."
    )
    tags: list[str]
    services: list[str]
    recurred: bool = Field(description="A later incident was confirmed as its recurrence.")
    url: str


class FacetOut(Schema):
    value: str = Field(description="A slug, or the severity.")
    name: str
    count: int


class FacetsOut(Schema):
    services: list[FacetOut]
    tags: list[FacetOut]
    severities: list[FacetOut]
    teams: list[FacetOut]


class ArchivePageOut(Schema):
    count: int = Field(description=f"Matches, counted up to {RESULT_WINDOW}.")
    more: bool = Field(description="There may be older matches than those counted.")
    page: int
    pages: int
    items: list[HitOut]
    facets: FacetsOut


def _hit(postmortem) -> dict[str, Any]:
    incident = postmortem.incident
    return {
        "incident": incident.number,
        "reference": incident.reference,
        "title": incident.title,
        "team": incident.team.slug,
        "severity": incident.severity,
        "published_at": postmortem.published_at,
        "summary": postmortem.summary,
        "snippet": str(postmortem.snippet) if postmortem.snippet else None,
        "tags": [tag.slug for tag in postmortem.tag_list],
        "services": [service.slug for service in postmortem.service_list],
        "recurred": postmortem.recurred,
        "url": web_url(reverse("pm-postmortem-detail", args=[incident.number])),
    }


@router.get("/archive", response={200: ArchivePageOut, **READ_ERRORS}, url_name="archive")
def search_archive(request: AuthenticatedHttpRequest, params: Query[ArchiveQueryIn]):
    """Published postmortems you may see, best match first (newest first without `q`)."""
    results = search_postmortems(
        user=request.user,
        params=SearchParams(
            q=params.q.strip(),
            service=params.service,
            tag=params.tag,
            severity=params.severity or "",
            team=params.team,
            published_from=params.published_from,
            published_to=params.published_to,
            open_items=params.open_items,
            recurred=params.recurred,
        ),
        page_number=params.page,
    )
    page, facets = results.page, results.facets
    return {
        "count": page.paginator.count,
        "more": page.more,  # type: ignore[attr-defined]  # set by search_postmortems
        "page": page.number,
        "pages": page.paginator.num_pages,
        "items": [_hit(postmortem) for postmortem in page.object_list],
        "facets": {
            "services": [{"value": s.slug, "name": s.name, "count": n} for s, n in facets.services],
            "tags": [{"value": t.slug, "name": t.name, "count": n} for t, n in facets.tags],
            "severities": [
                {"value": value, "name": label, "count": n} for value, label, n in facets.severities
            ],
            "teams": [{"value": t.slug, "name": t.name, "count": n} for t, n in facets.teams],
        },
    }

"""Paged lists: every list answers {count, page, pages, items}."""

from collections.abc import Callable
from typing import Any

from django.core.paginator import Paginator
from django.db.models import QuerySet
from ninja import Field, Schema


class PageOut(Schema):
    count: int = Field(description="Matches in all pages.")
    page: int = Field(description="This page; past the last one, `items` is empty.")
    pages: int


def page_of(
    items: QuerySet, *, page: int, page_size: int, out: Callable[[Any], dict]
) -> dict[str, Any]:
    """One page of `items`. A page past the end is empty, so a client that reads pages
    until one comes back empty stops; it never gets the last page again."""
    paginator = Paginator(items, page_size)
    rows = paginator.page(page).object_list if page <= paginator.num_pages else []
    return {
        "count": paginator.count,
        "page": page,
        "pages": paginator.num_pages,
        "items": [out(row) for row in rows],
    }

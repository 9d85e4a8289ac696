"""Paged lists: every list answers {count, page, pages, items}."""

import base64
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from ninja import Field, Schema

from postmortems.api.errors import InvalidInput


class PageOut(Schema):
    count: int = Field(description="Matches in all pages.")
    page: int = Field(description="This page; past the last one, `items` is empty.")
    pages: int


class SyncPageOut(PageOut):
    next_cursor: str | None = Field(
        description="With `updated_after`: send it as `cursor` to read on after this page "
        "(nothing is skipped or repeated however rows change meanwhile); null on the last."
    )


def page_of(
    items: QuerySet, *, page: int, page_size: int, out: Callable[[Any], Any]
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


# Sync: rows changed since a moment, read in the order they changed, (updated_at, id).
# Page numbers are not enough there: a row changed during the sync moves to the end,
# and every row after it moves up one place, so the next page would skip one. A
# cursor names the last row read (its change time and id) and the next read starts
# right after it, whatever changed meanwhile (keyset paging).
BAD_CURSOR = "Send back the `next_cursor` of an earlier answer, unchanged."


def sync_cursor(row) -> str:
    raw = f"{row.updated_at.isoformat()}|{row.pk}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def after_cursor(rows: QuerySet, cursor: str) -> QuerySet:
    """`rows` (ordered by updated_at, id) after the row `cursor` names; 422 for a cursor
    that is not one of ours."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        moment, pk = raw.split("|")
        updated_at, row_id = datetime.fromisoformat(moment), int(pk)
        if updated_at.tzinfo is None or not 0 < row_id < 2**63:
            raise ValueError(cursor)
    except ValueError as error:  # binascii.Error and UnicodeDecodeError are ValueErrors
        raise InvalidInput({"cursor": [BAD_CURSOR]}) from error
    return rows.filter(Q(updated_at__gt=updated_at) | Q(updated_at=updated_at, pk__gt=row_id))


def sync_page_of(
    rows: QuerySet, *, cursor: str, page: int, page_size: int, out: Callable[[Any], Any]
) -> dict[str, Any]:
    """page_of() for rows ordered by (updated_at, id), with `next_cursor`: the last
    row's, or None when nothing follows it."""
    if cursor:
        rows = after_cursor(rows, cursor)
    answer = page_of(rows, page=page, page_size=page_size, out=lambda row: row)
    last = answer["items"][-1] if answer["items"] else None
    more = last is not None and page < answer["pages"]
    answer["next_cursor"] = sync_cursor(last) if more else None
    answer["items"] = [out(row) for row in answer["items"]]
    return answer

"""Presentation helpers for action item rows (the dashboard, the editor, the history page)."""

from datetime import date

from django import template

from postmortems.insights.item_rows import ROW_TEMPLATE, RowState, row_context
from postmortems.insights.item_rows import days_overdue as overdue_days
from postmortems.models.actions import ActionItem
from postmortems.readiness.action_quality import QualityFlag, action_item_flags

register = template.Library()


@register.filter
def days_overdue(item: ActionItem, today: date) -> int:
    """Whole days past the due date on `today` (the viewer's local date); 0 if not overdue."""
    return overdue_days(item, today)


@register.filter
def quality_flags(item: ActionItem) -> list[QualityFlag]:
    """What makes `item` less than actionable (postmortems/readiness/action_quality.py)."""
    return action_item_flags(item)


@register.inclusion_tag(ROW_TEMPLATE, takes_context=True)
def item_row(context, item: ActionItem) -> dict:
    """One action item as a table row with its inline actions: the partial `row` of
    postmortems/templates/postmortems/includes/item_table.html, with the values of
    postmortems/insights/item_rows.py.

    From the context: `today` (the viewer's local date), `next_url` (where a form
    without JavaScript returns; the current page if unset), `csrf_token`, and for a
    row answering its own action, `expanded`, `row_error`, `row_message`, `typed`."""
    request = context.get("request")
    state = RowState(
        today=context.get("today"),
        next_url=context.get("next_url") or (request.get_full_path() if request else ""),
        expanded=bool(context.get("expanded")),
        error=context.get("row_error") or "",
        message=context.get("row_message") or "",
        typed=context.get("typed") or {},
    )
    # The inclusion tag passes the page's csrf_token on to the row.
    return row_context(item, state)

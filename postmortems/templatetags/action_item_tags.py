"""Presentation helpers for action item rows (the dashboard, the editor, the history page)."""

from datetime import date

from django import template
from django.utils.safestring import SafeString

from postmortems.action_quality import QualityFlag, action_item_flags
from postmortems.item_rows import RowState
from postmortems.item_rows import days_overdue as overdue_days
from postmortems.item_rows import item_row as render_item_row
from postmortems.models import ActionItem

register = template.Library()


@register.filter
def days_overdue(item: ActionItem, today: date) -> int:
    """Whole days past the due date on `today` (the viewer's local date); 0 if not overdue."""
    return overdue_days(item, today)


@register.filter
def quality_flags(item: ActionItem) -> list[QualityFlag]:
    """What makes `item` less than actionable (postmortems/action_quality.py)."""
    return action_item_flags(item)


@register.simple_tag(takes_context=True)
def item_row(context, item: ActionItem) -> SafeString:
    """One action item as a table row with its inline actions (postmortems/item_rows.py).

    From the context: `today` (the viewer's local date), `next_url` (where a form
    without JavaScript returns; the current page if unset), `csrf_token`, and for a
    row answering its own action, `expanded`, `row_error`, `row_message`, `typed`."""
    request = context.get("request")
    state = RowState(
        today=context.get("today"),
        next_url=context.get("next_url") or (request.get_full_path() if request else ""),
        csrf_token=str(context.get("csrf_token") or ""),
        expanded=bool(context.get("expanded")),
        error=context.get("row_error") or "",
        message=context.get("row_message") or "",
        typed=context.get("typed") or {},
    )
    return render_item_row(item, state)

"""Presentation helpers for action item rows (the dashboard, the editor, the history page)."""

from datetime import date

from django import template

from postmortems.action_quality import QualityFlag, action_item_flags
from postmortems.models import ActionItem

register = template.Library()


@register.filter
def days_overdue(item: ActionItem, today: date) -> int:
    """Whole days past the due date on `today` (the viewer's local date); 0 if not overdue."""
    return item.days_overdue_on(today) if isinstance(today, date) else 0


@register.filter
def quality_flags(item: ActionItem) -> list[QualityFlag]:
    """What makes `item` less than actionable (postmortems/action_quality.py)."""
    return action_item_flags(item)

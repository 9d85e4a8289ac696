"""Presentation helpers for action item rows (the dashboard, the editor, the history page)."""

from datetime import date
from functools import lru_cache
from uuid import UUID

from django import template
from django.urls import get_script_prefix, get_urlconf, reverse

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


# A dashboard row links to eight pages of its item. {% url %} resolves each through the
# URL resolver, which was a third of the time of rendering a row; the paths differ
# only in the incident number and the item code, so each name is reversed once (per
# URLconf and script prefix) with placeholders, and a row fills them in.
ROW_LINKS = {
    "detail": "pm-postmortem-detail",
    "incident": "pm-incident-detail",
    "history": "pm-action-history",
    "done": "pm-action-done",
    "nudge": "pm-action-nudge",
    "change": "pm-action-change",
    "extend": "pm-action-extend",
    "reassign": "pm-action-reassign",
}
_NUMBER = 987654321
_CODE = UUID("00000000-0000-4000-8000-000000000000")


@lru_cache(maxsize=32)
def _link_patterns(prefix: str, urlconf: str | None) -> dict[str, str]:
    patterns = {}
    for key, name in ROW_LINKS.items():
        args = [_NUMBER] if name in ("pm-postmortem-detail", "pm-incident-detail") else None
        path = reverse(name, args=args or [_NUMBER, _CODE], urlconf=urlconf)
        patterns[key] = path.replace(str(_CODE), "{code}").replace(str(_NUMBER), "{number}")
    return patterns


@register.filter
def row_links(item: ActionItem) -> dict[str, str]:
    """The paths of `item`'s pages (ROW_LINKS); needs `item.postmortem.incident`."""
    number, code = str(item.postmortem.incident.number), str(item.code)
    return {
        key: pattern.replace("{number}", number).replace("{code}", code)
        for key, pattern in _link_patterns(get_script_prefix(), get_urlconf()).items()
    }

"""Presentation helpers of the alert pages."""

from datetime import datetime

from django import template
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.filter
def inline_code(text: str) -> SafeString:
    """`name` as <code>name</code>, the rest escaped: the suggested fixes name rules and
    annotations that way (quality/explain.py; the report command prints them as they are)."""
    parts = text.split("`")
    if len(parts) % 2 == 0:  # an unpaired backtick: the text as it is
        parts = [text]
    html = "".join(
        f"<code>{escape(part)}</code>" if index % 2 else escape(part)
        for index, part in enumerate(parts)
    )
    return mark_safe(html)  # every part is escaped above


@register.filter
def moment(value: datetime | None) -> SafeString:
    """<time> of a moment in the viewer's time zone ("Nov 2, 10:00"), or a dash: the
    firings page shows three per row, 50 rows a page, and Django's date filter costs
    several times more per call."""
    if value is None:
        return mark_safe('<span class="muted">—</span>')
    here = timezone.localtime(value)
    label = f"{MONTHS[here.month - 1]} {here.day}, {here:%H:%M}"
    return mark_safe(f'<time datetime="{here.isoformat()}">{label}</time>')  # digits only


MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

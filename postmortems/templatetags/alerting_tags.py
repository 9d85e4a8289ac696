"""Presentation helpers of the alert pages."""

from django import template
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

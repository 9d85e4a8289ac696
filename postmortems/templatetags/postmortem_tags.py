"""Presentation helpers: Markdown, durations, badges."""

from datetime import timedelta

from django import template
from django.utils import timezone
from django.utils.safestring import SafeString

from lib.diffs import diff_lines
from lib.markdown import render_markdown
from lib.moments import duration_label
from postmortems.models.incidents import SEVERITY_MEANINGS, incident_reference

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text: str | None) -> SafeString:
    return render_markdown(text or "")


@register.filter
def duration(value: timedelta | None) -> str:
    return duration_label(value)


@register.filter
def severity_meaning(severity: str) -> str:
    return SEVERITY_MEANINGS.get(severity, "")


@register.filter
def incident_ref(number: int) -> str:
    return incident_reference(number)


@register.filter
def is_overdue(item) -> bool:
    """Overdue in the viewer's time zone (the middleware activates it)."""
    return item.is_overdue_on(timezone.localdate())


@register.inclusion_tag("postmortems/includes/diff.html")
def diff_table(old: str, new: str, old_label: str = "Before", new_label: str = "After") -> dict:
    """A line diff of two texts, escaped (lib/diffs.py)."""
    return {
        "lines": diff_lines(old or "", new or ""),
        "old_label": old_label,
        "new_label": new_label,
    }

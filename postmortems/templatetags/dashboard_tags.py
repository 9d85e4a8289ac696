"""The 24-hour postmortem clock, as the dashboard and "My work" show it."""

from datetime import datetime, timedelta

from django import template
from django.conf import settings
from django.utils.html import format_html

register = template.Library()


def _span(delta: timedelta) -> str:
    hours = int(delta.total_seconds() // 3600)
    if hours < 48:
        return f"{hours} h"
    return f"{hours // 24} days {hours % 24} h"


@register.simple_tag
def review_clock(clock: datetime, now: datetime) -> str:
    """Time since the clock started (resolution, or the start if unresolved), against
    the POSTMORTEM_DUE_HOURS deadline: how long is left, or how far past it is."""
    due = timedelta(hours=settings.POSTMORTEM_DUE_HOURS)
    elapsed = now - clock
    if elapsed < due:
        return format_html(
            '<span class="clock clock--running" title="since {}">{} left</span>',
            clock.isoformat(),
            _span(due - elapsed),
        )
    return format_html(
        '<span class="clock clock--late" title="since {}">{} since · {} past the {} h deadline'
        "</span>",
        clock.isoformat(),
        _span(elapsed),
        _span(elapsed - due),
        settings.POSTMORTEM_DUE_HOURS,
    )

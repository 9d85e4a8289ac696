"""The 24-hour postmortem clock, as the dashboard and "My work" show it."""

from datetime import datetime, timedelta

from django import template
from django.conf import settings
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from lib.charts import Chart

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


# A chart's bars and grid lines are most of its markup (48 bars for the severities of
# 12 months); rendering them here instead of in a template loop takes a fraction of the
# time, and the dashboard shows six charts.
@register.simple_tag
def chart_grid(chart: Chart) -> str:
    """The horizontal grid lines of `chart` with their labels (lib/charts.py)."""
    return format_html_join(
        "",
        '<line x1="{}" x2="{}" y1="{}" y2="{}" class="chart__grid"/><text x="{}" y="{}" '
        'class="chart__tick" text-anchor="end" dominant-baseline="middle">{}</text>',
        (
            (chart.left, chart.width, tick.y, tick.y, chart.left - 4, tick.y, tick.label)
            for tick in chart.ticks
        ),
    )


@register.simple_tag
def chart_bars(chart: Chart) -> str:
    """The bars of `chart`, each linking to the list behind it when it has one."""
    pieces = []
    for bar in chart.bars:
        rect = format_html(
            '<rect x="{}" y="{}" width="{}" height="{}" class="bar {}"><title>{}</title></rect>',
            bar.x, bar.y, bar.width, bar.height, bar.css, bar.title,
        )  # fmt: skip
        pieces.append(format_html('<a href="{}">{}</a>', bar.href, rect) if bar.href else rect)
    return mark_safe("".join(pieces))  # every piece was escaped by format_html

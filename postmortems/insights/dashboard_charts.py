"""The dashboard's trend charts, built from review_health's months.

Every bar links to the list behind it: incidents started that month (incident list)
or action items opened or finished that month (the dashboard's item list).

The six charts' markup (~150 bars, their tables) is the same for everyone who opens a
scope until its months' numbers change, so the dashboard keeps it in Django's cache
under `charts_key` (the template's `{% cache %}`), and builds the charts only when
the key is not there: they were a third of the lead's page (bench/README.md, "The
dashboards made cheaper").
"""

import hashlib
from datetime import timedelta
from urllib.parse import urlencode

from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.translation import get_language

from lib.charts import Chart, Series, bar_chart, duration_label
from postmortems.insights.health import Month
from postmortems.models.incidents import Severity


def _percent(value: float | None) -> str:
    return "no data" if value is None else f"{value:.0f}%"


def _duration(minutes: float | None) -> str:
    return "no data" if minutes is None else duration_label(minutes)


def _as_minutes(value: timedelta | None) -> float | None:
    return None if value is None else max(value.total_seconds(), 0) / 60


def _share(value: float | None) -> float | None:
    return None if value is None else value * 100


# How long rendered charts stay in the cache. Their key changes with the numbers, so
# this only bounds how long a deploy that changes the charts' markup can take to show
# with a cache that outlives the server processes (CACHES pointing at Redis).
CHARTS_SECONDS = 3600


def charts_key(months: list[Month], *, team: str) -> str:
    """A digest of everything health_charts() and the chart template show: the
    months (their start days and numbers), the team in the bars' links, where the
    site's paths start, and the language that formats the numbers."""
    shown = repr((months, team, get_script_prefix(), get_urlconf(), get_language()))
    return hashlib.sha256(shown.encode()).hexdigest()


def health_charts(months: list[Month], *, team: str) -> list[Chart]:
    labels = [m.start.strftime("%b %y") for m in months]
    team_param = {"team": team} if team and team != "all" else {}
    # Reversed once: a page has some 150 bars.
    incident_list, item_list = reverse("pm-incident-list"), reverse("pm-dashboard-items")

    def incidents(**extra):
        def href(i: int) -> str:
            query = {**team_param, "month": months[i].key, **extra}
            return f"{incident_list}?{urlencode(query)}"

        return href

    def items(state: str, month_param: str):
        """Items in `state`, opened ("created") or finished ("completed") that month."""

        def href(i: int) -> str:
            query = {"team": team, "state": state, month_param: months[i].key}
            return f"{item_list}?{urlencode(query)}"

        return href

    return [
        bar_chart(
            id="chart-severity",
            title="Incidents by severity",
            description="Incidents started each month, stacked by severity.",
            columns=labels,
            stacked=True,
            series=[
                Series(
                    name=value,
                    css=f"bar--{value.lower()}",
                    values=[m.by_severity.get(value, 0) for m in months],
                    href=incidents(severity=value),
                    label=lambda v: f"{v:g}",
                )
                for value in Severity.values
            ],
        ),
        bar_chart(
            id="chart-timeliness",
            title="Reviews on time",
            description="Share of required postmortems started within 24 hours and "
            "published within 7 days, by the month of the incident.",
            columns=labels,
            max_value=100,
            tick_label=lambda v: f"{v:.0f}%",
            series=[
                Series(
                    name="started within 24 h",
                    css="bar--good",
                    values=[_share(m.started_share) for m in months],
                    href=incidents(),
                    label=_percent,
                ),
                Series(
                    name="published within 7 days",
                    css="bar--calm",
                    values=[_share(m.published_share) for m in months],
                    href=incidents(),
                    label=_percent,
                ),
            ],
        ),
        bar_chart(
            id="chart-first-draft",
            title="Median time to first draft",
            description="From the incident's resolution (or start) to its postmortem draft.",
            columns=labels,
            durations=True,
            series=[
                Series(
                    name="median time to first draft",
                    css="bar--calm",
                    values=[_as_minutes(m.median_to_draft) for m in months],
                    href=incidents(has_postmortem="yes"),
                    label=_duration,
                )
            ],
        ),
        bar_chart(
            id="chart-backlog",
            title="Action items opened and finished",
            description="When more are opened than finished, the backlog grows; the table "
            "also gives the open backlog at each month's end.",
            columns=labels,
            series=[
                Series(
                    name="opened",
                    css="bar--warn",
                    values=[m.items_opened for m in months],
                    href=items("all", "created"),
                ),
                Series(
                    name="finished",
                    css="bar--good",
                    values=[m.items_closed for m in months],
                    href=items("done", "completed"),
                ),
                Series(
                    name="open at month end",
                    css="bar--muted",
                    values=[m.backlog for m in months],
                    href=None,
                ),
            ],
        ),
        bar_chart(
            id="chart-on-time",
            title="Action items done on time, and fixes verified",
            description="Of the items done each month that had a due date, the share done "
            "by that date; of those whose verification date has come, the share whose fix "
            "was found to work.",
            columns=labels,
            max_value=100,
            tick_label=lambda v: f"{v:.0f}%",
            series=[
                Series(
                    name="done on time",
                    css="bar--good",
                    values=[_share(m.on_time_share) for m in months],
                    href=items("done", "completed"),
                    label=_percent,
                ),
                Series(
                    name="fixes verified",
                    css="bar--calm",
                    values=[_share(m.verified_share) for m in months],
                    href=items("done", "completed"),
                    label=_percent,
                ),
            ],
        ),
        bar_chart(
            id="chart-mttx",
            title="Time to detect and to resolve",
            description="Mean time from the start of an incident to its detection (MTTD) "
            "and to its resolution (MTTR), by the month it started.",
            columns=labels,
            durations=True,
            series=[
                Series(
                    name="MTTD",
                    css="bar--warn",
                    values=[_as_minutes(m.mttd) for m in months],
                    href=incidents(),
                    label=_duration,
                ),
                Series(
                    name="MTTR",
                    css="bar--calm",
                    values=[_as_minutes(m.mttr) for m in months],
                    href=incidents(),
                    label=_duration,
                ),
            ],
        ),
    ]

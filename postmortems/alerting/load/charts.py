"""The on-call load chart: pages, out-of-hours pages and interrupted nights per person
(lib/charts.py draws it as SVG, with the same numbers as a table)."""

from lib.charts import Chart, Series, bar_chart
from postmortems.alerting.load.metrics import PersonLoad


def _short(name: str) -> str:
    """An axis label: the first name, cut to fit a column."""
    first = name.split()[0] if name.split() else name
    return first if len(first) <= 12 else first[:11] + "…"


def load_chart(
    people: list[PersonLoad], *, id: str, title: str, description: str, nights: bool = True
) -> Chart:
    series = [
        Series(name="pages", css="bar--calm", values=[p.pages for p in people]),
        Series(
            name="out-of-hours pages",
            css="bar--warn",
            values=[p.out_of_hours_pages for p in people],
        ),
    ]
    if nights:
        series.append(
            Series(
                name="nights interrupted",
                css="bar--sev1",
                values=[p.nights_interrupted for p in people],
            )
        )
    return bar_chart(
        id=id,
        title=title,
        description=description,
        columns=[_short(p.name) for p in people],
        column_heading="Person",
        series=series,
    )

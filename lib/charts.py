"""Bar charts as server-rendered SVG: geometry here, markup in includes/chart.html.

No JavaScript and no CDN: each bar is a link to the list behind it, carries a
<title> (its exact value, read out by screen readers and shown on hover), and the
same numbers are in a table beside the picture.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 44, 8, 10, 24  # margins: axis labels left and below
PLOT_W, PLOT_H = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM


@dataclass
class Series:
    name: str
    css: str  # colour class, static/css/app.css
    values: Sequence[float | None]  # one per column; None: no data
    href: Callable[[int], str] | None = None  # column index -> the list behind the bar
    label: Callable[[float | None], str] = lambda v: "no data" if v is None else f"{v:g}"


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    css: str
    title: str
    href: str


@dataclass
class Tick:
    y: float
    label: str


@dataclass
class Chart:
    id: str
    title: str
    description: str
    columns: list[str]  # x-axis labels
    series: list[Series]
    stacked: bool = False
    bars: list[Bar] = field(default_factory=list)
    ticks: list[Tick] = field(default_factory=list)
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    column_heading: str = "Month"  # the first column of the table of numbers

    @property
    def column_labels(self) -> list[tuple[float, str]]:
        step = PLOT_W / len(self.columns)
        return [(LEFT + step * (i + 0.5), label) for i, label in enumerate(self.columns)]

    @property
    def table(self) -> list[tuple[str, list[str]]]:
        """Rows of the text alternative: one per column, one cell per series."""
        return [
            (label, [s.label(s.values[i]) for s in self.series])
            for i, label in enumerate(self.columns)
        ]


TICKS = 4  # gridlines above zero


def _nice_max(value: float, *, counts: bool = False) -> float:
    """A round axis maximum at or above `value` whose every tick is round too: four
    steps of 1, 2 or 5 times a power of ten. Counts (incidents, items) step by whole
    numbers, so no axis shows 1.25 incidents."""
    if value <= 0:
        return TICKS if counts else 1
    raw = value / TICKS
    power = 1.0
    while power * 10 <= raw:
        power *= 10
    while power > raw:
        power /= 10
    step = next(s * power for s in (1, 2, 5, 10) if s * power >= raw)
    if counts:
        step = max(1, round(step))
    return step * TICKS


def bar_chart(
    *,
    id: str,
    title: str,
    description: str,
    columns: list[str],
    series: list[Series],
    stacked: bool = False,
    max_value: float | None = None,
    tick_label: Callable[[float], str] = lambda v: f"{v:g}",
    counts: bool = False,
    column_heading: str = "Month",
) -> Chart:
    """Grouped (side by side) or stacked bars, one group per column."""
    chart = Chart(
        id=id, title=title, description=description, columns=columns, series=series,
        stacked=stacked, column_heading=column_heading,
    )  # fmt: skip
    count = len(columns)
    if stacked:
        peak = max((sum(s.values[i] or 0 for s in series) for i in range(count)), default=0)
    else:
        peak = max((v or 0 for s in series for v in s.values), default=0)
    top = max_value if max_value is not None else _nice_max(peak, counts=counts)
    scale = PLOT_H / top
    chart.ticks = [
        Tick(y=TOP + PLOT_H - PLOT_H * share, label=tick_label(top * share))
        for share in (n / TICKS for n in range(TICKS + 1))
    ]
    step = PLOT_W / count
    pad = step * 0.15
    for i, column in enumerate(columns):
        x0 = LEFT + step * i + pad
        inner = step - 2 * pad
        stack = 0.0
        for j, s in enumerate(series):
            value = s.values[i]
            if value is None:
                continue
            height = value * scale
            if stacked:
                x, width, y = x0, inner, TOP + PLOT_H - stack - height
                stack += height
            else:
                width = inner / len(series)
                x, y = x0 + width * j, TOP + PLOT_H - height
            chart.bars.append(
                Bar(
                    x=round(x, 1),
                    y=round(y, 1),
                    width=round(max(width - 1, 1), 1),
                    height=round(height, 1),
                    css=s.css,
                    title=f"{column}, {s.name}: {s.label(value)}",
                    href=s.href(i) if s.href else "",
                )
            )
    return chart

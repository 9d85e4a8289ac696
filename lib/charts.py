"""Bar charts as server-rendered SVG: geometry here, markup in includes/chart.html.

No JavaScript and no CDN: each bar is a link to the list behind it, carries a
<title> (its exact value, read out by screen readers and shown on hover), and the
same numbers are in a table beside the picture.
"""

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 62, 8, 10, 24  # margins: axis labels left and below
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

# Steps of a duration axis, in minutes, that a reader counts in: minutes, then hours,
# then (beyond this ladder) 1, 2, 5, 10... days.
DURATION_STEPS = (1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440)


def _one_two_five(raw: float) -> int:
    """The smallest whole 1, 2 or 5 times a power of ten at or above `raw` (at least 1)."""
    if raw <= 1:
        return 1
    power = 10 ** (len(str(math.ceil(raw))) - 1)  # in integers: exact for huge values
    return next(m * power for m in (1, 2, 5, 10) if m * power >= raw)


def nice_ticks(peak: float, *, count: int = TICKS, steps: Sequence[int] = ()) -> list[int]:
    """`count` + 1 evenly spaced whole-number ticks from 0, the last at or above `peak`:
    the step is the smallest of `steps` that reaches, or beyond them (or without them)
    the largest step times 1, 2 or 5 x 10^n. No data, zeros or a negative peak give
    the smallest axis (0 to `count` steps of the first step)."""
    base = steps[-1] if steps else 1
    if not math.isfinite(peak) or peak <= 0:
        step = steps[0] if steps else 1
    else:
        raw = peak / count
        fitting = [s for s in steps if s >= raw]
        step = fitting[0] if fitting else base * _one_two_five(raw / base)
    return [step * n for n in range(count + 1)]


def duration_label(minutes: float) -> str:
    """A duration as people say it: "45 min", "1 h 30 min", "2 h", "2 d", "1 d 6 h".
    Whole minutes under a day; from a day on, whole hours."""
    total = max(round(minutes), 0) if math.isfinite(minutes) else 0
    if total < 60:
        return f"{total} min"
    if total < 1440:
        hours, rest = divmod(total, 60)
        return f"{hours} h {rest} min" if rest else f"{hours} h"
    days, hours = divmod(round(total / 60), 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


def bar_chart(
    *,
    id: str,
    title: str,
    description: str,
    columns: list[str],
    series: list[Series],
    stacked: bool = False,
    max_value: float | None = None,
    tick_label: Callable[[float], str] | None = None,
    durations: bool = False,
    column_heading: str = "Month",
) -> Chart:
    """Grouped (side by side) or stacked bars, one group per column. The axis steps by
    whole numbers (nice_ticks); `durations`: the values are minutes, the axis steps by
    minutes, hours or days and its ticks read "1 h 30 min" (duration_label)."""
    chart = Chart(
        id=id, title=title, description=description, columns=columns, series=series,
        stacked=stacked, column_heading=column_heading,
    )  # fmt: skip
    count = len(columns)
    if stacked:
        peak = max((sum(s.values[i] or 0 for s in series) for i in range(count)), default=0)
    else:
        peak = max((v or 0 for s in series for v in s.values), default=0)
    if tick_label is None:
        tick_label = duration_label if durations else (lambda v: f"{v:g}")
    values: Sequence[float]
    if max_value is not None:
        values = [max_value * n / TICKS for n in range(TICKS + 1)]
    else:
        values = nice_ticks(peak, steps=DURATION_STEPS if durations else ())
    top = values[-1]
    scale = PLOT_H / top
    chart.ticks = [Tick(y=TOP + PLOT_H - PLOT_H * v / top, label=tick_label(v)) for v in values]
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

"""Chart axes: every tick a round number, and counts in whole numbers."""

import pytest

from lib.charts import Series, bar_chart


def _ticks(values, **options) -> list[str]:
    chart = bar_chart(
        id="c", title="t", description="d", columns=[str(i) for i in range(len(values))],
        series=[Series(name="s", css="bar", values=values, label=str)], **options,
    )  # fmt: skip
    return [tick.label for tick in chart.ticks]


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([0, 0], ["0", "1", "2", "3", "4"]),
        ([1, 0], ["0", "1", "2", "3", "4"]),
        ([5, 2], ["0", "2", "4", "6", "8"]),
        ([9, 3], ["0", "5", "10", "15", "20"]),
        ([37, 3], ["0", "10", "20", "30", "40"]),
        ([430, 3], ["0", "200", "400", "600", "800"]),
    ],
)
def test_counts_step_by_whole_round_numbers(values, expected):
    assert _ticks(values, counts=True) == expected


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([0.6, 0.1], ["0 h", "0.2 h", "0.4 h", "0.6 h", "0.8 h"]),
        ([2.3, 1], ["0 h", "1 h", "2 h", "3 h", "4 h"]),
        ([13, 1], ["0 h", "5 h", "10 h", "15 h", "20 h"]),
    ],
)
def test_durations_step_by_round_numbers(values, expected):
    assert _ticks(values, tick_label=lambda v: f"{v:g} h") == expected


def test_every_tick_is_a_multiple_of_one_two_or_five():
    for peak in [0.07, 0.3, 1.1, 2.6, 7.7, 12, 26, 99, 101, 2600]:
        labels = _ticks([peak], tick_label=lambda v: f"{v:.10g}")
        step = float(labels[1])
        mantissa = f"{step:e}".split("e")[0]
        assert float(mantissa) in (1.0, 2.0, 5.0), (peak, labels)
        assert float(labels[-1]) >= peak

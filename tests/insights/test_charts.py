"""Chart axes: every tick a whole, round number, and durations in minutes, hours, days."""

import itertools
import math

import pytest

from lib.charts import DURATION_STEPS, Series, bar_chart, duration_label, nice_ticks


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
        ([0.6, 0.1], ["0", "1", "2", "3", "4"]),
        ([5, 2], ["0", "2", "4", "6", "8"]),
        ([9, 3], ["0", "5", "10", "15", "20"]),
        ([37, 3], ["0", "10", "20", "30", "40"]),
        ([430, 3], ["0", "200", "400", "600", "800"]),
    ],
)
def test_axes_step_by_whole_round_numbers(values, expected):
    assert _ticks(values) == expected


@pytest.mark.parametrize(
    ("minutes", "expected"),
    [
        ([37.5, 6], ["0 min", "10 min", "20 min", "30 min", "40 min"]),  # was 0.625 h
        ([100, 1], ["0 min", "30 min", "1 h", "1 h 30 min", "2 h"]),
        ([13 * 60, 60], ["0 min", "6 h", "12 h", "18 h", "1 d"]),
        ([5 * 1440, 60], ["0 min", "2 d", "4 d", "6 d", "8 d"]),
        ([None, None], ["0 min", "1 min", "2 min", "3 min", "4 min"]),
    ],
)
def test_duration_axes_step_by_minutes_hours_or_days(minutes, expected):
    assert _ticks(minutes, durations=True) == expected


def test_a_percentage_axis_keeps_its_fixed_top():
    assert _ticks([12, 40], max_value=100, tick_label=lambda v: f"{v:.0f}%") == [
        "0%", "25%", "50%", "75%", "100%",
    ]  # fmt: skip


@pytest.mark.parametrize(
    "peak", [0, -3, math.nan, math.inf, 0.07, 0.3, 1, 1.1, 2.6, 7.7, 12, 26, 99, 101, 2600, 10**15]
)
def test_nice_ticks_are_whole_multiples_of_one_two_or_five(peak):
    ticks = nice_ticks(peak)
    assert len(ticks) == 5
    assert ticks[0] == 0
    step = ticks[1]
    assert all(isinstance(t, int) for t in ticks)
    assert all(b - a == step for a, b in itertools.pairwise(ticks))
    assert int(str(step).rstrip("0")) in (1, 2, 5), (peak, ticks)
    if math.isfinite(peak):
        assert ticks[-1] >= peak


def test_nice_ticks_of_one_value_and_of_all_zeros():
    assert nice_ticks(0) == [0, 1, 2, 3, 4]
    assert nice_ticks(1) == [0, 1, 2, 3, 4]
    assert nice_ticks(4) == [0, 1, 2, 3, 4]
    assert nice_ticks(4.01) == [0, 2, 4, 6, 8]
    assert nice_ticks(7 * 10**12)[-1] == 8 * 10**12


def test_nice_ticks_on_a_ladder_of_steps_go_on_in_multiples_of_its_last_step():
    assert nice_ticks(0, steps=DURATION_STEPS) == [0, 1, 2, 3, 4]
    assert nice_ticks(50, steps=DURATION_STEPS) == [0, 15, 30, 45, 60]
    assert nice_ticks(400 * 1440, steps=DURATION_STEPS)[1] == 100 * 1440


@pytest.mark.parametrize(
    ("minutes", "label"),
    [
        (0, "0 min"),
        (-5, "0 min"),
        (math.nan, "0 min"),
        (0.4, "0 min"),
        (45, "45 min"),
        (59.6, "1 h"),
        (60, "1 h"),
        (90, "1 h 30 min"),
        (37.5, "38 min"),
        (23 * 60 + 59, "23 h 59 min"),
        (1440, "1 d"),
        (2 * 1440, "2 d"),
        (1440 + 6 * 60 + 20, "1 d 6 h"),
        (1440 * 365 * 10, "3650 d"),
    ],
)
def test_durations_read_in_minutes_hours_and_days(minutes, label):
    assert duration_label(minutes) == label

"""Count work without a clock: the Python lines a call runs.

A test of how work grows compares the counts for an input and for the same input ten
times longer: linear work grows about 10 times, quadratic work about 100 times. Lines
are counted in every Python function the call reaches (the Markdown library included),
so the count does not depend on the machine, its load or the wall clock.
"""

import sys
from collections.abc import Callable
from typing import Any


def lines_run(function: Callable[..., Any], *args: Any, **kwargs: Any) -> int:
    count = 0

    def trace(frame, event, arg):
        nonlocal count
        if event == "line":
            count += 1
        return trace

    previous = sys.gettrace()  # a coverage tracer, say: put back afterwards
    sys.settrace(trace)
    try:
        function(*args, **kwargs)
    finally:
        sys.settrace(previous)
    return count


def growth(function: Callable[[str], Any], unit: str, *, base: int) -> float:
    """How many times more lines `function` runs for `unit` * (base * 10) than for
    `unit` * base (after one call of each, so that nothing is counted twice that runs
    once: imports, converters built on first use)."""
    small, large = unit * base, unit * (base * 10)
    function(small)
    function(large)
    return lines_run(function, large) / lines_run(function, small)

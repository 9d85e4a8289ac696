"""One page timed through the full Django stack beside its own SQL: the measuring loop
bench.dashboard, bench.alert_quality and bench.oncall_load share, and their tables.

`time_page` warms the page up, captures its statements once, times --runs requests
(wall and this process's CPU) and re-runs the captured statements bare on a cursor
("all SQL"). `set_limits` gives each page its *limit*: the first row's (the trivial
signed-in page's) p50 plus the page's own all SQL p50.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from statistics import median

from bench.search import _run_sql, _timings, percentile, wall_and_cpu


@dataclass
class PageTiming:
    page_p50: float
    page_p95: float
    cpu_p50: float
    all_sql_p50: float
    statements: list[str]  # the page's SQL, as captured once after the warm-up

    @property
    def queries(self) -> int:
        return len(self.statements)


def signed_in_client(user):
    """A django.test.Client signed in as `user` (bench/django_setup.py allows its host)."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def page_getter(
    client, url: str, headers: Mapping[str, str] | None = None, *, before=None
) -> Callable[[], None]:
    """GET `url` (HTTPS, `headers`), after `before()` if given; anything but a 200 stops
    the benchmark."""

    def get() -> None:
        if before is not None:
            before()
        response = client.get(url, secure=True, **(headers or {}))
        if response.status_code != 200:
            raise RuntimeError(f"GET {url} answered {response.status_code}")

    return get


def time_page(get: Callable[[], None], *, runs: int, warmup: int) -> PageTiming:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(warmup):
        get()
    with CaptureQueriesContext(connection) as captured:
        get()
    statements = [query["sql"] for query in captured.captured_queries]
    page, cpu = wall_and_cpu(runs, get)
    every = _timings(runs, warmup=warmup, action=partial(_run_sql, statements))
    return PageTiming(
        page_p50=median(page),
        page_p95=percentile(page, 0.95),
        cpu_p50=median(cpu),
        all_sql_p50=median(every),
        statements=statements,
    )


def set_limits(rows: Sequence) -> None:
    """Each row after the first (the trivial page) gets its limit."""
    for row in rows[1:]:
        row.limit = rows[0].page_p50 + row.all_sql_p50


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def render_table(header: list[str], lines: list[list[str]], *, markdown: bool = False) -> str:
    """Aligned columns for a terminal, or a Markdown table for bench/README.md."""
    if markdown:
        out = ["| " + " | ".join(header) + " |", "| " + " | ".join("---" for _ in header) + " |"]
        return "\n".join(out + ["| " + " | ".join(line) + " |" for line in lines])
    widths = [max(len(str(c)) for c in column) for column in zip(header, *lines, strict=True)]
    return "\n".join(
        "  ".join(str(c).ljust(w) for c, w in zip(line, widths, strict=True))
        for line in [header, *lines]
    )

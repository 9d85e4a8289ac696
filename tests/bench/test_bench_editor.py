"""The editor benchmark keeps working: a small generated review, every page measured.

No timings asserted (benchmarks measure speed, tests do not)."""

from bench.editor import generate_review, load_review_spec, measure, storm_review, table
from postmortems.models import ActionItem, TimelineEvent
from tests.factories import ActionItemFactory, PostmortemFactory


def test_the_generated_review_follows_its_description(lead, team):
    postmortem = generate_review(lead=lead, team=team, events=7, items=5)

    spec = load_review_spec()
    assert spec["review"]["events"] == 200
    assert spec["review"]["action_items"] == 50
    assert postmortem.incident.title == spec["review"]["title"]
    assert TimelineEvent.objects.filter(postmortem=postmortem).count() == 7
    assert ActionItem.objects.filter(postmortem=postmortem).count() == 5
    assert "connection pool" in postmortem.summary


def test_every_page_is_measured_side_by_side(lead, team):
    ActionItemFactory(postmortem=PostmortemFactory(incident__team=team))  # the "demo" review
    generated = generate_review(lead=lead, team=team, events=4, items=2)
    storm = storm_review(lead=lead, team=team, firings=9)

    rows = measure(runs=2, warmup=1, generated=generated, storm=storm)

    assert [row.kind for row in rows] == ["trivial", "page", "page", "page", "htmx", "htmx"]
    assert rows[3].label == "editor, alert storm (9 firings)"
    for row in rows:
        assert len(row.walls) == 2
        assert row.page_p95 >= row.page_p50 > 0
        assert row.statements
    assert rows[4].sql_p50 is None  # a save's writes are not replayed
    assert all(row.ratio is not None for row in rows[1:4])
    assert "p95 < 30 ms" in table(rows)

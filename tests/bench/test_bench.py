"""The benchmark harness keeps working: the generator and the search benchmark on a tiny size.

Timings are never asserted here (benchmarks measure speed, tests do not); these tests
only keep the harness runnable on SQLite and PostgreSQL.
"""

from accounts.models import Membership, Team, User
from bench.generate import generate
from bench.search import QUERIES, find_search_statements, measure, percentile, window_hits
from postmortems.archive.search import SearchParams, search_postmortems
from postmortems.models import ActionItem, Incident, Postmortem, Service, Tag, TimelineEvent

SIZE = 150
PHRASE = "rolled back the deploy"


def test_generator_loads_published_reviews_with_everything_around_them(db):
    counts = generate(SIZE, seed=7)

    assert Postmortem.objects.filter(status="published").count() == SIZE
    assert counts["published_postmortems"] == SIZE
    assert Postmortem.objects.exclude(status="published").exists()  # drafts and reviews
    assert Incident.objects.count() == counts["incidents"] > Postmortem.objects.count()
    assert 0 < Incident.objects.filter(restricted=True).count() < SIZE // 5
    assert (Team.objects.count(), Service.objects.count(), Tag.objects.count()) == (20, 32, 25)
    assert User.objects.count() == 500
    assert Membership.objects.filter(role="lead").count() >= 20
    assert Service.objects.filter(parent__isnull=False).count() > 20
    for postmortem in Postmortem.objects.prefetch_related("timeline_events", "action_items"):
        assert 3 <= len(postmortem.timeline_events.all()) <= 6
        assert 1 <= len(postmortem.action_items.all()) <= 4
    assert TimelineEvent.objects.count() == counts["timeline_events"]
    assert ActionItem.objects.filter(status="open").exists()
    numbers = list(Incident.objects.order_by("started_at").values_list("number", flat=True))
    assert numbers == sorted(numbers)  # numbered in time order


def test_generator_gives_the_same_text_for_the_same_seed(db):
    generate(20, seed=3)
    first = list(Incident.objects.order_by("number").values_list("title", "severity"))
    generate(20, seed=3)  # empties the tables first

    assert list(Incident.objects.order_by("number").values_list("title", "severity")) == first
    assert Incident.objects.count() == len(first)


def test_search_finds_a_phrase_from_generated_timelines(db):
    generate(SIZE, seed=7)
    admin = User.objects.get(is_superuser=True)  # sees restricted reviews too
    expected = set(
        TimelineEvent.objects.filter(
            text__icontains=PHRASE, postmortem__status="published"
        ).values_list("postmortem_id", flat=True)
    )

    results = search_postmortems(user=admin, params=SearchParams(q=f'"{PHRASE}"'), page_number=1)

    assert expected
    assert results.page.paginator.count >= len(expected)
    nothing = search_postmortems(user=admin, params=SearchParams(q="zyzzyva"), page_number=1)
    assert nothing.page.paginator.count == 0


def test_search_benchmark_measures_every_query_on_a_tiny_size(db):
    rows = measure(SIZE, runs=2, warmup=1)

    assert [row.label for row in rows] == [label for label, _params in QUERIES]
    by_label = {row.label: row for row in rows}
    assert by_label["common word"].hits > 0
    assert by_label["tag, no query"].hits > 0
    for row in rows:
        assert row.queries > 0
        assert row.page_p95 >= row.page_p50 > 0
        assert row.sql_p50 > 0  # the search statements were found and re-run
        assert row.cpu_p50 > 0
        # A trivial signed-in page's p50 on top of the page's own SQL.
        assert row.limit is not None
        assert row.limit > row.all_sql_p50


def test_statement_finder_picks_the_window_links_facets_and_results():
    statements = [
        'SELECT "django_session"."session_key" FROM "django_session" LIMIT 21',
        'SELECT COUNT(*) FROM (SELECT "postmortems_postmortem_tags"."id" AS "col1" FROM '
        '"postmortems_postmortem_tags" LIMIT 2000) subquery',
        "WITH m AS MATERIALIZED (SELECT postmortem_id AS id FROM (SELECT 1) AS w) "
        "SELECT 'id', id, NULL, 0 FROM m UNION ALL SELECT 'severity', NULL, severity, COUNT(*) "
        "FROM m GROUP BY severity",
        'SELECT "postmortems_postmortem"."id", "postmortems_postmortem"."summary" FROM '
        '"postmortems_postmortem" WHERE EXISTS(SELECT 1 FROM "x" LIMIT 1) ORDER BY 1 LIMIT 20',
        'SELECT "postmortems_postmortem_tags"."tag_id", COUNT(*) FROM "postmortems_postmortem_tags"'
        ' WHERE "postmortem_id" IN (SELECT V0."id" FROM "postmortems_postmortem" V0) GROUP BY 1',
        'SELECT "postmortems_tag"."id", "postmortems_tag"."name" FROM "postmortems_tag"',
    ]

    assert find_search_statements(statements) == (statements[2], statements[1:4])
    assert window_hits([("id", 7, None, 0), ("severity", None, "SEV2", 1), ("id", 9, None, 0)]) == 2
    assert percentile([0.3, 0.1, 0.2], 0.5) == 0.2
    assert percentile([float(n) for n in range(1, 31)], 0.95) == 29.0


def test_dashboard_benchmark_measures_a_lead_and_an_admin_on_a_tiny_size(db):
    from bench import dashboard
    from bench.generate import Shape

    counts = generate(SIZE, seed=3, shape=Shape(teams=4, people=40, items=(4, 6)))
    assert counts["teams"] == 4
    assert counts["users"] == 40
    assert counts["action_items"] >= 4 * SIZE

    rows = dashboard.measure(runs=2, warmup=1)

    trivial, lead, admin, my_work, item_list, expanded = rows
    assert [row.label for row in rows] == [
        "trivial page (My work, owns nothing)",
        "team lead, own team",
        "admin, all teams",
        "My work, the same lead",
        "item list, own team, 50 rows",
        "one row expanded (htmx)",
    ]
    assert admin.items == ActionItem.objects.count()
    for row in rows:
        assert row.page_p95 >= row.page_p50 > 0
        assert row.cpu_p50 > 0
        assert row.queries > 0
    for row in (lead, admin):
        assert row.aggregate_sql_p50 > 0  # the aggregate statements were found and re-run
        assert row.first_view_p50 is not None
        assert row.first_view_p50 > 0
        assert row.from_tables_sql_p50 is not None
        assert row.from_tables_sql_p50 > 0  # the first view's aggregates, re-run
    # No review health on My work.
    assert (my_work.ratio, my_work.first_view_p50, my_work.from_tables_sql_p50) == (None,) * 3
    # Each page's limit: the trivial page plus the page's own SQL.
    assert trivial.limit is None
    for row in (lead, admin, my_work, item_list, expanded):
        assert row.limit == trivial.page_p50 + row.all_sql_p50
    assert "admin, all teams" in dashboard.table(rows, markdown=True)
    from bench import best_of

    lines = best_of.measure(best_of._dashboard_pages(), requests=2, warmup=0)
    assert [line.split(":")[0] for line in lines] == list(best_of.DASHBOARD_PAGES)
    export = dashboard.measure_export(runs=1)
    assert export.rows == ActionItem.objects.count()
    assert export.seconds > 0
    assert f"{export.rows:,} rows" in str(export)

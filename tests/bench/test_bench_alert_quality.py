"""The alert quality benchmark keeps working: a tiny alert history, every page measured.

No timings asserted (benchmarks measure speed, tests do not). The history loads with
PostgreSQL's generate_series, so this runs on PostgreSQL only."""

from bench.alert_quality import generate_alerts, measure
from bench.alert_shapes import KINDS, RULE_NAMES
from postmortems.alerting.firings.models import AlertRule, Firing


def test_alert_history_loads_in_its_shapes_and_every_page_is_measured(postgres):
    counts = generate_alerts(3000, teams=3, postmortems=30, seed=5, log=lambda _: None)

    assert AlertRule.objects.count() == counts["alert_rules"] == 3 * len(RULE_NAMES)
    assert abs(Firing.objects.count() - 3000) < 3 * len(RULE_NAMES)  # rounding per rule
    assert Firing.objects.filter(latest=True).count() == counts["alert_rules"]
    noisy = next(kind for kind in KINDS if kind.name == "noisy")
    assert Firing.objects.filter(rule__name=RULE_NAMES[0], flapping=True).exists()
    assert noisy.flapping > 0
    assert Firing.objects.filter(incident__isnull=False).exists()
    assert Firing.objects.filter(runbook_url="").exists()
    rows = measure(runs=2, warmup=1)

    assert [row.label for row in rows][1:3] == [
        "team alert page, 30 days",
        "team alert page, 90 days",
    ]
    for row in rows[1:]:
        assert row.queries > 0
        assert row.page_p95 >= row.page_p50 > 0
        assert row.limit is not None
        assert row.limit > row.all_sql_p50

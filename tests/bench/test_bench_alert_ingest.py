"""The alert ingest benchmark's harness keeps working: its deliveries against a live
server in the test process, tiny sizes, no timings asserted. The full run
(bench/alert_ingest.py) puts gunicorn, PostgreSQL, Redis and Celery of its own behind it."""

from bench.alert_ingest import measure, seed, table
from postmortems.models import AlertDelivery, Firing, Incident
from tests.bench.test_bench_load import load_server  # noqa: F401 (a fixture)


def test_the_ingest_benchmark_fires_repeats_and_resolves_groups_of_1_and_of_many(
    load_server,  # noqa: F811
):
    path, token, _code = seed(log=lambda message: None)

    results = measure(
        load_server, path, token, singles=3, storms=2, clients=2, storm_size=20, log=lambda m: None
    )

    assert [r.name for r in results] == [
        "groups of 1, firing",
        "groups of 1, repeat",
        "groups of 1, resolved",
        "groups of 20, firing",
        "groups of 20, repeat",
        "groups of 20, resolved",
    ]
    assert [r.alerts for r in results] == [3, 3, 3, 40, 40, 40]
    assert all(r.errors == 0 and len(r.latencies) == r.deliveries for r in results)
    assert AlertDelivery.objects.filter(http_status=200).count() == 3 * (3 + 2)
    assert Incident.objects.filter(status="resolved").count() == Incident.objects.count() == 5
    assert Firing.objects.count() == 3 + 40
    assert set(Firing.objects.values_list("repeats", "latest")) == {(1, True)}
    assert not Firing.objects.filter(resolved_at=None).exists()
    assert not Firing.objects.exclude(runbook_url="https://runbooks.example.com/HighErrorRate")
    assert "| groups of 20, resolved | 2 | 40 |" in table(results, healthz=1000.0)

"""/healthz and /readyz: what a load balancer sees, and what the log says instead."""

import logging
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import OperationalError, connection

from config.celery import app as celery_app
from config.celery import send_heartbeat_when_beat_starts
from postmortems.models import BeatHeartbeat, OutboundMessage
from postmortems.notifications.tasks import record_beat_heartbeat

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


@pytest.fixture
def now():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def heartbeat(db, now):
    record_beat_heartbeat.apply()


def _not_ready(response) -> None:
    assert response.status_code == 503
    assert response.content == b"unavailable"
    assert response["Content-Type"].startswith("text/plain")


def test_readyz_answers_ok_without_a_session_when_everything_is_up(
    client, heartbeat, django_assert_num_queries
):
    # SELECT 1, the heartbeat, then the outbox's failed and deferred counts
    with django_assert_num_queries(3):
        response = client.get("/readyz")
    assert response.status_code == 200
    assert response.content == b"ok"
    assert "no-store" in response["Cache-Control"]


def test_readyz_stays_ready_and_logs_failed_and_long_deferred_emails(
    client, heartbeat, caplog, django_assert_num_queries
):
    def row(key: str, **fields) -> OutboundMessage:
        return OutboundMessage.objects.create(dedup_key=key, kind="pm_missing", **fields)

    row("failed-today", status="failed", failed_at=NOW - timedelta(hours=3))
    row("failed-last-week", status="failed", failed_at=NOW - timedelta(days=8))
    row("deferred-2h", status="queued", deferred_since=NOW - timedelta(hours=2))
    row("deferred-10min", status="queued", deferred_since=NOW - timedelta(minutes=10))
    with caplog.at_level(logging.WARNING, logger="config.probes"):
        response = client.get("/readyz")
    assert (response.status_code, response.content) == (200, b"ok")  # mail is not readiness
    assert (
        "Outbox: 1 email(s) failed for good in the last 24 h, 1 deferred for over 3600 s."
        in caplog.messages
    )


def test_readyz_is_not_redirected_to_https(client, heartbeat, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/readyz").status_code == 200
    assert client.get("/healthz").status_code == 200
    assert client.get("/accounts/login/").status_code == 301


def test_probes_answer_a_host_name_that_pages_refuse(client, heartbeat, settings):
    """Load balancers and container health checks probe by IP address."""
    settings.ALLOWED_HOSTS = ["postmortems.example.com"]
    assert client.get("/readyz", HTTP_HOST="10.0.0.5:8000").status_code == 200
    assert client.get("/healthz", HTTP_HOST="10.0.0.5:8000").status_code == 200
    assert client.get("/accounts/login/", HTTP_HOST="10.0.0.5:8000").status_code == 400


def test_probes_answer_only_get(client, heartbeat):
    assert client.post("/readyz").status_code == 405
    assert client.post("/healthz").status_code == 405


def test_readyz_fails_without_details_when_the_database_is_down(
    client, heartbeat, monkeypatch, caplog
):
    def refuse(*args, **kwargs):
        raise OperationalError('connection to server at "db.internal" (10.0.0.7) refused')

    # Undone before the test database is rolled back, which needs a cursor.
    with monkeypatch.context() as patch, caplog.at_level(logging.WARNING, logger="config.probes"):
        patch.setattr(connection, "cursor", refuse)
        response = client.get("/readyz")
    _not_ready(response)
    assert b"db.internal" not in response.content
    logged = [record.getMessage() for record in caplog.records if record.name == "config.probes"]
    assert any("database" in line and "db.internal" in line for line in logged), logged


def test_readyz_fails_when_the_broker_refuses_connections(client, heartbeat, monkeypatch, caplog):
    # Nothing listens on port 1: the connection is refused at once; nothing real stops.
    _use_broker(monkeypatch, "redis://127.0.0.1:1/0")
    with caplog.at_level(logging.WARNING, logger="config.probes"):
        response = client.get("/readyz")
    _not_ready(response)
    assert b"127.0.0.1" not in response.content
    logged = [record.getMessage() for record in caplog.records if record.name == "config.probes"]
    assert len(logged) == 1
    assert logged[0].startswith("Readiness check broker failed: "), logged


def _use_broker(monkeypatch, url: str) -> None:
    """Celery reads the CELERY_BROKER_URL environment variable before its settings (as
    the PostgreSQL and Redis run of the suite sets it): change both."""
    monkeypatch.setenv("CELERY_BROKER_URL", url)
    monkeypatch.setitem(celery_app.conf, "broker_url", url)


@pytest.fixture
def filesystem_broker(monkeypatch, tmp_path):
    folders = {key: tmp_path / key for key in ("queue", "control")}
    for folder in folders.values():
        folder.mkdir()
    _use_broker(monkeypatch, "filesystem://")
    monkeypatch.setitem(
        celery_app.conf,
        "broker_transport_options",
        {
            "data_folder_in": str(folders["queue"]),
            "data_folder_out": str(folders["queue"]),
            "control_folder": str(folders["control"]),
        },
    )
    return folders


def test_readyz_writes_to_the_filesystem_broker_folders_and_leaves_nothing(
    client, heartbeat, filesystem_broker
):
    assert client.get("/readyz").status_code == 200
    for folder in filesystem_broker.values():
        assert list(folder.iterdir()) == []


def test_readyz_fails_when_a_filesystem_broker_folder_is_missing(
    client, heartbeat, filesystem_broker, caplog
):
    filesystem_broker["control"].rmdir()
    with caplog.at_level(logging.WARNING, logger="config.probes"):
        _not_ready(client.get("/readyz"))
    assert any("broker" in record.getMessage() for record in caplog.records)


def test_readyz_fails_before_beat_has_ever_sent_a_heartbeat(client, db, caplog):
    with caplog.at_level(logging.WARNING, logger="config.probes"):
        _not_ready(client.get("/readyz"))
    assert [record.getMessage() for record in caplog.records if record.name == "config.probes"] == [
        "Readiness check beat failed: NotReady('no beat heartbeat recorded yet')"
    ]


def test_readyz_tolerates_two_missed_heartbeats_but_not_three(client, heartbeat, now, settings):
    assert settings.BEAT_HEARTBEAT_MAX_AGE_SECONDS == 3 * settings.BEAT_HEARTBEAT_SECONDS == 180
    now.move_to(NOW + timedelta(seconds=180))
    assert client.get("/readyz").status_code == 200
    now.move_to(NOW + timedelta(seconds=181))
    _not_ready(client.get("/readyz"))
    # The next heartbeat makes it ready again.
    record_beat_heartbeat.apply()
    assert client.get("/readyz").status_code == 200


def test_the_heartbeat_task_keeps_one_row_with_the_latest_time(db, now):
    record_beat_heartbeat.apply()
    now.move_to(NOW + timedelta(seconds=60))
    record_beat_heartbeat.apply()
    assert list(BeatHeartbeat.objects.values_list("id", "beat_at")) == [
        (1, NOW + timedelta(seconds=60))
    ]


def test_beat_sends_the_heartbeat_every_interval_and_once_when_it_starts(settings, monkeypatch):
    entry = settings.CELERY_BEAT_SCHEDULE["beat-heartbeat"]
    assert entry["task"] == "postmortems.notifications.tasks.record_beat_heartbeat"
    assert entry["schedule"] == settings.BEAT_HEARTBEAT_SECONDS
    sent = []
    monkeypatch.setattr(celery_app, "send_task", lambda name, **options: sent.append(name))
    send_heartbeat_when_beat_starts(sender=None)
    assert sent == ["postmortems.notifications.tasks.record_beat_heartbeat"]

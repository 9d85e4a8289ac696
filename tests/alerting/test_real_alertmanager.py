"""The real Prometheus Alertmanager (Debian's prometheus-alertmanager) posting to the
app: alerts go in through Alertmanager's v2 API (POST /api/v2/alerts, as Prometheus
sends them) and its webhook notifications come to the receiver on a live server.
Each alert carries a `runbook_url` annotation; its notifications are kept as firings
(repeats by repeat_interval, resolutions, a re-fire after resolve_timeout).

Alertmanager runs on loopback on a free port with a generated configuration and short
timers, and is always stopped. Skipped when the binary is missing, unless
REQUIRE_ALERTMANAGER=1 (CI).
"""

import json
import os
import socket
import subprocess
import threading
import time
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.utils.dateparse import parse_datetime

from postmortems.models import AlertDelivery, AlertEvent, AlertRule, Firing, Incident
from tests.alerting.support import make_hook

DEADLINE = 30  # seconds for each outcome; each normally comes within a few
RUNBOOKS = "https://runbooks.example.com"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _config(receiver_url: str, token: str) -> str:
    # JSON is YAML. group_by alertname: each alertname is a group (its own groupKey).
    return json.dumps(
        {
            "global": {"resolve_timeout": "3s"},
            "route": {
                "receiver": "app",
                "group_by": ["alertname"],
                "group_wait": "1s",
                "group_interval": "1s",
                "repeat_interval": "2s",
            },
            "receivers": [
                {
                    "name": "app",
                    "webhook_configs": [
                        {
                            "url": receiver_url,
                            "send_resolved": True,
                            "http_config": {"authorization": {"credentials": token}},
                        }
                    ],
                }
            ],
        }
    )


def _wait_for(what: str, check: Callable[[], object], deadline: float = DEADLINE):
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if result := check():
            return result
        time.sleep(0.2)
    raise AssertionError(f"Not within {deadline} s: {what}")


class Alertmanager:
    def __init__(self, url: str) -> None:
        self.url = url

    def started(self) -> datetime:
        """When Alertmanager started (a moment ago), by its own clock."""
        with urllib.request.urlopen(f"{self.url}/api/v2/status", timeout=5) as response:
            started = parse_datetime(json.load(response)["uptime"])
        assert started is not None, "Alertmanager's status gives no start time"
        return started

    def now(self) -> datetime:
        """Now, by Alertmanager's clock (which the fixture gave this process too)."""
        return datetime.now(UTC)

    def post(self, alerts: list[dict]) -> None:
        request = urllib.request.Request(
            f"{self.url}/api/v2/alerts",
            data=json.dumps(alerts).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            assert response.status == 200


@pytest.fixture
def alertmanager(alertmanager_path, app_server, team, tmp_path):
    """Alertmanager running, its webhook pointed at a new integration of `team`."""
    hook = make_hook(team)
    config = tmp_path / "alertmanager.yml"
    config.write_text(_config(f"{app_server}{hook.url}", hook.token))
    port = _free_port()
    # Alertmanager reads the real clock: libfaketime's variables are left out.
    env = {k: v for k, v in os.environ.items() if k not in ("LD_PRELOAD", "FAKETIME")}
    log = (tmp_path / "alertmanager.log").open("wb")
    process = subprocess.Popen(
        [
            alertmanager_path,
            f"--config.file={config}",
            f"--storage.path={tmp_path / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--cluster.listen-address=",  # no gossip port: a single instance
            "--log.level=debug",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    try:

        def ready():
            if process.poll() is not None:
                raise AssertionError(
                    "Alertmanager exited: " + (tmp_path / "alertmanager.log").read_text()
                )
            try:
                with urllib.request.urlopen(f"{url}/-/ready", timeout=1) as response:
                    return response.status == 200
            except OSError:
                return False

        _wait_for("Alertmanager ready", ready)
        manager = Alertmanager(url)
        # Alertmanager reads the real clock, and a run under faketime moves this
        # process's: the receiver would take Alertmanager's times (startsAt, endsAt) for
        # days or months away from its own "now". This process ticks from Alertmanager's
        # time instead, as a receiver beside it in production would.
        with time_machine.travel(manager.started(), tick=True):
            yield manager
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


class Prometheus:
    """Re-posts firing alerts every half second while started, as Prometheus does:
    alerts posted without endsAt expire after resolve_timeout unless posted again."""

    def __init__(self, alertmanager: Alertmanager, alerts: list[dict]) -> None:
        self.alertmanager = alertmanager
        self.alerts = alerts
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self.stopped.is_set():
            self.alertmanager.post(self.alerts)
            # Not Event.wait: under faketime (CI's weekend run) a timed wait on a lock
            # takes the faked clock's deadline for the real one. sleep is relative.
            time.sleep(0.5)

    def __enter__(self):
        self.alertmanager.post(self.alerts)
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stopped.set()
        self.thread.join(timeout=10)


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _alerts(name: str, instances: list[str], starts_at: datetime | None = None) -> list[dict]:
    alerts = []
    for instance in instances:
        alert = {
            "labels": {"alertname": name, "severity": "critical", "instance": instance},
            "annotations": {
                "summary": f"{name} on {instance}",
                "runbook_url": f"{RUNBOOKS}/{name}",
            },
            "generatorURL": "http://prometheus.example.com:9090/graph",
        }
        if starts_at:
            alert["startsAt"] = _rfc3339(starts_at)
        alerts.append(alert)
    return alerts


def _outcomes(incident_filter: str) -> list[str]:
    return list(
        AlertDelivery.objects.filter(message__contains=incident_filter)
        .order_by("pk")
        .values_list("outcome", flat=True)
    )


@pytest.mark.django_db(transaction=True)
def test_a_group_fires_repeats_and_resolves_through_the_real_alertmanager(alertmanager):
    instances = ["disk-1:9100", "disk-2:9100", "disk-3:9100"]
    alerts = _alerts("DiskFull", instances)
    with Prometheus(alertmanager, alerts):
        incident = _wait_for(
            "one incident with the group's three alerts",
            lambda: (
                Incident.objects.filter(alert_groups__group_key__contains="DiskFull")
                .filter(alert_events__kind="detection")
                .distinct()
                .first()
            ),
        )
        _wait_for(
            "every alert of the group on the timeline",
            lambda: AlertEvent.objects.filter(incident=incident, kind="detection").count() == 3,
        )
        # Alertmanager repeats the notification after repeat_interval: nothing changes,
        # but each alert's firing counts the repeat.
        _wait_for("a repeated notification", lambda: "duplicate" in _outcomes("DiskFull"))
        _wait_for(
            "every firing repeated",
            lambda: Firing.objects.filter(rule__name="DiskFull", repeats__gte=1).count() == 3,
        )
        assert Incident.objects.count() == 1
        incident.refresh_from_db()
        assert incident.resolved_at is None
        assert incident.title.startswith("DiskFull: DiskFull on disk-")

    # Prometheus resolves the alerts: it sends them once more with endsAt now.
    now = alertmanager.now()
    for alert in alerts:
        alert["endsAt"] = _rfc3339(now)
    alertmanager.post(alerts)
    _wait_for(
        "the incident resolved",
        lambda: Incident.objects.filter(pk=incident.pk, status="resolved").exists(),
    )
    assert AlertEvent.objects.filter(incident=incident, kind="resolution").count() == 3
    assert Incident.objects.count() == 1
    _wait_for(
        "every firing resolved",
        lambda: not Firing.objects.filter(rule__name="DiskFull", resolved_at=None).exists(),
    )
    rule = AlertRule.objects.get(name="DiskFull")
    assert rule.runbook_url == f"{RUNBOOKS}/DiskFull"
    firings = list(Firing.objects.filter(rule=rule))
    assert sorted(f.labels["instance"] for f in firings) == instances
    for firing in firings:
        assert firing.runbook_url == f"{RUNBOOKS}/DiskFull"
        assert (firing.severity_sent, firing.severity, firing.channel) == (
            "critical",
            "SEV1",
            "phone",
        )
        assert firing.latest
        assert not firing.flapping
        assert firing.incident == incident
        assert firing.repeats >= 1
        assert firing.resolved_at is not None
        assert firing.resolved_at >= firing.fired_at


@pytest.mark.django_db(transaction=True)
def test_an_alert_resolved_by_timeout_reopens_when_it_fires_again_with_its_first_start(
    alertmanager,
):
    """Prometheus stops sending (a restart): Alertmanager resolves the alert after
    resolve_timeout. Then Prometheus sends it again with its original startsAt."""
    started = alertmanager.now().replace(microsecond=0) - timedelta(minutes=5)
    alerts = _alerts("HeartbeatMissing", ["app-1:8080"], starts_at=started)
    with Prometheus(alertmanager, alerts):
        incident = _wait_for(
            "an incident for the alert",
            lambda: Incident.objects.filter(alert_groups__group_key__contains="Heartbeat").first(),
        )
    # No more posts: resolved by timeout (3 s) and notified within group_interval.
    _wait_for(
        "the incident resolved by the timeout",
        lambda: Incident.objects.filter(pk=incident.pk, status="resolved").exists(),
    )
    with Prometheus(alertmanager, alerts):  # the same alert, the same startsAt
        _wait_for(
            "the incident reopened",
            lambda: Incident.objects.filter(pk=incident.pk, resolved_at__isnull=True).exists(),
        )
    assert Incident.objects.count() == 1
    incident.refresh_from_db()
    assert incident.started_at == started
    assert "reopened" in _outcomes("Heartbeat")
    # Two episodes of the alert: the first resolved by the timeout, the second firing
    # again from when it came back (with the same startsAt), soon after: flapping.
    first, second = Firing.objects.filter(rule__name="HeartbeatMissing").order_by("fired_at")
    assert first.started_at == second.started_at == started
    assert first.resolved_at is not None
    assert (first.latest, first.flapping) == (False, False)
    # (Prometheus has stopped again: the second may already be resolved by the timeout.)
    assert (second.latest, second.flapping) == (True, True)
    assert second.fired_at >= first.resolved_at
    assert first.incident == second.incident == incident
    assert second.runbook_url == f"{RUNBOOKS}/HeartbeatMissing"

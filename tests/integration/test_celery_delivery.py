"""Exactly-once delivery through a real worker, beat, Redis, PostgreSQL and SMTP.

These need PostgreSQL (the worker must see the test's committed rows) and Redis.
CI runs them with REQUIRE_POSTGRES=1 and REQUIRE_REDIS=1, which turn a missing
service into a failure instead of a skip.

They pass whatever this process's clock says (faketime, a weekend instant): the
worker and beat run at this process's time (celery_processes.py), the incidents are
set up relative to it, and every wait here counts sleeps (`wait_until`) rather than
waiting on a lock with a timeout, which never times out under libfaketime.
"""

import datetime as dt
import email as email_lib
import threading
import time

import pytest
import redis
from django.db import connections

from postmortems.models import Incident, OutboundMessage
from postmortems.notifications.reminders import reminders_sweep
from postmortems.services.incidents import incident_create
from tests.integration.celery_processes import (
    CeleryProcess,
    celery_env,
    wait_until,
)

pytestmark = pytest.mark.django_db(transaction=True)
SWEEP_DONE = r"sweep_reminders\[.*\] succeeded"


def _resolved_incident(team, owner, hours_ago: int, *, now: dt.datetime):
    """An incident recorded when it started, resolved `hours_ago` before `now` (the
    tests' moved clock, which the worker and beat are started at too): the review
    clock starts at the later of the resolution and the recording
    (Incident.review_clock)."""
    incident = incident_create(
        by=owner,
        title="Payments API timeouts",
        team=team,
        owner=owner,
        severity="SEV2",
        status="resolved",
        started_at=now - dt.timedelta(hours=hours_ago + 1),
        resolved_at=now - dt.timedelta(hours=hours_ago),
    )
    Incident.objects.filter(pk=incident.pk).update(created_at=incident.started_at)
    return incident


def _start(env, tmp_path, *, at: dt.datetime):
    """A worker and beat, both at `at` (the tests' moved clock), ticking on."""
    clock_at = at.timestamp()
    processes = [
        CeleryProcess("worker", env, tmp_path, clock_at=clock_at),
        CeleryProcess("beat", env, tmp_path, clock_at=clock_at),
    ]
    processes[0].wait_for(r"ready\.")
    return processes


def _stop(processes):
    for process in processes:
        process.stop()


def test_worker_and_beat_deliver_exactly_one_reminder(
    redis_url, smtp_server, team, owner, tmp_path, instant
):
    started = instant
    incident = _resolved_incident(team, owner, hours_ago=25, now=started)
    worker, beat = _start(
        celery_env(broker_url=redis_url, smtp_port=smtp_server.port, tmp_path=tmp_path),
        tmp_path,
        at=started,
    )
    try:
        assert wait_until(smtp_server.arrived.is_set, timeout=90), "\n".join(worker.lines[-40:])
        sweeps = worker.count(SWEEP_DONE)
        worker.wait_for(SWEEP_DONE, times=sweeps + 3)  # beat keeps ticking: nothing more
    finally:
        _stop([beat, worker])
    assert len(smtp_server.messages) == 1
    message = email_lib.message_from_bytes(smtp_server.messages[0]["data"])
    assert smtp_server.messages[0]["to"] == [owner.email]
    assert message["Subject"] == f"{incident.reference} needs its postmortem: Payments API timeouts"
    text, html = (
        part.get_payload(decode=True).decode() for part in message.walk() if not part.is_multipart()
    )
    assert f"https://pm.example.com/incidents/{incident.reference}/" in text
    assert "<html" in html
    row = OutboundMessage.objects.get()
    assert (row.status, row.attempts) == ("sent", 1)
    # Swept and sent at this process's time (a weekend one in CI's faketime run), not
    # at the real time: the worker's clock is the test's (celery_processes.py).
    assert row.sent_at is not None
    # The wait above is at most a few minutes: far from the real date (INSTANT is fixed).
    latest = started + dt.timedelta(minutes=10)
    assert started - dt.timedelta(seconds=5) <= row.created_at <= row.sent_at <= latest


def test_a_broker_outage_delays_the_reminder_and_never_loses_it(
    own_redis, smtp_server, team, owner, tmp_path, instant
):
    since = time.monotonic()  # the moved clock's now: `instant` plus what has run since
    env = celery_env(broker_url=own_redis.url, smtp_port=smtp_server.port, tmp_path=tmp_path)
    worker, beat = _start(env, tmp_path, at=instant)
    replacement = None
    try:
        worker.wait_for(SWEEP_DONE)
        own_redis.stop()
        with pytest.raises(redis.ConnectionError):
            redis.Redis.from_url(own_redis.url).ping()  # the broker really is down
        # Saving while the broker is down works: saves never need the broker.
        incident = _resolved_incident(team, owner, hours_ago=26, now=instant)
        assert not smtp_server.arrived.is_set()
        own_redis.start()
        # Celery reconnects by itself, unless the outage hit the worker mid-ack and it
        # exited; then its supervisor (compose: restart unless-stopped) starts a new one.
        arrived = smtp_server.arrived.is_set
        if not wait_until(arrived, timeout=60) and worker.process.poll() is not None:
            replacement = CeleryProcess(
                "worker", env, tmp_path, clock_at=instant.timestamp() + time.monotonic() - since
            )
        assert wait_until(arrived, timeout=120), "\n".join(worker.lines[-40:])
        active = replacement or worker
        sweeps = active.count(SWEEP_DONE)
        active.wait_for(SWEEP_DONE, times=sweeps + 3)
    finally:
        _stop([beat, worker, *([replacement] if replacement else [])])
    assert len(smtp_server.messages) == 1
    assert OutboundMessage.objects.get().incident == incident


def test_two_workers_sweeping_at_the_same_moment_make_one_email(postgres, team, owner, instant):
    now = instant
    _resolved_incident(team, owner, hours_ago=25, now=now)
    barrier = threading.Barrier(2)
    created: list[list[int]] = []

    def sweep():
        barrier.wait()
        try:
            created.append(reminders_sweep(now=now).created_ids)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert OutboundMessage.objects.count() == 1
    assert sorted(len(ids) for ids in created) in ([0, 1], [1, 1])  # enqueued once or twice


def test_a_worker_killed_while_sending_is_replaced_and_the_email_goes_out_once(
    redis_url, smtp_server, team, owner, tmp_path, instant
):
    smtp_server.hold_first = True
    env = celery_env(broker_url=redis_url, smtp_port=smtp_server.port, tmp_path=tmp_path)
    env["OUTBOX_SENDING_TIMEOUT_SECONDS"] = "3"
    started = instant
    _resolved_incident(team, owner, hours_ago=25, now=started)
    worker, beat = _start(env, tmp_path, at=started)
    try:
        assert wait_until(smtp_server.holding.is_set, timeout=90), "\n".join(worker.lines[-40:])
        worker.kill()  # dies mid-delivery, its row still claimed ("sending")
        smtp_server.release.set()
        assert OutboundMessage.objects.get().status == "sending"
        replacement = CeleryProcess("worker", env, tmp_path)
        assert wait_until(smtp_server.arrived.is_set, timeout=90), "\n".join(
            replacement.lines[-40:]
        )
        sweeps = replacement.count(r"dispatch_outbox\[.*\] succeeded")
        replacement.wait_for(r"dispatch_outbox\[.*\] succeeded", times=sweeps + 3)
    finally:
        _stop([beat, worker])
        if "replacement" in locals():
            replacement.stop()
    assert len(smtp_server.messages) == 1
    row = OutboundMessage.objects.get()
    assert (row.status, row.attempts) == ("sent", 2)

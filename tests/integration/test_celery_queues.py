"""Periodic work has a queue of its own: a worker for it alone runs every sweep and
dispatch, however many sends wait in theirs. Needs PostgreSQL and Redis, as the
other integration tests do."""

import pytest
from django.utils import timezone

from postmortems.models import OutboundMessage
from tests.integration.celery_processes import CeleryProcess, celery_env
from tests.integration.test_celery_delivery import SWEEP_DONE, _resolved_incident, _stop

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_worker_for_the_periodic_queue_sweeps_while_the_sends_wait_for_their_own(
    redis_url,
    smtp_server,
    team,
    owner,
    tmp_path,
    instant,
):
    env = celery_env(broker_url=redis_url, smtp_port=smtp_server.port, tmp_path=tmp_path)
    started = instant
    incident = _resolved_incident(team, owner, hours_ago=25, now=started)
    at = started.timestamp()
    periodic = CeleryProcess(
        "worker", env, tmp_path, queues="periodic", name="periodic", clock_at=at
    )
    beat = CeleryProcess("beat", env, tmp_path, clock_at=at)
    sender = None
    try:
        periodic.wait_for(SWEEP_DONE, timeout=45)
        periodic.wait_for(r"dispatch_outbox\[.*\] succeeded", timeout=45)
        assert periodic.count(r"send_email\[") == 0  # sends are not its work
        row = OutboundMessage.objects.get()
        assert (row.incident, row.status) == (incident, "queued")
        assert not smtp_server.messages
        sender = CeleryProcess(
            "worker",
            env,
            tmp_path,
            queues="celery",
            name="sender",
            clock_at=timezone.now().timestamp(),
        )
        assert smtp_server.arrived.wait(timeout=60), "\n".join(sender.lines[-40:])
        assert sender.count(SWEEP_DONE) == 0
    finally:
        _stop([beat, periodic, *([sender] if sender else [])])
    assert len(smtp_server.messages) == 1

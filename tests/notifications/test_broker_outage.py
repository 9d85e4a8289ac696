"""A web request that enqueues an email answers whatever the broker does.

The nudge view writes an outbox row and enqueues it after commit. With the broker
refusing connections or accepting them and never answering (a hung Redis), the
request still answers, and the row stays queued for the dispatcher. The broker here
is a real socket: a closed port, or one that listens and never replies; Redis's own
outage (stopped for a minute under load) is a fault drill in bench/faults.py.
"""

import socket
import threading

import pytest
from django.conf import settings
from django.db import connections
from django.urls import reverse

from config.celery import app as celery_app
from postmortems.models import OutboundMessage
from tests.factories import ActionItemFactory
from tests.smtp_capture import free_port

pytestmark = pytest.mark.django_db


def _use_broker(monkeypatch, url: str) -> None:
    """Point the app's producers at `url` with the production Redis options; the
    pools are rebuilt for it and the test's own pools come back afterwards."""
    monkeypatch.setenv("CELERY_BROKER_URL", url)
    monkeypatch.setitem(celery_app.conf, "broker_url", url)
    monkeypatch.setitem(
        celery_app.conf, "broker_transport_options", settings.REDIS_BROKER_TRANSPORT_OPTIONS
    )
    monkeypatch.setattr(celery_app, "_pool", None)
    monkeypatch.setattr(celery_app.amqp, "_producer_pool", None)


@pytest.fixture
def hung_broker(monkeypatch):
    """A 'Redis' that accepts connections (the kernel completes them) and never answers."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(64)
        _use_broker(monkeypatch, f"redis://127.0.0.1:{server.getsockname()[1]}/0")
        yield


@pytest.fixture
def refusing_broker(monkeypatch):
    _use_broker(monkeypatch, f"redis://127.0.0.1:{free_port()}/0")


def _nudge_and_run_after_commit(client, item, capture) -> int:
    with capture() as callbacks:
        response = client.post(
            reverse("pm-action-nudge", args=[item.postmortem.incident.number, item.code])
        )

    def run_after_commit() -> None:
        try:
            for run in callbacks:
                run()
        finally:
            # What Django does when a request finishes: the callbacks may have used
            # the database (a failed publish marks its rows for the next dispatch).
            connections.close_all()

    # After commit, in a thread of its own: a hung publish must not hang the suite.
    after_commit = threading.Thread(target=run_after_commit, daemon=True)
    after_commit.start()
    after_commit.join(timeout=60)
    assert not after_commit.is_alive(), "enqueueing after commit hung on the broker"
    return response.status_code


@pytest.mark.parametrize("broker", ["hung_broker", "refusing_broker"])
def test_a_nudge_answers_and_stays_queued_while_the_broker_is_out(
    request, broker, client, owner, teammate, postmortem, django_capture_on_commit_callbacks
):
    request.getfixturevalue(broker)
    item = ActionItemFactory(postmortem=postmortem, owner=teammate)
    client.force_login(owner)

    status = _nudge_and_run_after_commit(client, item, django_capture_on_commit_callbacks)

    assert status == 302
    email = OutboundMessage.objects.get()
    assert (email.kind, email.status, email.recipient) == ("nudge", "queued", teammate)

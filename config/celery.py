"""The Celery application. Settings come from Django's settings (CELERY_* names).

Two queues: `celery` for the outbox's sends (one task per email) and `periodic` for
everything beat sends (the reminder sweep, the outbox dispatcher, the heartbeat, the
hourly jobs). Under a backlog of sends, periodic ticks would otherwise wait behind
every queued email and expire unrun, so nothing would be swept or re-dispatched until
the backlog drained. A worker started without `-Q` consumes both; production may run
a worker of its own for `periodic` (docs/operations.md, "Scaling").
"""

import logging
import os

from celery import Celery
from celery.signals import beat_init, worker_init
from kombu import Exchange, Queue

# Connects the signal handlers that carry request ids into tasks.
import lib.request_ids  # noqa: F401

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

SEND_QUEUE = "celery"  # Celery's default queue name, so tasks sent by older code still arrive
PERIODIC_QUEUE = "periodic"

app = Celery("postmortems")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Each part of the product keeps its tasks in its own tasks.py; the apps' own
# (postmortems.tasks) are found through INSTALLED_APPS, the parts' are listed here.
TASK_PACKAGES = [
    "postmortems.notifications",
    "postmortems.insights",
    "postmortems.alerting",
    "postmortems.api",
    "postmortems.presence",
]
app.autodiscover_tasks()
app.autodiscover_tasks(TASK_PACKAGES)

HEARTBEAT_TASK = "postmortems.notifications.tasks.record_beat_heartbeat"


def periodic_task_names() -> set[str]:
    return {entry["task"] for entry in app.conf.beat_schedule.values()}


def route_task(name: str, args: object, kwargs: object, options: object, **extra: object):
    """Every task in the beat schedule goes to the periodic queue; the rest to the default."""
    return {"queue": PERIODIC_QUEUE} if name in periodic_task_names() else None


def _queue(name: str) -> Queue:
    # Each queue has an exchange and routing key of its own: a shared exchange with
    # one key would deliver every message to both queues.
    return Queue(name, Exchange(name), routing_key=name)


app.conf.update(
    task_default_queue=SEND_QUEUE,
    task_queues=(_queue(SEND_QUEUE), _queue(PERIODIC_QUEUE)),
    task_routes=(route_task,),
)


@beat_init.connect
def send_heartbeat_when_beat_starts(sender: object = None, **kwargs: object) -> None:
    """A new schedule entry first runs one interval after beat starts; a heartbeat now
    makes /readyz pass as soon as beat and a worker are up, not a minute later.
    (Celery logs and swallows an exception raised here, so beat still starts.)"""
    app.send_task(HEARTBEAT_TASK, expires=app.conf.beat_schedule["beat-heartbeat"]["schedule"])


@worker_init.connect
def check_outbox_settings_when_a_worker_starts(sender: object = None, **kwargs: object) -> None:
    """The worker runs no `manage.py` command, so Django's system checks would not run:
    the outbox's (postmortems/notifications/checks.py) are the ones whose failure sends email twice.
    They are logged, not fatal here; `manage.py check` and `migrate` refuse to run."""
    from django.core.checks import run_checks

    for message in run_checks(tags=["outbox"]):
        logging.getLogger(__name__).error("%s", message)

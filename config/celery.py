"""The Celery application. Settings come from Django's settings (CELERY_* names)."""

import logging
import os

from celery import Celery
from celery.signals import beat_init, worker_init

# Connects the signal handlers that carry request ids into tasks.
import config.request_ids  # noqa: F401

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("postmortems")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

HEARTBEAT_TASK = "postmortems.tasks.record_beat_heartbeat"


@beat_init.connect
def send_heartbeat_when_beat_starts(sender: object = None, **kwargs: object) -> None:
    """A new schedule entry first runs one interval after beat starts; a heartbeat now
    makes /readyz pass as soon as beat and a worker are up, not a minute later.
    (Celery logs and swallows an exception raised here, so beat still starts.)"""
    app.send_task(HEARTBEAT_TASK, expires=app.conf.beat_schedule["beat-heartbeat"]["schedule"])


@worker_init.connect
def check_outbox_settings_when_a_worker_starts(sender: object = None, **kwargs: object) -> None:
    """The worker runs no `manage.py` command, so Django's system checks would not run:
    the outbox's (postmortems/checks.py) are the ones whose failure sends email twice.
    They are logged, not fatal here; `manage.py check` and `migrate` refuse to run."""
    from django.core.checks import run_checks

    for message in run_checks(tags=["outbox"]):
        logging.getLogger(__name__).error("%s", message)

"""The Celery application. Settings come from Django's settings (CELERY_* names)."""

import os

from celery import Celery
from celery.signals import beat_init

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

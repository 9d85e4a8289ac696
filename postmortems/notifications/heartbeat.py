"""Celery beat's heartbeat: one row, overwritten every BEAT_HEARTBEAT_SECONDS."""

from datetime import datetime

from postmortems.notifications.models import BeatHeartbeat


def beat_heartbeat_record(*, now: datetime) -> None:
    # One upsert: no read-then-write race between two workers running the task at once.
    BeatHeartbeat.objects.bulk_create(
        [BeatHeartbeat(id=1, beat_at=now)],
        update_conflicts=True,
        unique_fields=["id"],
        update_fields=["beat_at"],
    )

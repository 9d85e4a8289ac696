from django.db import models


class BeatHeartbeat(models.Model):
    """The one row that Celery beat's heartbeat task keeps fresh (`/readyz` reads it).

    Stored in the database rather than a cache so that every web process, on any
    host, sees the same value. A worker writes it when it runs the task beat sent,
    so a fresh value means beat, the broker and at least one worker are all alive.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    beat_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(id=1), name="postmortems_beatheartbeat_single_row"
            ),
        ]

    def __str__(self) -> str:
        return f"beat heartbeat at {self.beat_at:%Y-%m-%d %H:%M:%S}"

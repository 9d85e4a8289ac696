from django.db import models


class ReminderSweepRecord(models.Model):
    """When the reminder sweep last finished (one row; postmortems/notifications/reminders.py).

    A digest whose moment passed with no finished sweep after it was missed (the
    workers, the broker or the database were down all that day); the next sweep
    sends it late instead of skipping it (postmortems/notifications/digests.py).
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    swept_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(id=1), name="postmortems_remindersweeprecord_single_row"
            ),
        ]

    def __str__(self) -> str:
        return f"reminder sweep at {self.swept_at:%Y-%m-%d %H:%M:%S}"

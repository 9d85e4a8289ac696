from django.db import models
from django.utils import timezone


class HealthRollup(models.Model):
    """One settled month of a dashboard's review health, in one time zone.

    Months are calendar months in the viewer's zone, so a rollup belongs to a scope
    ("all" or "team:<id>") and a zone. Only months whose numbers have stopped moving
    are stored (postmortems.review_health.settled); the current month is always
    counted live. `postmortems.tasks.refresh_health_rollups` recomputes the stored
    months every hour, so an edit to an old incident shows within the hour.
    """

    scope = models.CharField(max_length=40)
    time_zone = models.CharField(max_length=64)
    month = models.DateField()
    numbers = models.JSONField()
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["scope", "time_zone", "month"], name="postmortems_healthrollup_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.month:%Y-%m} ({self.time_zone})"

from django.db import models
from django.utils import timezone


class HealthRollup(models.Model):
    """One month of a dashboard's review health, in one time zone.

    Months are calendar months in the viewer's zone, so a rollup belongs to a scope
    ("all" or "team:<id>") and a zone. A month whose numbers have stopped moving
    (postmortems.insights.health.settled) is shown from here once counted after it
    settled; a month still moving, for HEALTH_LIVE_SECONDS after `computed_at`.
    `postmortems.insights.tasks.refresh_health_rollups` recomputes the settled months every
    hour, so an edit to an old incident shows within the hour.
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

"""The dashboard's stored months (health rollups) and the pulse survey's two tables."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
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


# The pulse survey after publishing: "Did this review feel blameless and safe?"
#
# Answers are anonymous by construction. Two tables that cannot be joined:
# - PulseParticipant says who was asked about which review and whether they answered
#   (a flag, no time), so each person answers once.
# - PulseAnswer holds the score and comment with only the team and the day: no
#   person, no review, no time of day. The dashboard shows them aggregated per team
#   and month, and only from 3 answers up (postmortems/insights/pulse_trend.py).
QUESTION = "Did this review feel blameless and safe to contribute to?"


class PulseParticipant(models.Model):
    postmortem = models.ForeignKey(
        "postmortems.Postmortem", on_delete=models.CASCADE, related_name="pulse_participants"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="pulse_invitations"
    )
    invited_at = models.DateTimeField(default=timezone.now, editable=False)
    # Deliberately a flag and not a time: a time could be matched to an answer.
    answered = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["postmortem", "user"], name="postmortems_pulseparticipant_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"Pulse of {self.postmortem_id} for {self.user_id}"


class PulseAnswer(models.Model):
    team = models.ForeignKey("accounts.Team", on_delete=models.CASCADE, related_name="+")
    answered_on = models.DateField()  # the day only, never the time
    score = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.TextField(blank=True, max_length=2000)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(score__gte=1, score__lte=5), name="postmortems_pulseanswer_score_range"
            ),
        ]
        indexes = [
            # The dashboard's trend: a team's answers by month.
            models.Index(fields=["team", "answered_on"], name="pm_pulse_team_day"),
        ]

    def __str__(self) -> str:
        return f"Pulse answer {self.score}/5"

"""Every alert any receiver gets, kept as a record (not only those that open incidents).

An AlertRule is what fires (Alertmanager's `alertname`, a Grafana rule, a PagerDuty or
Opsgenie alert title) per integration. A Firing is one episode of one alert (the
vendor's fingerprint or id): from firing to resolved. A delivery repeating a firing
alert counts a repeat; an alert firing again after it resolved is a new Firing, marked
flapping when that happens within the flap window (ALERT_FLAP_WINDOW_MINUTES).
postmortems/alerting/firings/ingest.py writes them, in the receiver's transaction."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from lib.model_rows import instance_from_db
from postmortems.alerting.oncall.models import Channel
from postmortems.models.fields import BoundedDateTimeField
from postmortems.models.incidents import Severity


class AlertRule(models.Model):
    integration = models.ForeignKey(
        "postmortems.AlertIntegration", on_delete=models.CASCADE, related_name="rules"
    )
    # The integration's team, copied: the team's alert page reads rules by team.
    team = models.ForeignKey("accounts.Team", on_delete=models.CASCADE, related_name="alert_rules")
    name = models.CharField(max_length=200)
    runbook_url = models.URLField("latest runbook link", max_length=500, blank=True)
    first_seen_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["integration", "name"], name="postmortems_alertrule_unique_name"
            ),
        ]
        indexes = [models.Index(fields=["team", "name"], name="pm_alertrule_team")]

    def __str__(self) -> str:
        return self.name


class Firing(models.Model):
    rule = models.ForeignKey(AlertRule, on_delete=models.CASCADE, related_name="firings")
    # Copied from the rule: the team's pages aggregate a window of firings by team.
    team = models.ForeignKey("accounts.Team", on_delete=models.CASCADE, related_name="+")
    integration = models.ForeignKey(
        "postmortems.AlertIntegration", on_delete=models.CASCADE, related_name="+"
    )
    external_key = models.CharField(max_length=255)  # fingerprint or vendor alert id
    # The newest episode of (integration, external_key): the one a delivery applies to.
    latest = models.BooleanField(default=True)
    labels = models.JSONField(default=dict, blank=True)
    severity_sent = models.CharField("severity as sent", max_length=50, blank=True)
    severity = models.CharField(
        "severity as mapped", max_length=4, choices=Severity, default=Severity.SEV3
    )
    # How the team's notification policy says this severity reaches people, when it
    # fired: `phone` is a page.
    channel = models.CharField(max_length=10, choices=Channel, default=Channel.NONE)
    runbook_url = models.URLField(max_length=500, blank=True)
    source_url = models.URLField(max_length=500, blank=True)
    # The alert's start as the tool sent it (Alertmanager's startsAt), which may be
    # older than `fired_at` (an alert resolved by timeout fires again with its first
    # start): a resolution of an earlier episode (an older start) changes nothing.
    started_at = BoundedDateTimeField(null=True, blank=True)
    fired_at = BoundedDateTimeField()
    acknowledged_at = BoundedDateTimeField(null=True, blank=True)
    resolved_at = BoundedDateTimeField(null=True, blank=True)
    acknowledged_by = models.CharField(max_length=254, blank=True)
    resolved_by = models.CharField(max_length=254, blank=True)
    notified = models.JSONField("notified (as the tool says)", default=list, blank=True)
    repeats = models.PositiveIntegerField(default=0)
    flapping = models.BooleanField(default=False)
    incident = models.ForeignKey(
        "postmortems.Incident",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="firings",
    )
    # A person did something about it: it is tied to an incident, or it was
    # acknowledged and then resolved by a person (not by itself).
    acted_on = models.BooleanField(default=False)
    # The postmortem's detection review said whether it was actionable (None: not judged).
    judged_actionable = models.BooleanField(null=True, blank=True)
    # Fired outside the team's working hours, and in its night hours (the team's policy
    # when it fired).
    out_of_hours = models.BooleanField(default=False)
    at_night = models.BooleanField(default=False)
    # Who was primary on call when it fired (the integration's rotation), if known.
    on_call = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    rotation = models.ForeignKey(
        "postmortems.Rotation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-fired_at", "-pk"]
        constraints = [
            # One newest episode per alert: concurrent deliveries of a new episode
            # collide here and the later one applies again (ingest.py).
            models.UniqueConstraint(
                fields=["integration", "external_key"],
                condition=Q(latest=True),
                name="postmortems_firing_one_latest",
            ),
        ]
        indexes = [
            # The team's rules page and report: a window of a team's firings by rule.
            models.Index(fields=["team", "fired_at"], name="pm_firing_team_fired"),
            # A rule's firings, newest first.
            models.Index(fields=["rule", "-fired_at"], name="pm_firing_rule_fired"),
            # The team's rules page and report: the delays of a window's firings tied to
            # incidents (quality/selectors.py). Without it the planner walks
            # pm_firing_incident, every team's tied firings, and filters by team.
            models.Index(
                fields=["team", "fired_at"],
                name="pm_firing_team_tied",
                condition=Q(incident__isnull=False),
            ),
            # The detection review: the firings tied to an incident.
            models.Index(
                fields=["incident"], name="pm_firing_incident", condition=Q(incident__isnull=False)
            ),
            # On-call load: a person's pages over a window.
            models.Index(
                fields=["on_call", "fired_at"],
                name="pm_firing_on_call",
                condition=Q(on_call__isnull=False),
            ),
            # The API's list of every team's firings (staff), newest first.
            models.Index(fields=["fired_at", "id"], name="pm_firing_fired"),
            # Retention: old firings no incident needs.
            models.Index(
                fields=["fired_at"], name="pm_firing_prunable", condition=Q(incident__isnull=True)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rule} at {self.fired_at:%Y-%m-%d %H:%M}"

    @classmethod
    def from_db(cls, db, field_names, values):
        # An alert storm ties hundreds to one incident, read on every editor load.
        return instance_from_db(cls, db, field_names, values)

    @property
    def is_page(self) -> bool:
        return self.channel == Channel.PHONE

    @property
    def actionable(self) -> bool:
        return self.acted_on if self.judged_actionable is None else self.judged_actionable

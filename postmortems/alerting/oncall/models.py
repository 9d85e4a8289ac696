"""A team's on-call: its policy, rotations, overrides, shifts and schedule feeds."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from accounts.models import time_zone_choices
from postmortems.models.fields import BoundedDateTimeField, created_by_field
from postmortems.models.incidents import Severity


class Channel(models.TextChoices):
    """How an alert of a severity reaches people (the team's notification policy)."""

    PHONE = "phone", "Phone (page)"
    CHAT = "chat", "Chat"
    EMAIL = "email", "Email"
    NONE = "none", "Nobody"


def default_severity_channels() -> dict[str, str]:
    return {
        Severity.SEV1: Channel.PHONE,
        Severity.SEV2: Channel.PHONE,
        Severity.SEV3: Channel.CHAT,
        Severity.SEV4: Channel.EMAIL,
    }


def default_work_weekdays() -> list[int]:
    return [0, 1, 2, 3, 4]  # Monday to Friday (date.weekday())


class OnCallPolicy(models.Model):
    """One per team: its working hours (what "out of hours" means), its nights, how each
    severity reaches people, and the thresholds its warnings use. A team without a row
    has the defaults below (postmortems/alerting/oncall/policy.py)."""

    team = models.OneToOneField(
        "accounts.Team", on_delete=models.CASCADE, related_name="oncall_policy"
    )
    time_zone = models.CharField(max_length=64, choices=time_zone_choices, default="UTC")
    workday_start = models.PositiveSmallIntegerField(
        "working hours start", default=9, help_text="Hour of the day, 0 to 23."
    )
    workday_end = models.PositiveSmallIntegerField(
        "working hours end", default=18, help_text="Hour of the day, 1 to 24."
    )
    work_weekdays = models.JSONField(
        "working days",
        default=default_work_weekdays,
        help_text="Days of the week, 0 (Monday) to 6 (Sunday).",
    )
    night_start = models.PositiveSmallIntegerField(default=22)
    night_end = models.PositiveSmallIntegerField(default=7)
    max_pages_per_shift = models.PositiveSmallIntegerField(
        "most out-of-hours pages per 12-hour shift",
        default=2,
        help_text="Google's SRE book: at most two incidents per 12-hour on-call shift.",
    )
    late_after_minutes = models.PositiveIntegerField(
        "an alert is late after (minutes)",
        default=15,
        help_text="Delay from the incident's start to its first alert that counts as late.",
    )
    severity_channels = models.JSONField(
        "notification policy",
        default=default_severity_channels,
        help_text='Which severity reaches people how, e.g. {"SEV1": "phone", "SEV3": "chat"}.',
    )
    updated_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name_plural = "on-call policies"
        constraints = [
            models.CheckConstraint(
                condition=Q(workday_start__lt=F("workday_end"), workday_end__lte=24),
                name="postmortems_oncallpolicy_workday_order",
                violation_error_message="Working hours must end after they start.",
            ),
            models.CheckConstraint(
                condition=Q(night_start__lte=23, night_end__lte=23),
                name="postmortems_oncallpolicy_night_hours",
                violation_error_message="Night hours are hours of the day, 0 to 23.",
            ),
        ]

    def __str__(self) -> str:
        return f"On-call policy of {self.team}"


class Rotation(models.Model):
    """Who answers a team's pages: members in order, handed over weekly (`handoff_weekday`
    at `handoff_hour` in `time_zone`). The member at the week's position is primary, the
    next one secondary. A rotation imported from an iCalendar feed (`source` ical) takes
    its shifts from the feed instead (ScheduleFeed)."""

    class Source(models.TextChoices):
        MEMBERS = "members", "Members in order"
        ICAL = "ical", "iCalendar feed"

    class Weekday(models.IntegerChoices):
        MONDAY = 0, "Monday"
        TUESDAY = 1, "Tuesday"
        WEDNESDAY = 2, "Wednesday"
        THURSDAY = 3, "Thursday"
        FRIDAY = 4, "Friday"
        SATURDAY = 5, "Saturday"
        SUNDAY = 6, "Sunday"

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    team = models.ForeignKey("accounts.Team", on_delete=models.CASCADE, related_name="rotations")
    name = models.CharField(max_length=100)
    source = models.CharField(max_length=10, choices=Source, default=Source.MEMBERS)
    time_zone = models.CharField(max_length=64, choices=time_zone_choices, default="UTC")
    handoff_weekday = models.PositiveSmallIntegerField(choices=Weekday, default=Weekday.MONDAY)
    handoff_hour = models.PositiveSmallIntegerField(
        default=10, help_text="Hour of the day, 0 to 23."
    )
    starts_on = models.DateField(
        help_text="The first handoff: the first member is primary from this day's handoff hour."
    )
    has_secondary = models.BooleanField(
        "with a secondary",
        default=True,
        help_text="The next member in order backs the primary up.",
    )
    created_by = created_by_field()
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["team__name", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["team", "name"], name="postmortems_rotation_unique_name"
            ),
            models.CheckConstraint(
                condition=Q(handoff_hour__lte=23),
                name="postmortems_rotation_handoff_hour",
                violation_error_message="The handoff hour is an hour of the day, 0 to 23.",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class RotationMember(models.Model):
    rotation = models.ForeignKey(Rotation, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="rotation_memberships"
    )
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["rotation", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["rotation", "user"], name="postmortems_rotationmember_unique_user"
            ),
            models.UniqueConstraint(
                fields=["rotation", "position"], name="postmortems_rotationmember_unique_position"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} #{self.position} in {self.rotation}"


class Role(models.TextChoices):
    PRIMARY = "primary", "Primary"
    SECONDARY = "secondary", "Secondary"


class RotationOverride(models.Model):
    """Someone else takes a role for a while (a swap is two overrides, one each way)."""

    rotation = models.ForeignKey(Rotation, on_delete=models.CASCADE, related_name="overrides")
    role = models.CharField(max_length=10, choices=Role, default=Role.PRIMARY)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="rotation_overrides"
    )
    starts_at = BoundedDateTimeField()
    ends_at = BoundedDateTimeField()
    reason = models.CharField(max_length=300, blank=True)
    created_by = created_by_field()
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="postmortems_rotationoverride_ends_after_start",
                violation_error_message="An override must end after it starts.",
            ),
        ]
        indexes = [
            # Who is on call at a moment: the overrides of a rotation around it.
            models.Index(fields=["rotation", "starts_at"], name="pm_override_rotation_start"),
        ]

    def __str__(self) -> str:
        return f"{self.user} as {self.role} of {self.rotation}"


class Shift(models.Model):
    """One person's turn in one role: made from the rotation's members (`source`
    rotation, for the weeks ahead and kept as they were afterwards) or read from the
    rotation's iCalendar feed (`source` ical, `external_uid` the event's UID and
    RECURRENCE-ID). `person` is the name or address the feed gave, kept when no account
    matches it."""

    class Source(models.TextChoices):
        ROTATION = "rotation", "Rotation"
        ICAL = "ical", "iCalendar feed"

    rotation = models.ForeignKey(Rotation, on_delete=models.CASCADE, related_name="shifts")
    role = models.CharField(max_length=10, choices=Role, default=Role.PRIMARY)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="oncall_shifts",
    )
    person = models.CharField(max_length=254, blank=True)
    starts_at = BoundedDateTimeField()
    ends_at = BoundedDateTimeField()
    source = models.CharField(max_length=10, choices=Source, default=Source.ROTATION)
    external_uid = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["starts_at", "role"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="postmortems_shift_ends_after_start",
                violation_error_message="A shift must end after it starts.",
            ),
        ]
        indexes = [
            # Who is on call at a moment, and a rotation's schedule page.
            models.Index(fields=["rotation", "starts_at"], name="pm_shift_rotation_start"),
            # A person's shifts over a window: the on-call load page.
            models.Index(fields=["user", "starts_at"], name="pm_shift_user_start"),
        ]

    def __str__(self) -> str:
        return f"{self.user or self.person} {self.role} {self.starts_at:%Y-%m-%d %H:%M}"


class ScheduleFeed(models.Model):
    """The iCalendar export of a PagerDuty or Opsgenie schedule, imported into a
    rotation's shifts on a schedule (beat). Failures are kept and shown, never hidden."""

    rotation = models.OneToOneField(Rotation, on_delete=models.CASCADE, related_name="feed")
    url = models.URLField("iCalendar URL", max_length=1000)
    enabled = models.BooleanField(default=True)
    last_checked_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_success_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_error = models.TextField(blank=True, editable=False)
    failures = models.PositiveIntegerField(default=0, editable=False)
    shifts_imported = models.PositiveIntegerField(default=0, editable=False)

    def __str__(self) -> str:
        return f"Feed of {self.rotation}"

import uuid
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from lib.model_rows import instance_from_db
from postmortems.models.fields import BoundedDateTimeField, created_by_field

if TYPE_CHECKING:
    from postmortems.models.catalog import Service, Tag


def builtin_layout() -> list[dict[str, str]]:
    """The built-in template's layout: what a review without a team template shows."""
    return [
        {"key": key, "label": label, "question": question}
        for key, label, question in Postmortem.SECTIONS
    ]


class Postmortem(models.Model):
    """The written review of one incident."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        IN_REVIEW = "in_review", "In review"
        PUBLISHED = "published", "Published"

    # The Markdown sections, in the order the editor and the read view show them.
    SECTIONS = (
        ("summary", "Summary", "What happened, in two or three sentences a newcomer understands."),
        ("impact", "Impact", "Who was affected, how, for how long. Numbers where you have them."),
        (
            "contributing_factors",
            "Contributing factors",
            "The conditions that together made this possible. There is rarely a single cause.",
        ),
        ("went_well", "What went well", "Detection, tooling and decisions worth keeping."),
        ("went_wrong", "What went wrong", "Where the system or the process made things harder."),
        ("got_lucky", "Where we got lucky", "What limited the damage by chance, not by design."),
        ("lessons", "Lessons", "What we learned about the system and about how we work."),
    )
    SECTION_NAMES = tuple(name for name, _label, _help in SECTIONS)

    incident = models.OneToOneField(
        "postmortems.Incident", on_delete=models.CASCADE, related_name="postmortem"
    )
    status = models.CharField(max_length=10, choices=Status, default=Status.DRAFT)
    authors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="authored_postmortems"
    )
    tags = models.ManyToManyField("postmortems.Tag", blank=True, related_name="postmortems")
    summary = models.TextField(blank=True)
    impact = models.TextField(blank=True)
    contributing_factors = models.TextField(blank=True)
    went_well = models.TextField("what went well", blank=True)
    went_wrong = models.TextField("what went wrong", blank=True)
    got_lucky = models.TextField("where we got lucky", blank=True)
    lessons = models.TextField(blank=True)
    created_by = created_by_field()
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)
    published_at = BoundedDateTimeField(null=True, blank=True)
    stale_reminder_sent = models.BooleanField(default=False, editable=False)
    # The template it started with (None: the built-in one); its readiness checks apply.
    template = models.ForeignKey(
        "postmortems.ReviewTemplate",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reviews",
    )
    # Its sections in order, [{"key", "label", "question"}], copied from the template
    # when it started, so later edits of the template never change this review. Read
    # through review_sections() (postmortems/models/review_templates.py).
    layout = models.JSONField(default=builtin_layout, editable=False)
    # The plain text of the whole review, for search snippets on PostgreSQL (kept in
    # sync by postmortems/services/search_index.py; the tsvector lives in SearchEntry).
    search_text = models.TextField(blank=True, editable=False, db_default="")

    # Not columns. Set by get_postmortem_for_user (postmortems/permissions.py):
    can_edit: bool
    # On search hits (archive/search.py) and related reviews (archive/related.py):
    tag_list: "list[Tag]"
    service_list: "list[Service]"
    shared_tags: "list[Tag]"
    shared_services: "list[Service]"
    # On search hits: its incident has a confirmed recurrence (archive/search.py).
    recurred: bool

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="published") | Q(published_at__isnull=False),
                name="postmortems_postmortem_published_has_time",
            ),
        ]
        indexes = [
            # Archive and "drafts going stale": postmortems by status and age.
            models.Index(fields=["status", "-published_at"], name="pm_postmortem_status_pub"),
            # Stale drafts on the dashboard: unpublished reviews, oldest first.
            models.Index(
                fields=["created_at"],
                name="pm_postmortem_unpublished",
                condition=~Q(status="published"),
            ),
            # The stale-draft sweep: unpublished reviews not yet reminded, by age.
            models.Index(
                fields=["created_at"],
                name="pm_postmortem_stale",
                condition=~Q(status="published") & Q(stale_reminder_sent=False),
            ),
        ]

    def __str__(self) -> str:
        return f"Postmortem for {self.incident.reference}"


class TimelineEvent(models.Model):
    class Kind(models.TextChoices):
        DETECTION = "detection", "Detection"
        ESCALATION = "escalation", "Escalation"
        ACTION = "action", "Action"
        COMMUNICATION = "communication", "Communication"
        MITIGATION = "mitigation", "Mitigation"
        RESOLUTION = "resolution", "Resolution"
        OTHER = "other", "Other"

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    postmortem = models.ForeignKey(
        Postmortem, on_delete=models.CASCADE, related_name="timeline_events"
    )
    occurred_at = BoundedDateTimeField("when")
    kind = models.CharField(max_length=15, choices=Kind, default=Kind.ACTION)
    text = models.TextField(help_text="What happened, what people saw and did. Markdown.")
    source_url = models.URLField("source link", max_length=500, blank=True)
    # Bumped on every edit; a save names the revision it started from (see services.edits).
    revision = models.PositiveIntegerField(default=0, editable=False)
    # Where an imported event came from (a Slack message: "slack:<ts>:<user>"), so the
    # same chat imported again adds only what is new. NULL, not "", for events typed in:
    # NULLs are distinct under the unique constraint below.
    import_key = models.CharField(  # noqa: DJ001
        max_length=200, null=True, blank=True, editable=False
    )
    created_by = created_by_field()
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["occurred_at", "created_at"]
        indexes = [
            # The editor and read view list a postmortem's events in time order.
            models.Index(fields=["postmortem", "occurred_at"], name="pm_event_pm_time"),
        ]
        constraints = [
            # One event per imported message and postmortem; NULLs (typed events) are
            # distinct. Also the index the import's "already imported?" query uses.
            models.UniqueConstraint(
                fields=["postmortem", "import_key"],
                name="postmortems_timelineevent_unique_import_key",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.get_kind_display()}"

    @classmethod
    def from_db(cls, db, field_names, values):
        # A long incident's review holds hundreds, read on every editor load.
        return instance_from_db(cls, db, field_names, values)

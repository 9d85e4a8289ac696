from django.conf import settings
from django.db import models
from django.utils import timezone


class SectionRevision(models.Model):
    """One saved version of one Markdown section of a postmortem.

    Numbered per section (1, 2, 3...). Written only by postmortems/services/revisions.py,
    inside the same locked transaction as the section text, so the latest revision is
    always the text the postmortem holds.
    """

    class Kind(models.TextChoices):
        BASELINE = "baseline", "Text from before history was kept"
        SAVE = "save", "Saved"
        AUTOSAVE = "autosave", "Autosaved"
        RESTORE = "restore", "Restored"

    postmortem = models.ForeignKey(
        "postmortems.Postmortem", on_delete=models.CASCADE, related_name="section_revisions"
    )
    section = models.CharField(max_length=30)
    number = models.PositiveIntegerField()
    text = models.TextField(blank=True)
    kind = models.CharField(max_length=10, choices=Kind, default=Kind.SAVE)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The editor (one open form in one browser tab) that wrote it: that editor's later
    # saves are not in conflict with its own autosaves (see services/revisions.py).
    editor = models.CharField(max_length=40, blank=True)
    restored_from = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # Later than created_at when autosaves were coalesced into this revision.
    saved_at = models.DateTimeField(default=timezone.now)

    # Not columns: set on the rows of the history page (postmortems/views/history.py).
    label: str
    compare_url: str
    is_current: bool
    base: str

    class Meta:
        ordering = ["-saved_at", "-pk"]
        constraints = [
            # Also the index for "latest revision of a section" and the per-section history.
            models.UniqueConstraint(
                fields=["postmortem", "section", "number"],
                name="postmortems_sectionrevision_unique_number",
            ),
        ]
        indexes = [
            # The history page of a whole postmortem, newest first.
            models.Index(fields=["postmortem", "-saved_at"], name="pm_revision_pm_saved"),
        ]

    def __str__(self) -> str:
        return f"{self.section} #{self.number}"

from django.conf import settings
from django.db import models
from django.utils import timezone


class ActionItemChange(models.Model):
    """One change to one field of an action item: who, when, from what, to what, and why.

    Values are stored as people read them (the owner's name, an ISO date, the status
    label), so the history still reads correctly after a person or a label changes.
    Rows are written by the services in postmortems/services/action_changes.py.
    """

    class Field(models.TextChoices):
        STATUS = "status", "Status"
        DUE_DATE = "due_date", "Due date"
        OWNER = "owner", "Owner"
        TITLE = "title", "Title"
        NUDGE = "nudge", "Nudge"
        COMMITMENT = "commitment", "Committed"
        VERIFICATION = "verification", "Verification"
        OUTCOME = "outcome", "Outcome"
        TRACKER = "tracker", "Tracker issue"

    action_item = models.ForeignKey(
        "postmortems.ActionItem", on_delete=models.CASCADE, related_name="changes"
    )
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)
    field = models.CharField(max_length=20, choices=Field)
    old_value = models.TextField(blank=True)
    new_value = models.TextField(blank=True)
    reason = models.TextField(blank=True)
    # Where the change was made: here, or in the team's issue tracker (its webhook or
    # the reconcile), e.g. "GitHub": the history says so.
    source = models.CharField(max_length=30, blank=True)

    class Meta:
        ordering = ["-changed_at", "-pk"]
        indexes = [
            # One item's history, newest first: the history page.
            models.Index(fields=["action_item", "changed_at"], name="pm_action_change_item"),
        ]

    def __str__(self) -> str:
        return f"{self.get_field_display()}: {self.old_value} -> {self.new_value}"

"""The audit log's one table."""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone


class AuditEvent(models.Model):
    """One security-relevant event: who did what to which object, when and from where.

    Rows are written only by audit.services.audit_record and are never
    changed or deleted through the app or the admin (a read-only admin page shows them).
    Actor and target are also kept as text, so an event stays readable after the user
    or the object it names is deleted.
    """

    class Action(models.TextChoices):
        LOGIN = "login", "Signed in"
        LOGIN_FAILED = "login_failed", "Sign-in failed"
        LOGOUT = "logout", "Signed out"
        LOCKOUT = "lockout", "Locked out after failed sign-ins"
        UNLOCK = "unlock", "Sign-in lockout cleared"
        USER_CREATED = "user_created", "User created"
        USER_ACCESS_CHANGED = "user_access_changed", "User access changed"
        USER_DELETED = "user_deleted", "User deleted"
        MEMBERSHIP_CREATED = "membership_created", "Team membership added"
        MEMBERSHIP_ROLE_CHANGED = "membership_role_changed", "Team role changed"
        MEMBERSHIP_DELETED = "membership_deleted", "Team membership removed"
        TEAM_DELETED = "team_deleted", "Team deleted"
        TOKEN_CREATED = "token_created", "API token created"
        TOKEN_REVOKED = "token_revoked", "API token revoked"
        POSTMORTEM_PUBLISHED = "postmortem_published", "Postmortem published"
        POSTMORTEM_UNPUBLISHED = "postmortem_unpublished", "Postmortem unpublished"
        POSTMORTEM_DELETED = "postmortem_deleted", "Postmortem deleted"
        INCIDENT_DELETED = "incident_deleted", "Incident deleted"
        INCIDENT_RESTORED = "incident_restored", "Incident restored"
        INCIDENT_PURGED = "incident_purged", "Deleted incident purged"
        TIMELINE_EVENT_DELETED = "timeline_event_deleted", "Timeline event deleted"
        ACTION_ITEM_DELETED = "action_item_deleted", "Action item deleted"
        TRACKER_CONNECTED = "tracker_connected", "Issue tracker connected"
        TRACKER_CHANGED = "tracker_changed", "Issue tracker connection changed"
        TRACKER_SECRET_REPLACED = "tracker_secret_replaced", "Issue tracker webhook secret replaced"
        TRACKER_DISCONNECTED = "tracker_disconnected", "Issue tracker disconnected"
        RECURRENCE_DECIDED = "recurrence_decided", "Possible recurrence decided"
        REVIEW_TEMPLATE_CHANGED = "review_template_changed", "Review template changed"

    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField("actor", max_length=254, blank=True)
    action = models.CharField(max_length=40, choices=Action)
    target_type = models.CharField(max_length=100, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    target_label = models.CharField("target", max_length=300, blank=True)
    ip = models.GenericIPAddressField("IP address", null=True, blank=True)
    details = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)

    class Meta:
        # The table kept the name it had when the log was part of the postmortems app.
        db_table = "postmortems_auditevent"
        ordering = ["-at", "-id"]
        indexes = [
            # The admin's list, newest first (also with an action filter on top).
            models.Index(fields=["-at"], name="postmortems_audit_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()}: {self.target_label or '-'}"

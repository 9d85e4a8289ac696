"""The admin pages of issue trackers: connections (secrets never shown, read-only) and
the links of action items to issues."""

from django.contrib import admin

from postmortems.trackers.models import TrackerConnection, TrackerIssue, TrackerPerson


class TrackerPersonInline(admin.TabularInline):
    model = TrackerPerson
    extra = 0
    raw_id_fields = ["user"]


@admin.register(TrackerConnection)
class TrackerConnectionAdmin(admin.ModelAdmin):
    """The token and webhook secret are not fields here (editable=False): admins see
    that they are set, never their value; leads replace them on the team's page."""

    list_display = ["team", "kind", "project", "auto_create", "sync_enabled", "last_reconciled_at"]
    list_filter = ["kind", "sync_enabled"]
    readonly_fields = ["code", "secrets_set", "last_reconciled_at", "last_error", "last_error_at"]
    fields = [
        "team",
        "kind",
        "base_url",
        "project",
        "labels",
        "options",
        "auto_create",
        "sync_enabled",
        *readonly_fields,
    ]
    inlines = [TrackerPersonInline]

    @admin.display(description="token and webhook secret")
    def secrets_set(self, obj: TrackerConnection) -> str:
        return "set (never shown)" if obj.token and obj.webhook_secret else "missing"


@admin.register(TrackerIssue)
class TrackerIssueAdmin(admin.ModelAdmin):
    list_display = ["key", "action_item", "connection", "sync", "remote_closed", "synced_at"]
    list_filter = ["sync"]
    search_fields = ["key"]
    raw_id_fields = ["action_item"]
    readonly_fields = ["created_by", "created_at", "conflict_note", "conflict_at", "last_error"]

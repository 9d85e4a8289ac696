"""The admin pages of alerting: integrations (tokens shown once), the delivery log,
and, read-only, the alerts kept as records (rules and their firings) and on-call."""

from django.contrib import admin, messages
from django.urls import reverse

from accounts.single_line import SingleLineAdmin
from postmortems.admin_support import (
    VisibleRowsAdmin,
)
from postmortems.alerting.firings.models import AlertRule, Firing
from postmortems.alerting.forms import AlertIntegrationForm
from postmortems.alerting.integrations import (
    alert_integration_create,
    alert_integration_rotate_token,
    alert_integration_update,
)
from postmortems.alerting.models import AlertDelivery, AlertIntegration
from postmortems.alerting.oncall.models import (
    OnCallPolicy,
    Rotation,
    RotationOverride,
    ScheduleFeed,
    Shift,
)
from postmortems.notifications.emails import absolute_url


class AlertIntegrationAdminForm(AlertIntegrationForm):
    class Meta(AlertIntegrationForm.Meta):
        fields = ["team", *AlertIntegrationForm.Meta.fields]


@admin.register(AlertIntegration)
class AlertIntegrationAdmin(SingleLineAdmin, admin.ModelAdmin):
    """Tokens are shown once, in a message, when made (on creation or by the action);
    the PagerDuty signing secret is write-only, as on the team settings page."""

    form = AlertIntegrationAdminForm
    list_display = ["name", "team", "kind", "open_from", "refire_window", "enabled"]
    list_filter = ["kind", "enabled", "team"]
    list_select_related = ["team"]
    search_fields = ["name", "team__name"]
    readonly_fields = ["receiver_url", "created_by", "created_at", "updated_at"]
    actions = ["issue_new_tokens"]

    @admin.display(description="receiver URL")
    def receiver_url(self, integration: AlertIntegration) -> str:
        if not integration.pk:
            return "Shown once the integration is saved."
        return absolute_url(reverse("pm-alert-receiver", args=[integration.code]))

    def save_model(self, request, obj, form, change):
        if change:
            alert_integration_update(integration=obj)
            return
        fields = {name: getattr(obj, name) for name in AlertIntegrationForm.Meta.fields}
        created, token = alert_integration_create(team=obj.team, by=request.user, **fields)
        obj.pk, obj.code, obj.token_hash = created.pk, created.code, created.token_hash
        if token:
            messages.warning(
                request, f"Token for {created.name}: {token} (copy it now, it is not shown again)"
            )

    @admin.action(description="Issue new tokens (the old ones stop working)")
    def issue_new_tokens(self, request, queryset):
        for integration in queryset:
            if integration.uses_token:
                token = alert_integration_rotate_token(integration=integration)
                messages.warning(request, f"New token for {integration.name}: {token}")


@admin.register(AlertDelivery)
class AlertDeliveryAdmin(VisibleRowsAdmin):
    """The delivery log, read-only."""

    incident_paths = ("incident",)

    list_display = ["received_at", "integration", "outcome", "http_status", "incident"]
    list_filter = ["outcome", "http_status", "integration"]
    list_select_related = ["integration", "incident"]
    date_hierarchy = "received_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    """Written by the receivers only (alerting/firings/ingest.py): every field shown,
    none a form field."""

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(AlertRule)
class AlertRuleAdmin(SingleLineAdmin, ReadOnlyAdmin):
    list_display = ["name", "team", "integration", "runbook_url", "last_seen_at"]
    list_filter = ["team", "integration"]
    list_select_related = ["team", "integration"]
    search_fields = ["name"]
    raw_id_fields = ["integration", "team"]


@admin.register(Firing)
class FiringAdmin(ReadOnlyAdmin, VisibleRowsAdmin):
    """A firing of a restricted incident is listed only to those who may see it."""

    incident_paths = ("incident",)

    list_display = [
        "rule",
        "team",
        "fired_at",
        "resolved_at",
        "severity_sent",
        "channel",
        "repeats",
        "flapping",
        "acted_on",
        "incident",
    ]
    list_filter = ["team", "rule", "channel", "flapping", "acted_on", "out_of_hours"]
    list_select_related = ["rule", "team", "incident"]
    date_hierarchy = "fired_at"
    raw_id_fields = ["rule", "team", "integration", "incident", "on_call", "rotation"]


# On-call is set up on the team's pages (postmortems/alerting/oncall/views.py), whose
# services keep the shifts ahead in step with the rotation: the admin reads it only.


@admin.register(OnCallPolicy)
class OnCallPolicyAdmin(ReadOnlyAdmin):
    list_display = ["team", "time_zone", "workday_start", "workday_end", "max_pages_per_shift"]
    list_select_related = ["team"]


@admin.register(Rotation)
class RotationAdmin(SingleLineAdmin, ReadOnlyAdmin):
    list_display = ["name", "team", "source", "time_zone", "handoff_weekday", "handoff_hour"]
    list_filter = ["team", "source"]
    list_select_related = ["team"]
    search_fields = ["name", "team__name"]


@admin.register(Shift)
class ShiftAdmin(ReadOnlyAdmin):
    list_display = ["rotation", "role", "user", "person", "starts_at", "ends_at", "source"]
    list_filter = ["rotation__team", "role", "source"]
    list_select_related = ["rotation", "user"]
    date_hierarchy = "starts_at"


@admin.register(RotationOverride)
class RotationOverrideAdmin(ReadOnlyAdmin):
    list_display = ["rotation", "role", "user", "starts_at", "ends_at", "reason"]
    list_select_related = ["rotation", "user"]


@admin.register(ScheduleFeed)
class ScheduleFeedAdmin(ReadOnlyAdmin):
    """The feed's address is a secret of the other tool (it reads the schedule without a
    sign-in): listed, never shown."""

    list_display = ["rotation", "enabled", "last_success_at", "failures", "last_error"]
    list_select_related = ["rotation"]
    exclude = ["url"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields if f.name != "url"]

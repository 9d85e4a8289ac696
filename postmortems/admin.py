from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.single_line import SingleLineAdmin
from postmortems.emails import absolute_url
from postmortems.forms import AlertIntegrationForm
from postmortems.models import (
    RESTORE_DAYS,
    ActionItem,
    AlertDelivery,
    AlertIntegration,
    AuditEvent,
    Incident,
    Postmortem,
    ReadinessPolicy,
    Service,
    Tag,
    TeamWebhook,
    TimelineEvent,
)
from postmortems.permissions import (
    about_visible_filter,
    audit_visibility_filter,
    tag_visibility_filter,
    visibility_filter,
)
from postmortems.readiness import check_choices
from postmortems.search_index import index_postmortem
from postmortems.services.action_changes import ensure_owner_sees_incident
from postmortems.services.alerts import (
    alert_integration_create,
    alert_integration_rotate_token,
    alert_integration_update,
)
from postmortems.services.audit import audit_record
from postmortems.services.incidents import (
    incident_copies_follow,
    incident_delete,
    incident_restore,
)
from postmortems.services.locks import postmortem_lock

# Links typed without a scheme mean https, as in the app's own forms.
HTTPS_URLS = {models.URLField: {"assume_scheme": "https"}}


class VisibleRowsAdmin(SingleLineAdmin, admin.ModelAdmin):
    """Staff who are not superusers get, in the admin too, only rows about incidents
    they may see (permissions.about_visible_filter): a restricted incident is not
    listed, counted, searched or opened here either. `incident_paths` name the paths
    from the model to the incident(s) a row is about."""

    incident_paths: tuple[str, ...] = ()

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(about_visible_filter(request.user, *self.incident_paths))


class AuditedDeletesAdmin(VisibleRowsAdmin):
    """Deleting here (one row, the "delete selected" action, or a row of an inline)
    is recorded in the audit log with who did it, before the row goes."""

    audit_delete_action: str = ""
    inline_delete_actions: dict[type[models.Model], str] = {}

    def _record_delete(self, request, action: str, obj: models.Model) -> None:
        audit_record(action=action, actor=request.user, target=obj, request=request, via="admin")

    def delete_model(self, request, obj):
        with transaction.atomic():
            self._record_delete(request, self.audit_delete_action, obj)
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for obj in queryset:
                self._record_delete(request, self.audit_delete_action, obj)
            super().delete_queryset(request, queryset)

    def save_formset(self, request, form, formset, change):
        action = self.inline_delete_actions.get(formset.model)
        if action:
            for deleted in formset.deleted_forms:
                if deleted.instance.pk:
                    self._record_delete(request, action, deleted.instance)
        super().save_formset(request, form, formset, change)


@admin.register(Service)
class ServiceAdmin(SingleLineAdmin, admin.ModelAdmin):
    list_display = ["name", "parent"]
    list_select_related = ["parent"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["parent"]


@admin.register(Tag)
class TagAdmin(SingleLineAdmin, admin.ModelAdmin):
    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        return queryset.filter(tag_visibility_filter(request.user))

    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


class DeletedFilter(admin.SimpleListFilter):
    """Live incidents by default; deleted ones (restorable for RESTORE_DAYS) on request."""

    title = "deleted"
    parameter_name = "deleted"

    def lookups(self, request, model_admin):
        return [
            ("recent", f"Deleted in the last {RESTORE_DAYS} days"),
            ("all", "All, deleted included"),
        ]

    def choices(self, changelist):
        choices = list(super().choices(changelist))
        choices[0]["display"] = "Not deleted"  # no choice: the default, live incidents
        return choices

    def queryset(self, request, queryset):
        if self.value() == "recent":
            since = timezone.now() - timedelta(days=RESTORE_DAYS)
            return queryset.filter(deleted_at__gte=since)
        if self.value() == "all":
            return queryset
        return queryset.filter(deleted_at__isnull=True)


@admin.register(Incident)
class IncidentAdmin(SingleLineAdmin, admin.ModelAdmin):
    """Deleting here is the app's soft delete (services.incidents.incident_delete, which
    records it in the audit log); the purge sweep removes the row RESTORE_DAYS later."""

    list_display = [
        "number", "title", "severity", "status", "team", "restricted", "started_at", "deleted_at",
    ]  # fmt: skip
    list_filter = [DeletedFilter, "severity", "status", "restricted", "team"]
    list_select_related = ["team"]
    search_fields = ["title", "=number"]
    date_hierarchy = "started_at"
    readonly_fields = [
        "number", "created_by", "created_at", "updated_at", "revision", "deleted_at", "deleted_by",
    ]  # fmt: skip
    autocomplete_fields = ["owner", "services"]
    actions = ["restore"]

    def get_queryset(self, request):
        # The default manager hides deleted incidents; the admin sees and restores them.
        incidents = Incident.all_objects.select_related("team")
        if request.user.is_superuser:
            return incidents
        # Other staff: as on the pages (VisibleRowsAdmin). Deleted incidents are for
        # admins, who alone delete and restore them (permissions.can_delete_incident).
        return incidents.filter(visibility_filter(request.user))

    def delete_model(self, request, obj):
        incident_delete(incident=obj, by=request.user, request=request)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for incident in queryset.filter(deleted_at__isnull=True):
                incident_delete(incident=incident, by=request.user, request=request)

    @admin.action(description="Restore the selected deleted incidents")
    def restore(self, request, queryset):
        restored = 0
        with transaction.atomic():
            for incident in queryset.filter(deleted_at__isnull=False):
                incident_restore(incident=incident, by=request.user, request=request)
                restored += 1
        self.message_user(request, f"{restored} incident(s) restored.", messages.SUCCESS)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # The items' team and search copy the incident: an edit here must reach them as
        # it does from the app's own forms, under the same locks.
        incident_copies_follow(incident=form.instance)


class ActionItemAdminForm(forms.ModelForm):
    """The admin edits items without the services: the owner rule is checked here."""

    def clean(self):
        data = super().clean()
        item = self.instance
        if item.postmortem_id and "owner" in self.changed_data:
            item.owner = data.get("owner")
            try:
                ensure_owner_sees_incident(item)
            except ValidationError as error:
                self.add_error(None, error)
        return data


class TimelineEventInline(SingleLineAdmin, admin.TabularInline):
    formfield_overrides = HTTPS_URLS
    model = TimelineEvent
    extra = 0
    fields = ["occurred_at", "kind", "text", "source_url"]


class ActionItemInline(SingleLineAdmin, admin.TabularInline):
    form = ActionItemAdminForm
    formfield_overrides = HTTPS_URLS
    model = ActionItem
    extra = 0
    fields = ["title", "owner", "due_date", "priority", "type", "status"]
    autocomplete_fields = ["owner"]


@admin.register(Postmortem)
class PostmortemAdmin(AuditedDeletesAdmin):
    incident_paths = ("incident",)
    audit_delete_action = AuditEvent.Action.POSTMORTEM_DELETED
    inline_delete_actions = {
        TimelineEvent: AuditEvent.Action.TIMELINE_EVENT_DELETED,
        ActionItem: AuditEvent.Action.ACTION_ITEM_DELETED,
    }
    formfield_overrides = HTTPS_URLS
    list_display = ["incident", "status", "published_at", "updated_at"]
    list_filter = ["status"]
    list_select_related = ["incident"]
    search_fields = ["incident__title", "summary"]
    autocomplete_fields = ["authors", "tags"]
    readonly_fields = ["incident", "created_by", "created_at", "updated_at"]
    inlines = [TimelineEventInline, ActionItemInline]

    def save_formset(self, request, form, formset, change):
        if formset.model is not ActionItem:
            super().save_formset(request, form, formset, change)
            return
        with transaction.atomic():
            for deleted in formset.deleted_forms:  # recorded before the rows go
                if deleted.instance.pk:
                    self._record_delete(
                        request, AuditEvent.Action.ACTION_ITEM_DELETED, deleted.instance
                    )
            # Items added here take the incident's team as it is now, under the
            # postmortem's lock, as action_item_create does.
            team_id = postmortem_lock(postmortem_id=form.instance.pk).incident.team_id
            now = timezone.now()
            for item in formset.save(commit=False):  # the added and the changed
                item.team_id = team_id
                item.updated_at = now  # the API's sync (updated_after) must see it
                item.save()
            for item in formset.deleted_objects:
                item.delete()
            formset.save_m2m()

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        index_postmortem(form.instance.pk)


@admin.register(ActionItem)
class ActionItemAdmin(AuditedDeletesAdmin):
    incident_paths = ("postmortem__incident",)
    form = ActionItemAdminForm
    audit_delete_action = AuditEvent.Action.ACTION_ITEM_DELETED
    formfield_overrides = HTTPS_URLS
    list_display = ["title", "owner", "due_date", "priority", "status"]
    list_filter = ["status", "priority", "type"]
    list_select_related = ["owner"]
    search_fields = ["title"]
    autocomplete_fields = ["owner"]
    readonly_fields = [
        "postmortem", "created_by", "created_at", "updated_at", "completed_at", "revision",
    ]  # fmt: skip

    def save_model(self, request, obj, form, change):
        obj.updated_at = timezone.now()  # the API's sync (updated_after) must see it
        super().save_model(request, obj, form, change)


class ReadinessPolicyForm(forms.ModelForm):
    required_checks = forms.MultipleChoiceField(
        choices=check_choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=(
            "Checks that must pass before a review of this severity is published; the "
            "others show as advice. The summary is always required. Without a policy, "
            "SEV1 and SEV2 require every check, SEV3 the summary, impact, timeline, "
            "contributing factors and actionable items, SEV4 the summary and actionable items."
        ),
    )

    class Meta:
        model = ReadinessPolicy
        fields = ["severity", "required_checks"]


@admin.register(ReadinessPolicy)
class ReadinessPolicyAdmin(admin.ModelAdmin):
    form = ReadinessPolicyForm
    list_display = ["severity", "required_list", "updated_at"]

    @admin.display(description="required checks")
    def required_list(self, policy: ReadinessPolicy) -> str:
        return ", ".join(policy.required_checks) or "summary only"

    def save_model(self, request, obj, form, change):
        obj.updated_at = timezone.now()
        super().save_model(request, obj, form, change)


@admin.register(TeamWebhook)
class TeamWebhookAdmin(admin.ModelAdmin):
    """Also editable by the team's leads on the team's notifications page."""

    list_display = ["team", "notify_missing", "notify_published", "notify_digest", "updated_at"]
    list_select_related = ["team"]
    autocomplete_fields = ["team"]
    formfield_overrides = HTTPS_URLS


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


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """The audit log, for staff: read-only. Nobody adds, changes or deletes an event
    through the admin (not even superusers); rows come only from audit_record."""

    list_display = ["at", "action", "actor_label", "target_label", "target_type", "ip"]
    list_filter = ["action", "target_type"]
    search_fields = ["actor_label", "target_label", "target_id", "=ip"]
    date_hierarchy = "at"
    fields = [
        "at",
        "action",
        "actor",
        "actor_label",
        "target_type",
        "target_id",
        "target_label",
        "ip",
        "details",
    ]
    readonly_fields = fields
    raw_id_fields = ["actor"]
    list_per_page = 100

    def get_queryset(self, request):
        # Staff who are not superusers: nothing about incidents they may not see.
        return super().get_queryset(request).filter(audit_visibility_filter(request.user))

    @staticmethod
    def _is_staff(request) -> bool:
        return request.user.is_active and request.user.is_staff

    def has_module_permission(self, request) -> bool:
        return self._is_staff(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return self._is_staff(request)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

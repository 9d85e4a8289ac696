from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model
from django.http import HttpResponseRedirect
from django.utils import timezone

from accounts.single_line import SingleLineAdmin
from audit.models import AuditEvent
from postmortems.admin_support import (
    HTTPS_URLS,
    ActionItemAdminForm,
    PostmortemAdminForm,
    RevisionCheckedForm,
    VisibleRowsAdmin,
)
from postmortems.models.actions import ActionItem
from postmortems.models.catalog import Service, Tag
from postmortems.models.incidents import RESTORE_DAYS, Incident
from postmortems.models.reviews import Postmortem, TimelineEvent
from postmortems.permissions import (
    audit_visibility_filter,
    tag_visibility_filter,
    visibility_filter,
)
from postmortems.readiness.checks import check_choices
from postmortems.readiness.models import ReadinessPolicy
from postmortems.services.actions import (
    action_item_create,
    action_item_delete,
    action_item_update,
)
from postmortems.services.edits import EditConflict
from postmortems.services.incidents import (
    INCIDENT_FIELDS,
    incident_create,
    incident_delete,
    incident_restore,
    incident_update,
)
from postmortems.services.postmortems import (
    SectionConflict,
    postmortem_delete,
    postmortem_set_status,
    postmortem_update_details,
    postmortem_update_section,
)
from postmortems.services.timeline import (
    EVENT_FIELDS,
    timeline_event_create,
    timeline_event_delete,
    timeline_event_update,
)

if TYPE_CHECKING:
    _AdminBase = admin.ModelAdmin[Any]  # what the mixin is combined with
else:
    _AdminBase = object


class ServiceWritesAdmin(_AdminBase):
    """Admin pages that write through the services (postmortems/services/), like the
    app's pages, the API, alerting and the import: every rule of a write (the copies
    of the incident in its items and the search index, audit rows, revision numbers,
    the soft delete) holds whichever path the write comes from.

    A refusal the form could not foresee (someone saved first, in the moment between
    the form's check and the save; a postmortem not ready to publish) undoes the whole
    save (the admin's change view is one transaction) and says why."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except (EditConflict, SectionConflict) as conflict:
            message = f"{conflict} Nothing was saved: reload the page to see their version."
        except ValidationError as refusal:
            message = "Nothing was saved. " + " ".join(refusal.messages)
        self.message_user(request, message, messages.ERROR)
        return HttpResponseRedirect(request.get_full_path())


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
class IncidentAdmin(ServiceWritesAdmin, SingleLineAdmin, admin.ModelAdmin):
    """Deleting here is the app's soft delete (services.incidents.incident_delete, which
    records it in the audit log); the purge sweep removes the row RESTORE_DAYS later.
    Creating and editing go through incident_create and incident_update."""

    form = RevisionCheckedForm

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

    def save_model(self, request, obj, form, change):
        # The team, title, services... reach the postmortem's copies (its items' team,
        # its search entry) inside incident_update, under the same locks as the pages.
        services = list(form.cleaned_data.get("services", []))
        if change:
            incident_update(incident=obj, expected_revision=form.expected(), services=services)
            return
        fields = {name: getattr(obj, name) for name in INCIDENT_FIELDS}
        created = incident_create(by=request.user, services=services, **fields)
        obj.pk, obj.number, obj.created_by = created.pk, created.number, created.created_by
        obj.created_at, obj.updated_at = created.created_at, created.updated_at

    def save_related(self, request, form, formsets, change):
        # Not form.save_m2m(): the services were set by the service, before it indexed.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)


class TimelineEventInline(SingleLineAdmin, admin.TabularInline):
    form = RevisionCheckedForm
    formfield_overrides = HTTPS_URLS
    model = TimelineEvent
    extra = 0
    fields = ["occurred_at", "kind", "text", "source_url", "expected_revision"]


class ActionItemInline(SingleLineAdmin, admin.TabularInline):
    form = ActionItemAdminForm
    formfield_overrides = HTTPS_URLS
    model = ActionItem
    extra = 0
    fields = ["title", "owner", "due_date", "priority", "type", "status", "expected_revision"]
    autocomplete_fields = ["owner"]


# What a row of each inline writes, and the services that write it.
# model -> (fields, create, update, delete)
INLINE_WRITES: dict[
    type[Model],
    tuple[Sequence[Any], Callable[..., Model], Callable[..., object], Callable[..., None]],
] = {
    TimelineEvent: (
        EVENT_FIELDS,
        timeline_event_create,
        lambda event, by, revision: timeline_event_update(event=event, expected_revision=revision),
        lambda event, by: timeline_event_delete(event=event, by=by),
    ),
    ActionItem: (
        [name for name in ActionItemInline.fields if name != "expected_revision"],
        action_item_create,
        lambda item, by, revision: action_item_update(item=item, by=by, expected_revision=revision),
        lambda item, by: action_item_delete(item=item, by=by),
    ),
}


@admin.register(Postmortem)
class PostmortemAdmin(ServiceWritesAdmin, VisibleRowsAdmin):
    """Every part of a review saved here goes through its service: each changed section
    through postmortem_update_section (a numbered revision, the conflict check), the
    status through postmortem_set_status (readiness, the publication time, the audit
    row, the announcement), authors and tags through postmortem_update_details, the
    inline rows through the timeline and action item services (audit rows on delete,
    the item's team, the search index). Reviews are started from the incident page."""

    incident_paths = ("incident",)
    form = PostmortemAdminForm
    formfield_overrides = HTTPS_URLS
    list_display = ["incident", "status", "published_at", "updated_at"]
    list_filter = ["status"]
    list_select_related = ["incident"]
    search_fields = ["incident__title", "summary"]
    autocomplete_fields = ["authors", "tags"]
    readonly_fields = ["incident", "published_at", "created_by", "created_at", "updated_at"]
    inlines = [TimelineEventInline, ActionItemInline]

    def has_add_permission(self, request):
        return False

    def save_model(self, request, obj, form, change):
        # The form has written its values into `obj`; the services write them.
        for section in Postmortem.SECTION_NAMES:
            if section in form.changed_data:
                postmortem_update_section(
                    postmortem=obj,
                    section=section,
                    text=getattr(obj, section),
                    base_fingerprint=form.base_fingerprint(section),
                    by=request.user,
                )
        if "status" in form.changed_data:  # after the sections: readiness reads them
            postmortem_set_status(postmortem=obj, status=obj.status, by=request.user)

    def save_related(self, request, form, formsets, change):
        # Not form.save_m2m(): authors and tags go through their service.
        if {"authors", "tags"} & set(form.changed_data):
            postmortem_update_details(
                postmortem=form.instance,
                authors=list(form.cleaned_data["authors"]),
                tag_names=[tag.name for tag in form.cleaned_data["tags"]],
            )
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def save_formset(self, request, form, formset, change):
        fields, create, update, delete = INLINE_WRITES[formset.model]
        # What formset.save() would leave for the admin's change message.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for row in formset.forms:
            instance = row.instance
            if row in formset.deleted_forms:
                if instance.pk:
                    delete(instance, request.user)
                    formset.deleted_objects.append(instance)
            elif not row.has_changed():
                continue
            elif instance.pk:
                update(instance, request.user, row.expected())
                formset.changed_objects.append((instance, row.changed_data))
            else:
                values = {name: getattr(instance, name) for name in fields}
                created = create(postmortem=form.instance, by=request.user, **values)
                formset.new_objects.append(created)

    def delete_model(self, request, obj):
        postmortem_delete(postmortem=obj, by=request.user, request=request)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for postmortem in queryset.select_related("incident"):
                postmortem_delete(postmortem=postmortem, by=request.user, request=request)


@admin.register(ActionItem)
class ActionItemAdmin(ServiceWritesAdmin, VisibleRowsAdmin):
    """Edits go through action_item_update (history, completion time, the owner rule,
    the search index), deletes through action_item_delete (audited). Items are added
    in the editor or on their postmortem's admin page, which know the postmortem."""

    incident_paths = ("postmortem__incident",)
    form = ActionItemAdminForm
    formfield_overrides = HTTPS_URLS
    list_display = ["title", "owner", "due_date", "priority", "status"]
    list_filter = ["status", "priority", "type"]
    list_select_related = ["owner"]
    search_fields = ["title"]
    autocomplete_fields = ["owner"]
    readonly_fields = [
        "postmortem", "created_by", "created_at", "updated_at", "completed_at", "revision",
        # Proven fixes: the date follows the status, the outcome has its own form with
        # its rules and history (postmortems/views/outcomes.py).
        "verify_on", "outcome", "outcome_evidence", "outcome_note", "outcome_at",
        "outcome_by", "follow_up_of",
    ]  # fmt: skip

    def has_add_permission(self, request):
        return False

    def save_model(self, request, obj, form, change):
        action_item_update(item=obj, by=request.user, expected_revision=form.expected())

    def delete_model(self, request, obj):
        action_item_delete(item=obj, by=request.user)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for item in queryset.select_related("postmortem__incident", "owner"):
                action_item_delete(item=item, by=request.user)


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


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """The audit log, for staff: read-only. Nobody adds, changes or deletes an event
    through the admin (not even superusers); rows come only from audit_record."""

    list_display = ["at", "action", "actor_label", "target_label", "target_type", "ip"]
    list_filter = ["action", "target_type"]
    search_fields = ["actor_label", "target_label", "target_id", "=ip"]
    date_hierarchy = "at"
    fields = (
        "at",
        "action",
        "actor",
        "actor_label",
        "target_type",
        "target_id",
        "target_label",
        "ip",
        "details",
    )
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


# The parts' own admin pages register in their folders; Django imports this module only.
from postmortems.alerting import admin as alerting_admin  # noqa: E402, F401
from postmortems.notifications import admin as notifications_admin  # noqa: E402, F401
from postmortems.trackers import admin as trackers_admin  # noqa: E402, F401

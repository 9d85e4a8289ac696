from django import forms
from django.contrib import admin
from django.db import models
from django.utils import timezone

from postmortems.models import (
    ActionItem,
    Incident,
    Postmortem,
    ReadinessPolicy,
    Service,
    Tag,
    TimelineEvent,
)
from postmortems.readiness import check_choices
from postmortems.search_index import index_postmortem
from postmortems.services.actions import action_items_follow_incident

# Links typed without a scheme mean https, as in the app's own forms.
HTTPS_URLS = {models.URLField: {"assume_scheme": "https"}}


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["name", "parent"]
    list_select_related = ["parent"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["parent"]


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
    list_display = ["number", "title", "severity", "status", "team", "restricted", "started_at"]
    list_filter = ["severity", "status", "restricted", "team"]
    list_select_related = ["team"]
    search_fields = ["title", "=number"]
    date_hierarchy = "started_at"
    readonly_fields = ["number", "created_by", "created_at", "updated_at", "revision"]
    autocomplete_fields = ["owner", "services"]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        action_items_follow_incident(incident=form.instance)  # the team may have changed
        # Search copies the incident's team, owner, severity and restriction: an edit
        # here must reach it as it does from the app's own forms.
        for pk in Postmortem.objects.filter(incident=form.instance).values_list("pk", flat=True):
            index_postmortem(pk)


class TimelineEventInline(admin.TabularInline):
    formfield_overrides = HTTPS_URLS
    model = TimelineEvent
    extra = 0
    fields = ["occurred_at", "kind", "text", "source_url"]


class ActionItemInline(admin.TabularInline):
    formfield_overrides = HTTPS_URLS
    model = ActionItem
    extra = 0
    fields = ["title", "owner", "due_date", "priority", "type", "status"]
    autocomplete_fields = ["owner"]


@admin.register(Postmortem)
class PostmortemAdmin(admin.ModelAdmin):
    formfield_overrides = HTTPS_URLS
    list_display = ["incident", "status", "published_at", "updated_at"]
    list_filter = ["status"]
    list_select_related = ["incident"]
    search_fields = ["incident__title", "summary"]
    autocomplete_fields = ["authors", "tags"]
    readonly_fields = ["incident", "created_by", "created_at", "updated_at"]
    inlines = [TimelineEventInline, ActionItemInline]

    def save_formset(self, request, form, formset, change):
        if formset.model is ActionItem:
            # Items added here take the incident's team, as action_item_create does.
            for item in formset.save(commit=False):
                item.team_id = form.instance.incident.team_id
                item.save()
            for item in formset.deleted_objects:
                item.delete()
            return
        super().save_formset(request, form, formset, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        index_postmortem(form.instance.pk)


@admin.register(ActionItem)
class ActionItemAdmin(admin.ModelAdmin):
    formfield_overrides = HTTPS_URLS
    list_display = ["title", "owner", "due_date", "priority", "status"]
    list_filter = ["status", "priority", "type"]
    list_select_related = ["owner"]
    search_fields = ["title"]
    autocomplete_fields = ["owner"]
    readonly_fields = ["postmortem", "created_by", "created_at", "completed_at", "revision"]


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

"""The admin page of team chat webhooks."""

from django.contrib import admin

from postmortems.admin_support import (
    HTTPS_URLS,
)
from postmortems.notifications.chat_messages import team_webhook_save
from postmortems.notifications.models import TeamWebhook


@admin.register(TeamWebhook)
class TeamWebhookAdmin(admin.ModelAdmin):
    """Also editable by the team's leads on the team's notifications page."""

    list_display = ["team", "notify_missing", "notify_published", "notify_digest", "updated_at"]
    list_select_related = ["team"]
    autocomplete_fields = ["team"]
    formfield_overrides = HTTPS_URLS

    def get_readonly_fields(self, request, obj=None):
        return ["team"] if obj is not None else []  # one hook per team, saved by team

    def save_model(self, request, obj, form, change):
        fields = {name: value for name, value in form.cleaned_data.items() if name != "team"}
        obj.pk = team_webhook_save(team=obj.team, by=request.user, **fields).pk

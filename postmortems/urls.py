from django.urls import include, path, register_converter
from django.views.generic import RedirectView

from postmortems.alerting import receiver_views as hooks
from postmortems.alerting import settings_views as alerting
from postmortems.api import token_views as api_tokens
from postmortems.archive import browse_views as browse
from postmortems.archive import views as archive
from postmortems.blameless import views as blameless
from postmortems.chat_import import views as chat_import
from postmortems.export import views as exports
from postmortems.insights import pulse_views as pulse
from postmortems.insights import views as dashboard
from postmortems.notifications import calendar_views as calendar
from postmortems.notifications import nudge_views
from postmortems.notifications import outbox_views as outbox
from postmortems.notifications import team_views as teams
from postmortems.views import action_items, comments, editor, history, incidents
from postmortems.views.lists import action_views, timeline_views


class IncidentNumberConverter:
    """INC-42 in URLs, 42 in views."""

    regex = r"INC-[0-9]{1,9}"

    def to_python(self, value: str) -> int:
        return int(value.removeprefix("INC-"))

    def to_url(self, value: int) -> str:
        return f"INC-{int(value)}"


register_converter(IncidentNumberConverter, "inc")


def _inline_urls(views: dict, prefix: str) -> list:
    return [
        path("", views["add"], name=f"pm-{prefix}-add"),
        path("<uuid:code>/", views["edit"], name=f"pm-{prefix}-edit"),
        path("<uuid:code>/row/", views["row"], name=f"pm-{prefix}-row"),
        path("<uuid:code>/delete/", views["delete"], name=f"pm-{prefix}-delete"),
    ]


postmortem_urls = [
    path("", editor.postmortem_detail_view, name="pm-postmortem-detail"),
    path("start/", editor.postmortem_start_view, name="pm-postmortem-start"),
    path("edit/", editor.postmortem_edit_view, name="pm-postmortem-edit"),
    path("sections/<slug:section>/", editor.postmortem_section_view, name="pm-section-save"),
    path("blameless/<slug:section>/", blameless.blameless_check_view, name="pm-blameless-check"),
    path(
        "blameless/<slug:section>/dismiss/",
        blameless.blameless_dismiss_view,
        name="pm-blameless-dismiss",
    ),
    path("details/", editor.postmortem_details_view, name="pm-postmortem-details"),
    path("history/", history.postmortem_history_view, name="pm-postmortem-history"),
    path(
        "history/<slug:section>/<int:revision>/restore/",
        history.section_revision_restore_view,
        name="pm-revision-restore",
    ),
    path("status/", editor.postmortem_status_view, name="pm-postmortem-status"),
    path("readiness/", editor.postmortem_readiness_view, name="pm-postmortem-readiness"),
    path("comments/", comments.comment_add_view, name="pm-comment-add"),
    path(
        "comments/<uuid:code>/resolve/",
        comments.comment_resolve_view,
        name="pm-comment-resolve",
    ),
    path("pulse/", pulse.pulse_view, name="pm-pulse"),
    path("export.md", exports.postmortem_markdown_view, name="pm-postmortem-markdown"),
    path(
        "export-anonymised.md",
        exports.postmortem_anonymised_view,
        name="pm-postmortem-anonymised",
    ),
    path("timeline/import/", chat_import.timeline_import_view, name="pm-timeline-import"),
    path(
        "timeline/import/add/",
        chat_import.timeline_import_add_view,
        name="pm-timeline-import-add",
    ),
    path("timeline/", include(_inline_urls(timeline_views, "event"))),
    path("actions/", include(_inline_urls(action_views, "action"))),
    path(
        "actions/<uuid:code>/",
        include(
            [
                path("done/", action_items.action_item_done_view, name="pm-action-done"),
                path("extend/", action_items.action_item_extend_view, name="pm-action-extend"),
                path(
                    "reassign/", action_items.action_item_reassign_view, name="pm-action-reassign"
                ),
                path("nudge/", nudge_views.action_item_nudge_view, name="pm-action-nudge"),
                path("change/", action_items.action_item_change_view, name="pm-action-change"),
                path("history/", action_items.action_item_history_view, name="pm-action-history"),
            ]
        ),
    ),
]

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="pm-incident-list"), name="home"),
    path("incidents/", incidents.incident_list_view, name="pm-incident-list"),
    path("incidents/new/", incidents.incident_create_view, name="pm-incident-create"),
    path("incidents/<inc:number>/", incidents.incident_detail_view, name="pm-incident-detail"),
    path("incidents/<inc:number>/edit/", incidents.incident_edit_view, name="pm-incident-edit"),
    path(
        "incidents/<inc:number>/delete/",
        incidents.incident_delete_view,
        name="pm-incident-delete",
    ),
    path("incidents/<inc:number>/postmortem/", include(postmortem_urls)),
    path("markdown/preview/", editor.markdown_preview_view, name="pm-markdown-preview"),
    path("archive/", archive.archive_view, name="pm-archive"),
    path("archive/follow/", archive.follow_view, name="pm-archive-follow"),
    path("archive/services/", browse.services_view, name="pm-archive-services"),
    path("archive/tags/", browse.tags_view, name="pm-archive-tags"),
    path("archive/feeds/", browse.feeds_view, name="pm-archive-feeds"),
    path("archive/feed/<str:token>/", browse.atom_feed_view, name="pm-archive-feed"),
    path("dashboard/", dashboard.dashboard_view, name="pm-dashboard"),
    path("dashboard/items/", dashboard.dashboard_items_view, name="pm-dashboard-items"),
    path("dashboard/items.csv", dashboard.dashboard_items_csv_view, name="pm-dashboard-csv"),
    path("my-work/", dashboard.my_work_view, name="pm-my-work"),
    # Shown on the profile page (accounts/views.py), so they live under its URL.
    path("accounts/profile/tokens/", api_tokens.api_token_create_view, name="pm-api-token-create"),
    path(
        "accounts/profile/tokens/<uuid:code>/revoke/",
        api_tokens.api_token_revoke_view,
        name="pm-api-token-revoke",
    ),
    path("outbox/", outbox.outbox_list_view, name="pm-outbox"),
    path("calendar/new-link/", calendar.calendar_renew_view, name="pm-calendar-renew"),
    path(
        "calendar/<str:token>/action-items.ics",
        calendar.calendar_feed_view,
        name="pm-calendar-feed",
    ),
    path(
        "teams/<slug:slug>/notifications/",
        teams.team_notifications_view,
        name="pm-team-notifications",
    ),
    path("outbox/<int:pk>/retry/", outbox.outbox_retry_view, name="pm-outbox-retry"),
    path("outbox/retry-failed/", outbox.outbox_retry_failed_view, name="pm-outbox-retry-failed"),
    path("hooks/<uuid:code>/", hooks.alert_receiver_view, name="pm-alert-receiver"),
    path("alerting/deliveries/", alerting.alert_deliveries_view, name="pm-alert-deliveries"),
    path("teams/<slug:team>/alerting/", alerting.alerting_list_view, name="pm-alerting-list"),
    path(
        "teams/<slug:team>/alerting/new/",
        alerting.alerting_create_view,
        name="pm-alerting-create",
    ),
    path(
        "teams/<slug:team>/alerting/<uuid:code>/",
        alerting.alerting_edit_view,
        name="pm-alerting-edit",
    ),
    path(
        "teams/<slug:team>/alerting/<uuid:code>/token/",
        alerting.alerting_token_view,
        name="pm-alerting-token",
    ),
]

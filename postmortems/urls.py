from django.urls import include, path, register_converter
from django.views.generic import RedirectView

from postmortems.alerting import urls as alerting_urls
from postmortems.alerting.detection import urls as detection_urls
from postmortems.alerting.load import urls as oncall_load_urls
from postmortems.api import urls as api_urls
from postmortems.archive import urls as archive_urls
from postmortems.blameless import views as blameless
from postmortems.chat_import import views as chat_import
from postmortems.export import views as exports
from postmortems.insights import urls as insights_urls
from postmortems.notifications import urls as notifications_urls
from postmortems.presence import urls as presence_urls
from postmortems.recurrence import urls as recurrence_urls
from postmortems.review_templates import urls as review_template_urls
from postmortems.timeline_entry import views as timeline_entry
from postmortems.trackers import urls as tracker_urls
from postmortems.views import (
    action_items,
    comments,
    editor,
    history,
    ideas,
    incidents,
    outcomes,
    template_switch,
)
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
    path(
        "sections/<slug:section>/form/",
        editor.postmortem_section_form_view,
        name="pm-section-form",
    ),
    path("blameless/<slug:section>/", blameless.blameless_check_view, name="pm-blameless-check"),
    path(
        "blameless/<slug:section>/dismiss/",
        blameless.blameless_dismiss_view,
        name="pm-blameless-dismiss",
    ),
    path("details/", editor.postmortem_details_view, name="pm-postmortem-details"),
    path("template/", template_switch.postmortem_template_view, name="pm-postmortem-template"),
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
    path("timeline/quick/", timeline_entry.timeline_entry_add_view, name="pm-event-quick"),
    path(
        "timeline/<uuid:code>/kind/",
        timeline_entry.timeline_event_kind_view,
        name="pm-event-kind",
    ),
    path("timeline/", include(_inline_urls(timeline_views, "event"))),
    path("actions/", include(_inline_urls(action_views, "action"))),
    path("ideas/", ideas.idea_add_view, name="pm-idea-add"),
    path(
        "actions/<uuid:code>/",
        include(
            [
                path("done/", action_items.action_item_done_view, name="pm-action-done"),
                path("extend/", action_items.action_item_extend_view, name="pm-action-extend"),
                path(
                    "reassign/", action_items.action_item_reassign_view, name="pm-action-reassign"
                ),
                path("change/", action_items.action_item_change_view, name="pm-action-change"),
                path("history/", action_items.action_item_history_view, name="pm-action-history"),
                path("commit/", ideas.action_item_commit_view, name="pm-action-commit"),
                path("outcome/", outcomes.action_item_outcome_view, name="pm-action-outcome"),
                path("verify-on/", outcomes.action_item_verify_on_view, name="pm-action-verify-on"),
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
    path(
        "incidents/<inc:number>/postmortem/",
        include(
            postmortem_urls
            + insights_urls.review_urls
            + notifications_urls.review_urls
            + detection_urls.review_urls
            + tracker_urls.review_urls
            + presence_urls.review_urls
        ),
    ),
    path("incidents/<inc:number>/", include(recurrence_urls.incident_urls)),
    path("markdown/preview/", editor.markdown_preview_view, name="pm-markdown-preview"),
    # The parts' own pages.
    *archive_urls.urlpatterns,
    *insights_urls.urlpatterns,
    *notifications_urls.urlpatterns,
    *alerting_urls.urlpatterns,
    *tracker_urls.urlpatterns,
    *oncall_load_urls.urlpatterns,
    *review_template_urls.urlpatterns,
    *api_urls.urlpatterns,
]

"""Issue trackers: the webhook receiver, a team's settings, an item's issue."""

from django.urls import path

from postmortems.trackers import item_views, settings_views, webhooks

# Under incidents/<number>/postmortem/ (postmortems/urls.py).
review_urls = [
    path(
        "actions/<uuid:code>/tracker/",
        item_views.action_item_tracker_view,
        name="pm-action-tracker",
    ),
]

urlpatterns = [
    path("hooks/trackers/<uuid:code>/", webhooks.tracker_webhook_view, name="pm-tracker-webhook"),
    path(
        "teams/<slug:team>/tracker/",
        settings_views.tracker_settings_view,
        name="pm-tracker-settings",
    ),
    path(
        "teams/<slug:team>/tracker/secret/",
        settings_views.tracker_secret_view,
        name="pm-tracker-secret",
    ),
    path(
        "teams/<slug:team>/tracker/check/",
        settings_views.tracker_check_view,
        name="pm-tracker-check",
    ),
    path(
        "teams/<slug:team>/tracker/people/",
        settings_views.tracker_people_view,
        name="pm-tracker-people",
    ),
    path(
        "teams/<slug:team>/tracker/disconnect/",
        settings_views.tracker_disconnect_view,
        name="pm-tracker-disconnect",
    ),
]

"""The outbox, the calendar feed, team chat settings, and nudging an action item's owner."""

from django.urls import path

from postmortems.notifications import calendar_views as calendar
from postmortems.notifications import nudge_views
from postmortems.notifications import outbox_views as outbox
from postmortems.notifications import team_views as teams

urlpatterns = [
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
]

# Under a review's address (incidents/INC-n/postmortem/), mounted by postmortems/urls.py.
review_urls = [
    path("actions/<uuid:code>/nudge/", nudge_views.action_item_nudge_view, name="pm-action-nudge"),
]

"""The dashboard, My work, and the pulse question on a review."""

from django.urls import path

from postmortems.insights import pulse_views as pulse
from postmortems.insights import views as dashboard

urlpatterns = [
    path("dashboard/", dashboard.dashboard_view, name="pm-dashboard"),
    path("dashboard/items/", dashboard.dashboard_items_view, name="pm-dashboard-items"),
    path("dashboard/items.csv", dashboard.dashboard_items_csv_view, name="pm-dashboard-csv"),
    path("my-work/", dashboard.my_work_view, name="pm-my-work"),
]

# Under a review's address (incidents/INC-n/postmortem/), mounted by postmortems/urls.py.
review_urls = [
    path("pulse/", pulse.pulse_view, name="pm-pulse"),
]

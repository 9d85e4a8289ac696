"""The on-call load page and its CSV."""

from django.urls import path

from postmortems.alerting.load import views

urlpatterns = [
    path("teams/<slug:team>/oncall/load/", views.oncall_load_view, name="pm-oncall-load"),
    path(
        "teams/<slug:team>/oncall/load.csv", views.oncall_load_csv_view, name="pm-oncall-load-csv"
    ),
]

"""Deciding a recurrence, under the later incident's address (incidents/INC-n/)."""

from django.urls import path

from postmortems.recurrence import views

incident_urls = [
    path(
        "recurrences/<uuid:code>/<slug:decision>/",
        views.recurrence_decide_view,
        name="pm-recurrence-decide",
    ),
]

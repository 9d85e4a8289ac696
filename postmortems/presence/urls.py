"""Presence, under a review's address (incidents/INC-n/postmortem/)."""

from django.urls import path

from postmortems.presence import views

review_urls = [
    path("presence/", views.presence_view, name="pm-presence"),
]

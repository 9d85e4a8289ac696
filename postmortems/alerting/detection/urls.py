"""The detection review's saves, under a review's address (incidents/INC-n/postmortem/)."""

from django.urls import path

from postmortems.alerting.detection import views

review_urls = [
    path(
        "detection/answers/<int:answer_id>/",
        views.detection_answer_view,
        name="pm-detection-answer",
    ),
    path(
        "detection/answers/<int:answer_id>/action/",
        views.detection_action_view,
        name="pm-detection-action",
    ),
    path("detection/found/", views.detection_found_view, name="pm-detection-found"),
    path("detection/reviewed/", views.detection_mark_view, name="pm-detection-mark"),
    path("detection/link/", views.detection_link_view, name="pm-detection-link"),
    path(
        "detection/no-alert/action/",
        views.detection_no_alert_action_view,
        name="pm-detection-no-alert-action",
    ),
]

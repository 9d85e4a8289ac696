"""On-call pages of a team: its rotations and policy, each rotation's schedule."""

from django.urls import path

from postmortems.alerting.oncall import views

ROTATION = "teams/<slug:team>/oncall/<uuid:code>/"

urlpatterns = [
    path("teams/<slug:team>/oncall/", views.oncall_team_view, name="pm-oncall-team"),
    path("teams/<slug:team>/oncall/policy/", views.oncall_policy_view, name="pm-oncall-policy"),
    path("teams/<slug:team>/oncall/new/", views.rotation_create_view, name="pm-oncall-create"),
    path(ROTATION, views.rotation_view, name="pm-oncall-rotation"),
    path(f"{ROTATION}edit/", views.rotation_edit_view, name="pm-oncall-rotation-edit"),
    path(f"{ROTATION}members/", views.rotation_members_view, name="pm-oncall-members"),
    path(f"{ROTATION}delete/", views.rotation_delete_view, name="pm-oncall-rotation-delete"),
    path(f"{ROTATION}overrides/", views.override_create_view, name="pm-oncall-override"),
    path(
        f"{ROTATION}overrides/<int:pk>/delete/",
        views.override_delete_view,
        name="pm-oncall-override-delete",
    ),
    path(f"{ROTATION}swap/", views.swap_view, name="pm-oncall-swap"),
    path(f"{ROTATION}feed/", views.feed_view, name="pm-oncall-feed"),
    path(f"{ROTATION}upload/", views.upload_view, name="pm-oncall-upload"),
]

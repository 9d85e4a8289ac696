"""A team's review templates, beside its other settings (teams/<slug>/...)."""

from django.urls import path

from postmortems.review_templates import views

urlpatterns = [
    path(
        "teams/<slug:slug>/review-templates/",
        views.review_template_list_view,
        name="pm-review-templates",
    ),
    path(
        "teams/<slug:slug>/review-templates/<uuid:code>/",
        views.review_template_view,
        name="pm-review-template",
    ),
    path(
        "teams/<slug:slug>/review-templates/<uuid:code>/sections/",
        views.review_template_section_add_view,
        name="pm-review-template-section-add",
    ),
    path(
        "teams/<slug:slug>/review-templates/<uuid:code>/sections/<slug:key>/",
        views.review_template_section_view,
        name="pm-review-template-section",
    ),
]

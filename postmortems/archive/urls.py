"""The archive's pages: search, browse, feeds."""

from django.urls import path

from postmortems.archive import browse_views as browse
from postmortems.archive import views as archive

urlpatterns = [
    path("archive/", archive.archive_view, name="pm-archive"),
    path("archive/follow/", archive.follow_view, name="pm-archive-follow"),
    path("archive/services/", browse.services_view, name="pm-archive-services"),
    path("archive/tags/", browse.tags_view, name="pm-archive-tags"),
    path("archive/feeds/", browse.feeds_view, name="pm-archive-feeds"),
    path("archive/feed/<str:token>/", browse.atom_feed_view, name="pm-archive-feed"),
]

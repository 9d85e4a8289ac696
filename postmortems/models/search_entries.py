from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q


class SearchEntry(models.Model):
    """What archive search filters, sorts and matches on, one narrow row per postmortem.

    Written only by postmortems/services/search_index.py. Keeping it narrow (the Markdown lives
    in the postmortem; the tsvector is stored out of line) lets a search walk the
    newest published reviews by index and stop after its window, instead of reading
    the wide postmortems table. On PostgreSQL a GIN index on search_vector is created
    by migration 0005; SQLite matches text through its FTS5 table and leaves it empty.
    """

    postmortem = models.OneToOneField(
        "postmortems.Postmortem",
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="search_entry",
    )
    incident = models.ForeignKey("postmortems.Incident", on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey("accounts.Team", on_delete=models.CASCADE, related_name="+")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    severity = models.CharField(max_length=4)
    restricted = models.BooleanField()
    published = models.BooleanField()
    published_at = models.DateTimeField(null=True)
    search_vector = SearchVectorField(null=True)

    class Meta:
        indexes = [
            # The archive walks published reviews newest first and stops at its window.
            models.Index(
                fields=["-published_at"], name="pm_search_published", condition=Q(published=True)
            ),
        ]

    def __str__(self) -> str:
        return f"Search entry of postmortem {self.postmortem_id}"

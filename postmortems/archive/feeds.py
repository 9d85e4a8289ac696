"""Personal Atom feeds of newly published reviews.

Feed readers cannot sign in, so each feed URL carries a signed token naming the
user and the scope (everything, a team, a service or a tag; accounts/tokens.py).
Entries are the reviews that user may see right now: a restricted incident never
reaches a reader whose user could not open it, and losing access (or being
deactivated) takes effect on the next fetch.
"""

import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.safestring import SafeString, mark_safe

from accounts.models import Team, User
from accounts.tokens import feed_scope_from_token, feed_token
from lib.markdown import render_markdown
from postmortems.archive.search import published_postmortems, service_with_descendants
from postmortems.models.catalog import Service, Tag
from postmortems.models.incidents import Incident
from postmortems.models.reviews import Postmortem

FEED_SIZE = 30
_SCOPE_MODELS: dict[str, type[Team | Service | Tag]] = {
    "team": Team,
    "service": Service,
    "tag": Tag,
}


# Characters XML 1.0 cannot carry. Anyone can type one (or an entity that becomes one)
# into a title or section, and one would make the whole feed fail for every reader.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_text(text: str) -> str:
    """`text` with what XML cannot hold replaced by U+FFFD (safe HTML stays safe)."""
    return _NOT_XML.sub("\ufffd", text)


def feed_url(user: User, scope: dict[str, str]) -> str:
    """The absolute, private URL of `user`'s feed for `scope` ({} or one of team/service/tag)."""
    return settings.SITE_URL + reverse("pm-archive-feed", args=[feed_token(user, scope)])


def archive_url(scope: dict[str, str]) -> str:
    """The archive page showing what the feed follows (same filter names as the search form)."""
    query = f"?{urlencode(scope)}" if scope else ""
    return settings.SITE_URL + reverse("pm-archive") + query


def feed_postmortems(*, user: User, scope: dict[str, str]) -> QuerySet[Postmortem]:
    """Newest published reviews `user` may see, narrowed to `scope`, as the feed lists them."""
    postmortems = published_postmortems(user)
    if team := scope.get("team"):
        postmortems = postmortems.filter(incident__team__slug=team)
    if service := scope.get("service"):
        postmortems = postmortems.filter(
            Exists(
                Incident.services.through.objects.filter(
                    incident_id=OuterRef("incident_id"),
                    service_id__in=service_with_descendants(service),
                )
            )
        )
    if tag := scope.get("tag"):
        postmortems = postmortems.filter(
            Exists(
                Postmortem.tags.through.objects.filter(postmortem_id=OuterRef("pk"), tag__slug=tag)
            )
        )
    return (
        postmortems.select_related("incident")
        .prefetch_related("tags", "authors")
        .order_by("-published_at", "-pk")[:FEED_SIZE]
    )


@dataclass(frozen=True)
class FeedSubject:
    user: User
    scope: dict[str, str]
    token: str
    label: str  # "" for everything, else e.g. "team Platform"


class ReviewsAtomFeed(Atom1Feed):
    """Atom with one <author> per review author (Django's generator writes at most one)."""

    def add_item_elements(self, handler, item) -> None:
        super().add_item_elements(handler, item)
        for name in item["authors"]:
            handler.startElement("author", {})
            handler.addQuickElement("name", name)
            handler.endElement("author")


class ReviewsFeed(Feed):
    feed_type = ReviewsAtomFeed
    # Atom needs an author on every entry; reviews without named authors inherit this.
    author_name = "Postmortems"

    def get_object(self, request: HttpRequest, token: str) -> FeedSubject:
        found = feed_scope_from_token(token)
        if found is None:
            raise Http404("No such feed.")
        user, scope = found
        label = ""
        for kind, slug in scope.items():
            model = _SCOPE_MODELS[kind]
            name = model.objects.filter(slug=slug).values_list("name", flat=True).first()
            if name is None:  # renamed or deleted since the link was made
                raise Http404("What this feed follows no longer exists.")
            label = f"{kind} {name}"
        return FeedSubject(user=user, scope=scope, token=token, label=label)

    def title(self, subject: FeedSubject) -> str:
        suffix = f": {subject.label}" if subject.label else ""
        return f"Published postmortems{suffix}"

    def subtitle(self, subject: FeedSubject) -> str:
        return f"Newly published reviews that {subject.user.display_name} may read."

    def link(self, subject: FeedSubject) -> str:
        return archive_url(subject.scope)

    def feed_url(self, subject: FeedSubject) -> str:
        return settings.SITE_URL + reverse("pm-archive-feed", args=[subject.token])

    def items(self, subject: FeedSubject) -> QuerySet[Postmortem]:
        return feed_postmortems(user=subject.user, scope=subject.scope)

    def item_title(self, item: Postmortem) -> str:
        # Atom titles are plain text (the generator escapes them), so no double escaping
        # as Django's RSS-minded default does.
        return _xml_text(f"{item.incident.reference} {item.incident.title}")

    def item_description(self, item: Postmortem) -> SafeString:
        # Sanitised HTML, sent as type="html"; replacing characters adds no markup.
        return mark_safe(_xml_text(render_markdown(item.summary)))

    def item_link(self, item: Postmortem) -> str:
        return settings.SITE_URL + reverse("pm-postmortem-detail", args=[item.incident.number])

    def item_pubdate(self, item: Postmortem) -> datetime | None:
        return item.published_at

    def item_updateddate(self, item: Postmortem) -> datetime:
        return item.updated_at

    def item_categories(self, item: Postmortem) -> list[str]:
        return [_xml_text(tag.name) for tag in item.tags.all()]

    def item_extra_kwargs(self, item: Postmortem) -> dict:
        return {"authors": [_xml_text(a.display_name or a.email) for a in item.authors.all()]}


reviews_feed = ReviewsFeed()

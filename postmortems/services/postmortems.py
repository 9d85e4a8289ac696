import hashlib

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import User
from postmortems.models import Incident, Postmortem, ReviewComment, Tag
from postmortems.models.incidents import ReminderStage
from postmortems.search_index import index_postmortem
from postmortems.services.announcements import announce_publication
from postmortems.services.pulse import pulse_invite


def text_fingerprint(text: str) -> str:
    """Identifies the version of a section that an editor started from."""
    return hashlib.sha256(text.encode()).hexdigest()[:16]


class SectionConflict(Exception):
    def __init__(self, current_text: str) -> None:
        super().__init__("This section was changed by someone else since you opened it.")
        self.current_text = current_text


def postmortem_start(*, incident: Incident, by: User) -> Postmortem:
    """Start the postmortem of `incident` (or return the one already started)."""
    try:
        with transaction.atomic():
            postmortem = Postmortem.objects.create(
                incident=incident, created_by=by, created_at=timezone.now()
            )
            postmortem.authors.add(by)
            # No more "postmortem missing" reminders for this incident.
            Incident.objects.filter(pk=incident.pk).update(
                reminder_stage=ReminderStage.REVIEW_STARTED
            )
            index_postmortem(postmortem.pk)
    except IntegrityError:
        # Someone started it a moment ago; one postmortem per incident.
        postmortem = Postmortem.objects.get(incident=incident)
    return postmortem


def postmortem_update_section(
    *, postmortem: Postmortem, section: str, text: str, base_fingerprint: str
) -> Postmortem:
    """Save one Markdown section unless someone else changed it since the editor loaded it.

    Sections are compared one by one, so two people writing different sections of the
    same review never conflict. The row lock (IMMEDIATE transactions on SQLite) makes
    compare-and-write one step.
    """
    if section not in Postmortem.SECTION_NAMES:
        raise ValueError(f"Unknown section {section!r}")
    with transaction.atomic():
        locked = Postmortem.objects.select_for_update().get(pk=postmortem.pk)
        current = getattr(locked, section)
        if text_fingerprint(current) != base_fingerprint and current != text:
            raise SectionConflict(current)
        locked_now = timezone.now()
        Postmortem.objects.filter(pk=postmortem.pk).update(
            **{section: text, "updated_at": locked_now}
        )
        index_postmortem(postmortem.pk)
    setattr(postmortem, section, text)
    postmortem.updated_at = locked_now
    return postmortem


def postmortem_update_details(
    *, postmortem: Postmortem, authors: list[User], tag_names: list[str]
) -> Postmortem:
    with transaction.atomic():
        postmortem.authors.set(authors)
        tags = []
        for name in tag_names:
            slug = slugify(name)
            if not slug:
                continue
            tag, _created = Tag.objects.get_or_create(slug=slug, defaults={"name": name})
            tags.append(tag)
        postmortem.tags.set(tags)
        Postmortem.objects.filter(pk=postmortem.pk).update(updated_at=timezone.now())
        index_postmortem(postmortem.pk)
    return postmortem


_ALLOWED_MOVES = {
    Postmortem.Status.DRAFT: {Postmortem.Status.IN_REVIEW, Postmortem.Status.PUBLISHED},
    Postmortem.Status.IN_REVIEW: {Postmortem.Status.DRAFT, Postmortem.Status.PUBLISHED},
    Postmortem.Status.PUBLISHED: {Postmortem.Status.DRAFT},
}


class OpenComments(ValidationError):
    """Publishing while review comments are still open needs a confirmation."""

    def __init__(self, comments: list[ReviewComment]) -> None:
        count = len(comments)
        super().__init__(
            f"{count} review comment{'s are' if count != 1 else ' is'} still open. "
            "Resolve them, or confirm that you want to publish anyway."
        )
        self.comments = comments


def postmortem_set_status(
    *,
    postmortem: Postmortem,
    status: str,
    by: User | None = None,
    publish_with_open_comments: bool = False,
) -> Postmortem:
    """Move a postmortem between draft, in review and published.

    Publishing stamps the time once; unpublishing (back to draft for amendments)
    keeps the original publication time so the archive can show "updated".
    Publishing with unresolved review comments raises OpenComments unless the
    caller says the person confirmed it.
    """
    if status not in _ALLOWED_MOVES.get(postmortem.status, set()):
        raise ValidationError(
            f"A {postmortem.get_status_display().lower()} postmortem cannot move to {status}."
        )
    if status == Postmortem.Status.PUBLISHED and not postmortem.summary.strip():
        raise ValidationError("Write a summary before publishing.")
    if status == Postmortem.Status.PUBLISHED and not publish_with_open_comments:
        open_comments = list(
            postmortem.review_comments.filter(resolved_at__isnull=True).select_related("author")
        )
        if open_comments:
            raise OpenComments(open_comments)
    now = timezone.now()
    first_publication = status == Postmortem.Status.PUBLISHED and postmortem.published_at is None
    postmortem.status = status
    if first_publication:
        postmortem.published_at = now
    postmortem.updated_at = now
    with transaction.atomic():
        postmortem.save(update_fields=["status", "published_at", "updated_at"])
        index_postmortem(postmortem.pk)
        if first_publication:
            # Amendments published again later are not announced a second time.
            announce_publication(postmortem=postmortem, by=by)
            pulse_invite(postmortem=postmortem)
    return postmortem

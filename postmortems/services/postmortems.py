import hashlib

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import User
from accounts.single_line import single_line
from audit.models import AuditEvent
from audit.services import audit_record
from lib.database_errors import retry_on_contention
from lib.extensions import handle_event
from postmortems.models.actions import ActionItem
from postmortems.models.catalog import Tag
from postmortems.models.comments import ReviewComment
from postmortems.models.incidents import Incident, ReminderStage
from postmortems.models.review_templates import (
    ReviewSectionText,
    forget_section_texts,
    is_custom_key,
    layout_keys,
)
from postmortems.models.reviews import Postmortem, TimelineEvent
from postmortems.models.revisions import SectionRevision
from postmortems.readiness.checks import Readiness, postmortem_readiness
from postmortems.services.locks import postmortem_lock
from postmortems.services.review_templates import template_for, template_layout
from postmortems.services.revisions import (
    is_own_edit,
    latest_section_revision,
    record_section_revision,
)
from postmortems.services.search_index import index_postmortem, unindex_postmortem


def text_fingerprint(text: str) -> str:
    """Identifies the version of a section that an editor started from."""
    return hashlib.sha256(text.encode()).hexdigest()[:16]


class SectionConflict(Exception):
    def __init__(self, current_text: str, revision: SectionRevision | None = None) -> None:
        super().__init__("This section was changed by someone else since you opened it.")
        self.current_text = current_text
        self.revision = revision  # the latest revision: who saved it, and when


@retry_on_contention
def postmortem_start(*, incident: Incident, by: User) -> Postmortem:
    """Start the postmortem of `incident` (or return the one already started), with the
    layout of the team's template for its severity (services/review_templates.py)."""
    template = template_for(incident)
    try:
        with transaction.atomic():
            postmortem = Postmortem.objects.create(
                incident=incident,
                created_by=by,
                created_at=timezone.now(),
                template=template,
                layout=template_layout(template),
            )
            postmortem.authors.add(by)
            # No more "postmortem missing" reminders for this incident.
            Incident.objects.filter(pk=incident.pk).update(
                reminder_stage=ReminderStage.REVIEW_STARTED
            )
            # What alerting webhooks recorded before the review existed pre-fills its timeline.
            handle_event("review-started", postmortem=postmortem)
            index_postmortem(postmortem.pk)
    except IntegrityError:
        # Someone started it a moment ago; one postmortem per incident.
        postmortem = Postmortem.objects.get(incident=incident)
    return postmortem


@retry_on_contention
def postmortem_update_section(
    *,
    postmortem: Postmortem,
    section: str,
    text: str,
    base_fingerprint: str,
    by: User,
    kind: str = SectionRevision.Kind.SAVE,
    editor: str = "",
    restored_from: int | None = None,
) -> SectionRevision | None:
    """Save one Markdown section unless someone else changed it since the editor loaded it.

    1. Lock the postmortem row (IMMEDIATE transactions on SQLite), so that compare,
       write, revision numbering and autosave coalescing are one step (the lock order
       of every write to a postmortem: services/locks.py).
    2. Compare: the save goes ahead when the section still holds the text the editor
       started from (`base_fingerprint`), when it already holds `text`, or when the
       only change since is this same editor's own autosave (services/revisions.py).
       Otherwise SectionConflict carries the current text and nothing is written.
    3. Write the text, record the revision (`kind`: save, autosave or restore; the
       coalescing rule for autosaves is in services/revisions.py), reindex for search.

    Sections are compared one by one, so two people writing different sections of the
    same review never conflict. Returns the revision that now holds the text.

    `section` is any key of the review's layout: a built-in section (a column of the
    postmortem) or a custom one (a ReviewSectionText row, written under the same lock).
    """
    if section not in Postmortem.SECTION_NAMES and not is_custom_key(section):
        raise ValueError(f"Unknown section {section!r}")
    if kind == SectionRevision.Kind.BASELINE:
        raise ValueError("Baseline revisions are recorded by the service itself.")
    with transaction.atomic():
        locked = Postmortem.objects.select_for_update(no_key=True).get(pk=postmortem.pk)
        if section not in layout_keys(locked):
            raise ValueError(f"This review has no section {section!r}")
        custom = is_custom_key(section)
        if custom:
            row = ReviewSectionText.objects.filter(postmortem=locked, key=section).first()
            current = row.text if row else ""
        else:
            current = getattr(locked, section)
        latest = latest_section_revision(postmortem_id=postmortem.pk, section=section)
        if (
            text_fingerprint(current) != base_fingerprint
            and current != text
            and not is_own_edit(latest, current=current, by=by, editor=editor)
        ):
            raise SectionConflict(current, latest if latest and latest.text == current else None)
        now = timezone.now()
        if text != current:
            if custom:
                # No other writer can be between the read above and this: the row lock.
                ReviewSectionText.objects.update_or_create(
                    postmortem=locked, key=section, defaults={"text": text}
                )
                Postmortem.objects.filter(pk=postmortem.pk).update(updated_at=now)
            else:
                Postmortem.objects.filter(pk=postmortem.pk).update(
                    **{section: text, "updated_at": now}
                )
            index_postmortem(postmortem.pk)
            postmortem.updated_at = now
        revision = record_section_revision(
            postmortem_id=postmortem.pk,
            section=section,
            previous_text=current,
            text=text,
            latest=latest,
            by=by,
            kind=kind,
            editor=editor,
            now=now,
            restored_from=restored_from,
        )
    if custom:
        forget_section_texts(postmortem)
    else:
        setattr(postmortem, section, text)
    return revision


def section_revision_restore(
    *, revision: SectionRevision, by: User, base_fingerprint: str, editor: str = ""
) -> SectionRevision:
    """Bring back an old text as a new revision, through the same conflict check."""
    restored = postmortem_update_section(
        postmortem=revision.postmortem,
        section=revision.section,
        text=revision.text,
        base_fingerprint=base_fingerprint,
        by=by,
        kind=SectionRevision.Kind.RESTORE,
        editor=editor,
        restored_from=revision.number,
    )
    assert restored is not None  # only an autosave can record no revision
    return restored


@retry_on_contention
def postmortem_update_details(
    *, postmortem: Postmortem, authors: list[User], tag_names: list[str]
) -> Postmortem:
    with transaction.atomic():
        postmortem_lock(postmortem_id=postmortem.pk)
        postmortem.authors.set(authors)
        tags = []
        for typed in tag_names:
            name = single_line(typed).strip()  # the forms do it too; other callers may not
            slug = slugify(name)
            if not slug:
                continue
            tag, _created = Tag.objects.get_or_create(slug=slug, defaults={"name": name})
            tags.append(tag)
        postmortem.tags.set(tags)
        Postmortem.objects.filter(pk=postmortem.pk).update(updated_at=timezone.now())
        index_postmortem(postmortem.pk)
        handle_event("incident-signals-changed", incident_id=postmortem.incident_id)
    return postmortem


_ALLOWED_MOVES: dict[str, set[str]] = {
    Postmortem.Status.DRAFT: {Postmortem.Status.IN_REVIEW, Postmortem.Status.PUBLISHED},
    Postmortem.Status.IN_REVIEW: {Postmortem.Status.DRAFT, Postmortem.Status.PUBLISHED},
    Postmortem.Status.PUBLISHED: {Postmortem.Status.DRAFT},
}


class NotReadyToPublish(ValidationError):
    """Publishing refused: required readiness checks fail. Lists each of them."""

    def __init__(self, readiness: Readiness) -> None:
        self.readiness = readiness
        super().__init__(
            [
                "This postmortem is not ready to publish yet.",
                *(f"{result.label}: {result.message}" for result in readiness.missing),
            ]
        )


def _ensure_ready(postmortem: Postmortem) -> Readiness:
    """Decide from the rows as they are now, not from what the caller loaded earlier.
    The row lock makes a section saved concurrently land before or after this check,
    never between it and the status change. FOR UPDATE, stronger than the usual
    postmortem lock: no event or item may even be added while the checks read them."""
    locked = (
        Postmortem.objects.select_for_update(of=("self",))
        .select_related("incident")
        .get(pk=postmortem.pk)
    )
    readiness = postmortem_readiness(
        postmortem=locked,
        events=list(TimelineEvent.objects.filter(postmortem=locked)),
        items=list(ActionItem.objects.filter(postmortem=locked)),
    )
    if not readiness.ready:
        raise NotReadyToPublish(readiness)
    return readiness


class OpenComments(ValidationError):
    """Publishing while review comments are still open needs a confirmation."""

    def __init__(self, comments: list[ReviewComment]) -> None:
        count = len(comments)
        super().__init__(
            f"{count} review comment{'s are' if count != 1 else ' is'} still open. "
            f"Resolve {'them' if count != 1 else 'it'}, or confirm that you want to publish anyway."
        )
        self.comments = comments


@retry_on_contention
def postmortem_set_status(
    *,
    postmortem: Postmortem,
    status: str,
    by: User | None = None,
    publish_with_open_comments: bool = False,
) -> Postmortem:
    """Move a postmortem between draft, in review and published.

    Publishing needs every readiness check its severity requires (postmortems/readiness/checks.py)
    and no approver: whoever may edit may publish. It stamps the time once; unpublishing
    (back to draft for amendments) keeps the original publication time so the archive
    can show "updated". Publishing with unresolved review comments raises OpenComments
    unless the caller says the person confirmed it.

    The move is judged from the locked row, not from what the caller loaded: two
    changes at once are one after the other, and the first publication is stamped
    (and announced) once.
    """
    with transaction.atomic():
        locked = postmortem_lock(postmortem_id=postmortem.pk)
        if status not in _ALLOWED_MOVES.get(locked.status, set()):
            current = Postmortem.Status(locked.status).label.lower()
            raise ValidationError(f"A {current} postmortem cannot move to {status}.")
        if status == Postmortem.Status.PUBLISHED:
            _ensure_ready(postmortem)  # what is missing comes before open comments
            if not publish_with_open_comments:
                open_comments = list(
                    postmortem.review_comments.filter(resolved_at__isnull=True).select_related(
                        "author"
                    )
                )
                if open_comments:
                    raise OpenComments(open_comments)
        now = timezone.now()
        first_publication = status == Postmortem.Status.PUBLISHED and locked.published_at is None
        previous = locked.status
        postmortem.status = status
        postmortem.published_at = now if first_publication else locked.published_at
        postmortem.updated_at = now
        postmortem.save(update_fields=["status", "published_at", "updated_at"])
        index_postmortem(postmortem.pk)
        if status == Postmortem.Status.PUBLISHED:
            audit_record(
                action=AuditEvent.Action.POSTMORTEM_PUBLISHED,
                actor=by,
                target=postmortem,
                first_publication=first_publication,
                with_open_comments=publish_with_open_comments,
            )
        elif previous == Postmortem.Status.PUBLISHED:
            audit_record(
                action=AuditEvent.Action.POSTMORTEM_UNPUBLISHED, actor=by, target=postmortem
            )
        if previous == Postmortem.Status.DRAFT and status != Postmortem.Status.DRAFT:
            # Out of draft: now a review that later incidents may repeat (recurrence).
            handle_event("review-out-of-draft", postmortem=postmortem)
        if first_publication:
            # Amendments published again later are not announced a second time.
            # Announced to subscribers and team chats; the pulse question is asked.
            handle_event("review-first-published", postmortem=postmortem, by=by)
    return postmortem


@retry_on_contention
def postmortem_delete(
    *, postmortem: Postmortem, by: User | None, request: HttpRequest | None = None
) -> None:
    """Remove a postmortem for good, with its events, items, revisions and comments
    (the incident stays, and a new review can be started). Only the admin offers it:
    deleting the incident is the soft, restorable delete everyone else gets."""
    with transaction.atomic():
        postmortem_lock(postmortem_id=postmortem.pk)
        audit_record(
            action=AuditEvent.Action.POSTMORTEM_DELETED,
            actor=by,
            target=postmortem,
            request=request,
            incident=postmortem.incident.reference,
            status=postmortem.status,
        )
        # Not postmortem.delete(): it clears the pk even if the transaction rolls back.
        Postmortem.objects.filter(pk=postmortem.pk).delete()
        unindex_postmortem(postmortem.pk)

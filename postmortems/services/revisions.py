"""Section history: every save of a postmortem section is a numbered revision.

Called by postmortem_update_section inside its locked transaction, so numbering and
the text always agree. The rules:

1. An explicit save and a restore always record a new revision.
2. An autosave is coalesced into the latest revision of the section (its text and
   saved_at are replaced) when that revision is itself an autosave by the same user
   and was created less than AUTOSAVE_COALESCE_WINDOW ago; otherwise it records a new
   revision. A person typing for an hour therefore leaves about one revision per five
   minutes, and an explicit save or someone else's revision ends a burst.
   An autosave that changes nothing records nothing.
3. Text that has no revision yet (written before history was kept, or imported) is
   recorded first, as a "baseline" revision without an author, so that history
   starts from what the section held and a restore can always go back to it.
"""

import datetime

from django.db.models import QuerySet

from accounts.models import User
from postmortems.models.revisions import SectionRevision

AUTOSAVE_COALESCE_WINDOW = datetime.timedelta(minutes=5)
Kind = SectionRevision.Kind


def latest_section_revision(*, postmortem_id: int, section: str) -> SectionRevision | None:
    revisions: QuerySet[SectionRevision] = SectionRevision.objects.filter(
        postmortem_id=postmortem_id, section=section
    ).select_related("author")
    return revisions.order_by("-number").first()


def is_own_edit(latest: SectionRevision | None, *, current: str, by: User, editor: str) -> bool:
    """The section still holds what this very editor (form in one tab) last wrote.

    Then a save from that editor carrying an older base is not a conflict: the only
    changes since its base are its own autosaves (for example an autosave whose answer
    was lost, or one still in flight when the person pressed Save).
    """
    return (
        latest is not None
        and bool(editor)
        and latest.editor == editor
        and latest.author_id == by.pk
        and latest.text == current
    )


def record_section_revision(
    *,
    postmortem_id: int,
    section: str,
    previous_text: str,
    text: str,
    latest: SectionRevision | None,
    by: User,
    kind: str,
    editor: str,
    now: datetime.datetime,
    restored_from: int | None = None,
) -> SectionRevision | None:
    """Record the save of `text` over `previous_text` (see the module docstring)."""
    number = latest.number if latest else 0
    if previous_text and (latest is None or latest.text != previous_text):
        number += 1
        latest = SectionRevision.objects.create(
            postmortem_id=postmortem_id,
            section=section,
            number=number,
            text=previous_text,
            kind=Kind.BASELINE,
            created_at=now,
            saved_at=now,
        )
    if kind == Kind.AUTOSAVE:
        if text == previous_text:
            return latest
        if (
            latest is not None
            and latest.kind == Kind.AUTOSAVE
            and latest.author_id == by.pk
            and now - latest.created_at < AUTOSAVE_COALESCE_WINDOW
        ):
            latest.text, latest.saved_at, latest.editor = text, now, editor
            latest.save(update_fields=["text", "saved_at", "editor"])
            return latest
    return SectionRevision.objects.create(
        postmortem_id=postmortem_id,
        section=section,
        number=number + 1,
        text=text,
        kind=kind,
        author=by,
        editor=editor,
        restored_from=restored_from,
        created_at=now,
        saved_at=now,
    )

"""Reads for review comments: one thread per part of a postmortem."""

from dataclasses import dataclass, field

from django.db.models import QuerySet

from lib.prepared import Prepared
from postmortems.models.comments import ReviewComment, comment_label, comment_targets
from postmortems.models.reviews import Postmortem

# The parts that are not written sections; a section's anchor is #section-<name>.
PART_ANCHORS = {"timeline": "#timeline", "action_items": "#actions"}


@dataclass
class CommentThread:
    """The comments on one section, as the page beside it shows them."""

    section: str
    label: str
    number: int  # the incident's number, for the URLs
    can_comment: bool  # the postmortem is in review (and the part is in its layout)
    can_resolve: bool  # the viewer may edit
    back: str  # "read" or "edit": where a form without JavaScript returns to
    open: list[ReviewComment] = field(default_factory=list)
    resolved: list[ReviewComment] = field(default_factory=list)
    # A section since taken out of the review's layout: its comments stay, in the panel.
    removed: bool = False

    @property
    def anchor(self) -> str:
        """Where the commented part sits in the editor and in the read view."""
        if self.removed:
            return f"#comments-{self.section}"
        return PART_ANCHORS.get(self.section, f"#section-{self.section}")

    @property
    def visible(self) -> bool:
        return self.can_comment or bool(self.open or self.resolved)


def comment_threads(
    postmortem: Postmortem, *, can_edit: bool, back: str, section: str | None = None
) -> dict[str, CommentThread]:
    """Every part's thread (or only `section`'s), in one query: the sections of the
    review's own layout, custom ones too, then the timeline and the action items, then
    any section that has comments but is no longer in the layout."""
    targets = comment_targets(postmortem)
    in_review = postmortem.status == Postmortem.Status.IN_REVIEW

    def thread(name: str) -> CommentThread:
        return CommentThread(
            section=name,
            label=targets.get(name) or comment_label(postmortem, name),
            number=postmortem.incident.number,
            can_comment=in_review and name in targets,
            can_resolve=can_edit,
            back=back,
            removed=name not in targets,
        )

    threads = {name: thread(name) for name in ([section] if section else targets)}
    if section:
        comments = _SECTIONS_COMMENTS(postmortem=postmortem.pk, section=section)
    else:
        comments = _COMMENTS(postmortem=postmortem.pk)
    for comment in comments:
        if comment.section not in threads:
            threads[comment.section] = thread(comment.section)
        found = threads[comment.section]
        (found.resolved if comment.is_resolved else found.open).append(comment)
    return threads


def _comments(postmortem: int) -> "QuerySet[ReviewComment]":
    return (
        ReviewComment.objects.filter(postmortem=postmortem)
        .select_related("author", "resolved_by")
        .order_by("created_at", "pk")
    )


def _sections_comments(postmortem: int, section: str) -> "QuerySet[ReviewComment]":
    return _comments(postmortem).filter(section=section)


# Read by every editor and read view load: compiled once per process (lib/prepared.py).
_COMMENTS = Prepared(_comments)
_SECTIONS_COMMENTS = Prepared(_sections_comments)

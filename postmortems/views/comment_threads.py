"""Reads for review comments: one thread per part of a postmortem."""

from dataclasses import dataclass, field

from postmortems.models.comments import COMMENT_TARGETS, ReviewComment
from postmortems.models.reviews import Postmortem

LABELS = dict(COMMENT_TARGETS)
# The parts that are not written sections; a section's anchor is #section-<name>.
PART_ANCHORS = {"timeline": "#timeline", "action_items": "#actions"}


@dataclass
class CommentThread:
    """The comments on one section, as the page beside it shows them."""

    section: str
    label: str
    number: int  # the incident's number, for the URLs
    can_comment: bool  # the postmortem is in review
    can_resolve: bool  # the viewer may edit
    back: str  # "read" or "edit": where a form without JavaScript returns to
    open: list[ReviewComment] = field(default_factory=list)
    resolved: list[ReviewComment] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        """Where the commented part sits in the editor and in the read view."""
        return PART_ANCHORS.get(self.section, f"#section-{self.section}")

    @property
    def visible(self) -> bool:
        return self.can_comment or bool(self.open or self.resolved)


def comment_threads(
    postmortem: Postmortem, *, can_edit: bool, back: str, section: str | None = None
) -> dict[str, CommentThread]:
    """Every section's thread (or only `section`'s), in one query."""
    targets = [section] if section else [name for name, _label in COMMENT_TARGETS]
    threads = {
        name: CommentThread(
            section=name,
            label=LABELS[name],
            number=postmortem.incident.number,
            can_comment=postmortem.status == Postmortem.Status.IN_REVIEW,
            can_resolve=can_edit,
            back=back,
        )
        for name in targets
    }
    comments = ReviewComment.objects.filter(postmortem=postmortem, section__in=targets)
    for comment in comments.select_related("author", "resolved_by").order_by("created_at", "pk"):
        thread = threads[comment.section]
        (thread.resolved if comment.is_resolved else thread.open).append(comment)
    return threads

"""The "Detection" section of a review: what the editor and the read view show, given
to them through PAGE_EXTRAS (config/settings.py) under the name `detection`."""

from dataclasses import dataclass, field

from accounts.models import User
from postmortems.alerting.detection.forms import AnswerForm, FoundForm
from postmortems.alerting.detection.models import Criterion, DetectionAnswer, DetectionReview
from postmortems.alerting.detection.prefill import by_rule, suggested_alert
from postmortems.alerting.detection.services import (
    detection_review_refresh,
    incident_firings,
    linkable_firings,
    missing_for_review,
    review_of,
)
from postmortems.alerting.detection.wording import NO_ALERT_TITLE
from postmortems.alerting.firings.models import Firing
from postmortems.models.actions import ActionItem
from postmortems.models.reviews import Postmortem

CRITERIA_ORDER = {value: index for index, value in enumerate(Criterion.values)}
# The firings a rule lists in the editor, the first ones: an alert storm tied to an
# incident (hundreds of firings of one rule) is counted, not listed.
FIRINGS_LISTED = 5


@dataclass
class AnswerRow:
    answer: DetectionAnswer
    form: AnswerForm | None = None
    # When a save met a newer one: the answer as the other person left it.
    conflict: DetectionAnswer | None = None

    @property
    def failing(self) -> bool:
        """What the authors said, or while they have not, what the data says."""
        passed = self.answer.passed
        return passed is False or (passed is None and not self.answer.suggested)


@dataclass
class RuleRow:
    name: str
    firings: list[Firing]
    answers: list[AnswerRow]

    @property
    def listed(self) -> list[Firing]:
        return self.firings[:FIRINGS_LISTED]

    @property
    def unlisted(self) -> int:
        return max(len(self.firings) - FIRINGS_LISTED, 0)


@dataclass
class DetectionSection:
    postmortem: Postmortem
    review: DetectionReview | None
    rules: list[RuleRow]
    editable: bool
    found_form: FoundForm | None = None
    linkable: list[Firing] = field(default_factory=list)
    suggestion: str = ""
    missing: list[str] = field(default_factory=list)
    no_alert_item: ActionItem | None = None
    error: str = ""
    conflict: bool = False

    @property
    def no_alert(self) -> bool:
        return not self.rules


def _rules(review: DetectionReview | None, firings: list[Firing]) -> list[RuleRow]:
    answers: dict[str, list[AnswerRow]] = {}
    if review is not None:
        for answer in review.answers.all():
            answers.setdefault(answer.rule_name, []).append(AnswerRow(answer))
    grouped = by_rule(firings)
    names = sorted(set(grouped) | set(answers))
    rows = []
    for name in names:
        found = sorted(answers.get(name, []), key=lambda r: CRITERIA_ORDER[r.answer.criterion])
        rows.append(RuleRow(name, grouped.get(name, []), found))
    return rows


def _answer_form(review: DetectionReview, answer: DetectionAnswer) -> AnswerForm:
    passed = answer.suggested if answer.passed is None else answer.passed
    return AnswerForm(
        initial={
            "passed": "yes" if passed else "no",
            "note": answer.note,
            "revision": review.revision,
        },
        prefix=f"answer-{answer.pk}",
    )


def _no_alert_item(postmortem: Postmortem) -> ActionItem | None:
    """Read from the postmortem's prefetched items (postmortem_with_content)."""
    return next(
        (
            item
            for item in postmortem.action_items.all()
            if item.type == ActionItem.Type.DETECT and item.title == NO_ALERT_TITLE
        ),
        None,
    )


def detection_section(
    *,
    postmortem: Postmortem,
    found_form: FoundForm | None = None,
    bound: dict[int, AnswerForm] | None = None,
    conflicts: dict[int, DetectionAnswer] | None = None,
    error: str = "",
) -> DetectionSection:
    """The editor's section, its suggestions refreshed first. `bound` keeps what an
    author typed (by answer id) when a save failed or met a newer one (`conflicts`)."""
    incident = postmortem.incident
    firings = incident_firings(incident)
    review = detection_review_refresh(postmortem=postmortem, firings=firings)
    rules = _rules(review, firings)
    for rule in rules:
        for row in rule.answers:
            row.form = (bound or {}).get(row.answer.pk) or _answer_form(review, row.answer)
            row.conflict = (conflicts or {}).get(row.answer.pk)
    suggestion = ""
    if not rules:
        suggestion = suggested_alert(incident, [s.slug for s in incident.services.all()])
    if found_form is None:
        found_form = FoundForm(
            initial={
                "found_by": review.found_by,
                "suggested_alert": review.suggested_alert or suggestion,
                "notes": review.notes,
                "revision": review.revision,
            }
        )
    return DetectionSection(
        postmortem=postmortem,
        review=review,
        rules=rules,
        editable=True,
        found_form=found_form,
        linkable=linkable_firings(incident),
        suggestion=suggestion,
        missing=missing_for_review(review),
        no_alert_item=_no_alert_item(postmortem),
        error=error,
        conflict=bool(conflicts),
    )


def detection_for_review_edit(*, postmortem: Postmortem, user: User | None = None) -> dict:
    """PAGE_EXTRAS["review-edit"]."""
    return {"detection": detection_section(postmortem=postmortem)}


def detection_for_review_read(*, postmortem: Postmortem, user: User) -> dict:
    """PAGE_EXTRAS["review-read"]: what the authors confirmed, read only (reading writes
    nothing; the editor refreshes the suggestions)."""
    review = review_of(postmortem)
    firings = incident_firings(postmortem.incident)
    section = DetectionSection(
        postmortem=postmortem,
        review=review,
        rules=_rules(review, firings),
        editable=False,
        missing=missing_for_review(review) if review is not None else [],
    )
    return {"detection": section}

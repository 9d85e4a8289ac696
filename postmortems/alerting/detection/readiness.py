"""The readiness check "Detection reviewed", registered with the core checklist
(postmortems/readiness/checks.py) when the app is ready (postmortems/apps.py).

Without a ReadinessPolicy row it is required for SEV1 and SEV2 (they require every
registered check) and advisory for SEV3 and SEV4."""

from types import SimpleNamespace

from postmortems.alerting.detection.models import DetectionReview
from postmortems.alerting.detection.services import unanswered_words
from postmortems.readiness.checks import Outcome, ReadinessInput, readiness_check


@readiness_check("detection", "Detection reviewed", anchor="#detection")
def detection_reviewed(data: ReadinessInput) -> Outcome:
    """No query when the page read the detection review for its section (the editor's
    and the read view's `detection` extra, its answers prefetched); else one, whatever
    the number of answers: the review joined to its answers (one row with empty answer
    columns when it has none; no row when there is no review)."""
    section = data.extras.get("detection")
    if section is not None:
        review = section.review
        if review is None:
            return _outcome([])
        answers = sorted(review.answers.all(), key=lambda a: (a.rule_name, a.criterion))
        rows = [
            (review.found_by, review.reviewed_at, a.rule_name, a.criterion, a.passed)
            for a in answers
        ] or [(review.found_by, review.reviewed_at, None, None, None)]
        return _outcome(rows)
    return _outcome(
        list(
            DetectionReview.objects.filter(postmortem=data.postmortem)
            .order_by("answers__rule_name", "answers__criterion")
            .values_list(
                "found_by",
                "reviewed_at",
                "answers__rule_name",
                "answers__criterion",
                "answers__passed",
            )
        )
    )


def _outcome(rows: list[tuple]) -> Outcome:
    """The check's answer from (found_by, reviewed_at, rule, criterion, passed) rows."""
    if not rows:
        return Outcome(
            False,
            "Open the detection review: say how the incident was found and confirm how its "
            "alerts did.",
        )
    found_by, reviewed_at = rows[0][0], rows[0][1]
    unanswered = [
        SimpleNamespace(rule_name=rule, criterion=criterion)
        for _found, _at, rule, criterion, passed in rows
        if rule is not None and passed is None
    ]
    if reviewed_at is not None and found_by and not unanswered:
        return Outcome(True, "The detection review is confirmed.")
    missing = []
    if unanswered:
        missing.append(unanswered_words(unanswered))
    if not found_by:
        missing.append("Say how the incident was found")
    if not missing:
        missing.append("Mark the detection review reviewed")
    return Outcome(False, "; ".join(missing) + ".")

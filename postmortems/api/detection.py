"""/api/v1/incidents/{number}/postmortem/detection: the review's detection review, as
in PostmortemOut, and the authors' answers, one criterion at a time."""

from datetime import datetime
from typing import Any

from django.http import Http404
from ninja import Field, Router, Schema, Status

from accounts.http import AuthenticatedHttpRequest
from lib.markdown import TEXT_MAX_CHARS
from postmortems.alerting.detection.models import DetectionAnswer, DetectionReview
from postmortems.alerting.detection.services import (
    DetectionConflict,
    detection_answer_save,
    detection_review_refresh,
    review_of,
)
from postmortems.api.errors import WRITE_ERRORS, error_body
from postmortems.api.schemas import BodyIn, ErrorOut, IncidentNumber, Revision, Text
from postmortems.models.reviews import Postmortem
from postmortems.permissions import get_postmortem_for_user

router = Router(tags=["detection"])


class DetectionAnswerOut(Schema):
    id: int = Field(description="Names the answer in a PATCH.")
    rule: str = Field(description="The alert rule's name.")
    criterion: str = Field(examples=["runbook", "actionable", "timely", "priority"])
    suggested: bool = Field(description="What the data says: passes or fails.")
    evidence: str = Field(description="The data in words.")
    passed: bool | None = Field(description="The authors' answer; null until given.")
    note: str
    action_item: str | None = Field(description="The code of the detect action item made.")


class DetectionOut(Schema):
    found_by: str = Field(description="alert, person, customer, other; empty until said.")
    suggested_alert: str
    reviewed_at: datetime | None
    revision: int = Field(description="Send it back with an answer (409 when outdated).")
    answers: list[DetectionAnswerOut]


class AnswerIn(BodyIn):
    passed: bool
    note: Text = Field("", max_length=TEXT_MAX_CHARS)
    revision: Revision


class AnswerSavedOut(Schema):
    answer: DetectionAnswerOut
    revision: int


class DetectionConflictOut(ErrorOut):
    current: DetectionOut


def answer_out(answer: DetectionAnswer) -> dict[str, Any]:
    item = answer.action_item
    return {
        "id": answer.pk,
        "rule": answer.rule_name,
        "criterion": answer.criterion,
        "suggested": answer.suggested,
        "evidence": answer.evidence,
        "passed": answer.passed,
        "note": answer.note,
        "action_item": str(item.code) if item is not None else None,
    }


def detection_out(review: DetectionReview | None) -> dict[str, Any] | None:
    """The stored review (reading writes nothing: the editor and PATCH refresh it)."""
    if review is None:
        return None
    return {
        "found_by": review.found_by,
        "suggested_alert": review.suggested_alert,
        "reviewed_at": review.reviewed_at,
        "revision": review.revision,
        "answers": [answer_out(a) for a in review.answers.all()],
    }


def stored_detection(postmortem: Postmortem) -> dict[str, Any] | None:
    return detection_out(review_of(postmortem))


@router.patch(
    "/incidents/{number}/postmortem/detection/answers/{answer}",
    response={200: AnswerSavedOut, 409: DetectionConflictOut, **WRITE_ERRORS},
    url_name="detection-answer",
)
def answer_criterion(
    request: AuthenticatedHttpRequest, number: IncidentNumber, answer: int, payload: AnswerIn
):
    """Confirm or correct one criterion. Send the detection review's `revision` you
    read: 409 with the review as it is now when someone saved since."""
    postmortem = get_postmortem_for_user(request, number, write=True)
    review = detection_review_refresh(postmortem=postmortem)
    found = next((a for a in review.answers.all() if a.pk == answer), None)
    if found is None:
        raise Http404("No such answer.")
    found.review = review
    try:
        detection_answer_save(
            answer=found,
            passed=payload.passed,
            note=payload.note,
            by=request.user,
            expected_revision=payload.revision,
        )
    except DetectionConflict as conflict:
        detail = "Someone else saved a newer version first; nothing was changed."
        return Status(409, error_body(detail, current=detection_out(conflict.current)))
    return {"answer": answer_out(found), "revision": review.revision}

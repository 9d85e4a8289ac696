"""Writes of a postmortem's detection review: the data's suggestions, the authors'
answers, marking it reviewed, linking an alert to the incident, and the one-step
detect action item.

Concurrent edits: every answer, "how it was found" and "mark reviewed" names the
review's revision it was loaded at. The save is a conditional UPDATE on that revision
(as postmortems/services/edits.py does for incidents, events and items): when another
save came first nothing is written and DetectionConflict carries the review as it is
now. Every write takes the postmortem's lock first (postmortems/services/locks.py), so
writers of one review run one after the other.

The data's suggestions (`suggested`, `evidence`) refresh while the authors have not
answered; refreshing never bumps the revision (it changes nothing an author typed).
"""

from datetime import datetime, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import F, Model, Prefetch, QuerySet, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from accounts.models import User
from lib.database_errors import retry_on_contention
from lib.prepared import Prepared, attach
from postmortems.alerting.detection.models import Criterion, DetectionAnswer, DetectionReview
from postmortems.alerting.detection.prefill import Suggestion, suggested_alert, suggestions
from postmortems.alerting.detection.wording import (
    NO_ALERT_TITLE,
    action_description,
    action_title,
    no_alert_description,
)
from postmortems.alerting.firings.models import AlertRule, Firing
from postmortems.alerting.models import AlertIntegration
from postmortems.alerting.oncall.policy import team_policy
from postmortems.models.actions import ActionItem
from postmortems.models.incidents import Incident
from postmortems.models.reviews import Postmortem
from postmortems.services.actions import action_item_create
from postmortems.services.locks import postmortem_lock

M = TypeVar("M", bound=Model)

# "This alert was about this incident": the team's firings from an hour before the
# incident started to six hours after, tied to no incident.
LINK_BEFORE = timedelta(hours=1)
LINK_AFTER = timedelta(hours=6)
LINK_LIMIT = 10
# A one-step action item is due this many days from today, in the clicker's zone.
ACTION_DUE_DAYS = 14


class DetectionConflict(Exception):
    def __init__(self, current: DetectionReview) -> None:
        super().__init__("Someone else saved the detection review first.")
        self.current = current


# What the detection review reads of a firing (prefill.py, wording.py and the section's
# templates); a field used there must be listed here, or each firing costs a query
# (tests/alerting/detection pin the counts with an alert storm).
_FIRING_READ = (
    *("rule_id", "integration_id", "incident_id", "fired_at", "severity_sent", "severity"),
    *("channel", "runbook_url", "source_url", "acted_on", "judged_actionable", "out_of_hours"),
)
# ... and of its rule and integration: read as values of the firing's row, then one
# model per rule and per integration shared by their firings. Joined as models, an
# alert storm's 300 firings built 300 rules and 300 integrations (7.9 -> 6.0 ms). The
# columns are read as text and loaded as their fields load them once per rule or
# integration (the severity map is JSON: parsed per firing, 0.6 ms of a storm's page).
_RULE_READ = {"name": "_rule_name"}
_INTEGRATION_READ = {"severity_map": "_integration_severity_map"}


def incident_firings(incident: Incident) -> list[Firing]:
    """The incident's firings, oldest first, with only what the review reads: an alert
    storm ties hundreds to one incident, and the tool's labels and recipients (JSON)
    and the rule's and integration's other columns cost every editor load. Another
    column of a rule or an integration is read when asked for (a query each)."""
    firings = _FIRINGS(incident=incident.pk)
    rules: dict[int, AlertRule] = {}
    integrations: dict[int, AlertIntegration] = {}
    for firing in firings:
        rule = rules.get(firing.rule_id)
        if rule is None:
            rule = _related_row(AlertRule, firing.rule_id, firing, _RULE_READ)
            rules[firing.rule_id] = rule
        integration = integrations.get(firing.integration_id)
        if integration is None:
            integration = _related_row(
                AlertIntegration, firing.integration_id, firing, _INTEGRATION_READ
            )
            integrations[firing.integration_id] = integration
        firing.rule, firing.integration = rule, integration
    return firings


# Read by every editor load: compiled once per process (lib/prepared.py).
_FIRINGS = Prepared(
    lambda incident: (
        Firing.objects.filter(incident=incident)
        .only(*_FIRING_READ)
        .annotate(**_as_text("rule", _RULE_READ), **_as_text("integration", _INTEGRATION_READ))
        .order_by("fired_at", "pk")
    )
)


def _related_row(model: type[M], pk: int, firing: Firing, read: dict[str, str]) -> M:
    """The firing's rule or integration as the database holds it, with the columns in
    `read` (field -> the firing's annotation) and the others deferred, as `only()`
    leaves them."""
    db = firing._state.db
    names = ["id", *read]
    values = [pk, *(_loaded(model, name, getattr(firing, read[name]), db) for name in read)]
    return model.from_db(db, names, values)


def _as_text(relation: str, read: dict[str, str]) -> dict[str, Cast]:
    """The annotations that read `read`'s columns of `relation` as text."""
    return {
        alias: Cast(F(f"{relation}__{name}"), output_field=TextField())
        for name, alias in read.items()
    }


def _loaded(model: type[Model], name: str, text: str | None, db: str | None) -> object:
    """A column read as text (_as_text), as its field loads it from the database."""
    field = model._meta.get_field(name)
    load = getattr(field, "from_db_value", None)
    return text if load is None else load(text, None, connections[db or DEFAULT_DB_ALIAS])


def _suggestions_for(postmortem: Postmortem, firings: list[Firing]) -> list[Suggestion]:
    """What the data says per rule and criterion; the team's policy is read only when
    some alert fired (most reviews have none)."""
    if not firings:
        return []
    incident = postmortem.incident
    return suggestions(firings, incident=incident, policy=team_policy(incident.team_id))


def review_with_answers() -> QuerySet[DetectionReview]:
    return _reviews().prefetch_related(Prefetch("answers", queryset=_answers()))


def _reviews() -> QuerySet[DetectionReview]:
    # With who marked it reviewed: the section and the read view name them, which
    # cost a statement from the template on every load of a reviewed review.
    return DetectionReview.objects.select_related("reviewed_by")


def _answers() -> QuerySet[DetectionAnswer]:
    return DetectionAnswer.objects.select_related("action_item")


def review_of(postmortem: Postmortem) -> DetectionReview | None:
    """The postmortem's detection review as review_with_answers() reads it, if it has
    one: read on every editor load, so in two statements compiled once per process."""
    found = _REVIEW(postmortem=postmortem.pk)
    if not found:
        return None
    review = found[0]
    attach(review, "answers", _ANSWERS(review=review.pk))
    return review


_REVIEW = Prepared(lambda postmortem: _reviews().filter(postmortem=postmortem))
_ANSWERS = Prepared(lambda review: _answers().filter(review=review))


def _differs(answer: DetectionAnswer, wanted: Suggestion) -> bool:
    return (answer.suggested, answer.evidence, answer.rule_id) != (
        wanted.suggested,
        wanted.evidence,
        wanted.rule_id,
    )


def _up_to_date(review: DetectionReview | None, wanted: list[Suggestion]) -> bool:
    """Nothing to write: every suggestion has its answer, unanswered ones say what the
    data says now, and no unanswered answer is left for a rule no longer tied."""
    if review is None:
        return False
    answers = {(a.rule_name, a.criterion): a for a in review.answers.all()}
    for suggestion in wanted:
        answer = answers.pop((suggestion.rule_name, suggestion.criterion), None)
        if answer is None or (answer.passed is None and _differs(answer, suggestion)):
            return False
    return not any(_prunable(answer) for answer in answers.values())


def _prunable(answer: DetectionAnswer) -> bool:
    """An answer for a rule no longer tied to the incident that nobody answered."""
    return answer.passed is None and answer.action_item_id is None


def detection_review_refresh(
    *, postmortem: Postmortem, firings: list[Firing] | None = None
) -> DetectionReview:
    """The postmortem's detection review, created if need be, with one answer per rule
    that fired for the incident and criterion (get-or-create by rule name and
    criterion). Unanswered answers take the data's current suggestion; answered ones
    keep the authors' answer. A new unanswered answer un-marks a reviewed review.
    Writes nothing when everything is up to date. Pass `firings` when already read
    (incident_firings)."""
    if firings is None:
        firings = incident_firings(postmortem.incident)
    wanted = _suggestions_for(postmortem, firings)
    review = review_of(postmortem)
    if _up_to_date(review, wanted):
        assert review is not None
        return review
    return _refresh_locked(postmortem=postmortem, wanted=wanted)


@retry_on_contention
def _refresh_locked(*, postmortem: Postmortem, wanted: list[Suggestion]) -> DetectionReview:
    now = timezone.now()
    with transaction.atomic():
        postmortem_lock(postmortem_id=postmortem.pk)
        review, _ = DetectionReview.objects.get_or_create(postmortem=postmortem)
        answers = {(a.rule_name, a.criterion): a for a in review.answers.all()}
        added = False
        for suggestion in wanted:
            answer = answers.pop((suggestion.rule_name, suggestion.criterion), None)
            if answer is None:
                DetectionAnswer.objects.create(
                    review=review,
                    rule_id=suggestion.rule_id,
                    rule_name=suggestion.rule_name,
                    criterion=suggestion.criterion,
                    suggested=suggestion.suggested,
                    evidence=suggestion.evidence,
                    updated_at=now,
                )
                added = True
            elif answer.passed is None and _differs(answer, suggestion):
                answer.suggested = suggestion.suggested
                answer.evidence = suggestion.evidence
                answer.rule_id = suggestion.rule_id
                answer.updated_at = now
                answer.save(update_fields=["suggested", "evidence", "rule", "updated_at"])
        stale = [a.pk for a in answers.values() if _prunable(a)]
        if stale:
            DetectionAnswer.objects.filter(pk__in=stale).delete()
        if added and review.reviewed_at is not None:
            review.reviewed_at = None
            review.reviewed_by = None
            review.save(update_fields=["reviewed_at", "reviewed_by"])
    return review_with_answers().get(pk=review.pk)


def _save_at_revision(
    review: DetectionReview, *, expected_revision: int, now: datetime, **values: object
) -> None:
    """UPDATE the review (its revision bumped) only if still at `expected_revision`."""
    updated = DetectionReview.objects.filter(pk=review.pk, revision=expected_revision).update(
        revision=F("revision") + 1, updated_at=now, **values
    )
    if not updated:
        raise DetectionConflict(review_with_answers().get(pk=review.pk))
    review.revision = expected_revision + 1
    review.updated_at = now
    for name, value in values.items():
        setattr(review, name, value)


def _all_answered(review: DetectionReview) -> bool:
    return not review.answers.filter(passed__isnull=True).exists()


@retry_on_contention
def detection_answer_save(
    *, answer: DetectionAnswer, passed: bool, note: str, by: User, expected_revision: int
) -> DetectionAnswer:
    """The authors' answer to one criterion. "Actionable: no" (or yes) is also their
    judgment of that rule's firings of this incident (Firing.judged_actionable), which
    the rule's verdict then counts (quality/selectors.py)."""
    review = answer.review
    now = timezone.now()
    answer.passed = passed
    answer.note = note
    answer.updated_at = now
    answer.full_clean()
    with transaction.atomic():
        postmortem = postmortem_lock(postmortem_id=review.postmortem_id)
        _save_at_revision(review, expected_revision=expected_revision, now=now)
        answer.save(update_fields=["passed", "note", "updated_at"])
        if answer.criterion == Criterion.ACTIONABLE:
            Firing.objects.filter(
                incident_id=postmortem.incident_id, rule__name=answer.rule_name
            ).update(judged_actionable=passed, updated_at=now)
        # Still reviewed only while every answer is given.
        if review.reviewed_at is not None and not _all_answered(review):
            DetectionReview.objects.filter(pk=review.pk).update(reviewed_at=None, reviewed_by=None)
            review.reviewed_at = None
            review.reviewed_by = None
    return answer


@retry_on_contention
def detection_found_save(
    *,
    review: DetectionReview,
    found_by: str,
    suggested_alert: str,
    notes: str,
    by: User,
    expected_revision: int,
) -> DetectionReview:
    """How the incident was first found, and for one no alert caught, which alert would
    have. A review marked reviewed stays so only while `found_by` is set."""
    now = timezone.now()
    values: dict[str, object] = {
        "found_by": found_by,
        "suggested_alert": suggested_alert,
        "notes": notes,
    }
    if not found_by and review.reviewed_at is not None:
        values.update(reviewed_at=None, reviewed_by=None)
    check = DetectionReview(postmortem_id=review.postmortem_id, **values)
    check.full_clean(exclude=["postmortem"])
    with transaction.atomic():
        postmortem_lock(postmortem_id=review.postmortem_id)
        _save_at_revision(review, expected_revision=expected_revision, now=now, **values)
    return review


def missing_for_review(review: DetectionReview) -> list[str]:
    """What still stands between the review and "reviewed", in words."""
    missing = []
    unanswered = [a for a in review.answers.all() if a.passed is None]
    if unanswered:
        missing.append(unanswered_words(unanswered))
    if not review.found_by:
        missing.append("Say how the incident was found")
    return missing


def unanswered_words(unanswered: list) -> str:
    """ "2 answers to confirm: runbook of DiskAlmostFull, timely of DiskAlmostFull"; each
    item has `criterion` and `rule_name`."""
    count = len(unanswered)
    names = ", ".join(f"{a.criterion} of {a.rule_name}" for a in unanswered[:4])
    more = f" and {count - 4} more" if count > 4 else ""
    return f"{count} answer{'s' if count != 1 else ''} to confirm: {names}{more}"


@retry_on_contention
def detection_review_mark(
    *, review: DetectionReview, by: User, expected_revision: int
) -> DetectionReview:
    """Mark the detection review reviewed: every answer given and `found_by` set."""
    now = timezone.now()
    with transaction.atomic():
        postmortem_lock(postmortem_id=review.postmortem_id)
        current = review_with_answers().get(pk=review.pk)
        if current.revision != expected_revision:
            raise DetectionConflict(current)
        missing = missing_for_review(current)
        if missing:
            raise ValidationError("; ".join(missing) + ".")
        _save_at_revision(
            review, expected_revision=expected_revision, now=now, reviewed_at=now, reviewed_by=by
        )
    return review


def linkable_firings(incident: Incident) -> list[Firing]:
    """The team's firings around the incident's start tied to no incident (so none tied
    to an incident someone may not see), newest first, a short list."""
    start = incident.started_at
    return _LINKABLE(team=incident.team_id, since=start - LINK_BEFORE, until=start + LINK_AFTER)


def _linkable(team: int, since: datetime, until: datetime) -> QuerySet[Firing]:
    return (
        Firing.objects.filter(
            team_id=team, incident__isnull=True, fired_at__gte=since, fired_at__lte=until
        )
        .select_related("rule")
        .order_by("fired_at", "pk")[:LINK_LIMIT]
    )


# Read by every editor load: compiled once per process (lib/prepared.py).
_LINKABLE = Prepared(_linkable)


@retry_on_contention
def firing_link(*, postmortem: Postmortem, firing_id: int, by: User) -> Firing:
    """ "This alert was about this incident": tie a firing of the team, in the window
    and tied to no incident, to the postmortem's incident. `acted_on` stays as the
    receiver computed it. The review then gains that rule's answers."""
    incident = postmortem.incident
    start = incident.started_at
    with transaction.atomic():
        postmortem_lock(postmortem_id=postmortem.pk)
        firing = (
            Firing.objects.select_for_update(of=("self",))
            .filter(
                pk=firing_id,
                team_id=incident.team_id,
                incident__isnull=True,
                fired_at__gte=start - LINK_BEFORE,
                fired_at__lte=start + LINK_AFTER,
            )
            .first()
        )
        if firing is None:
            raise ValidationError(
                "This alert cannot be linked: it is tied elsewhere or out of range."
            )
        firing.incident = incident
        firing.updated_at = timezone.now()
        firing.save(update_fields=["incident", "updated_at"])
    detection_review_refresh(postmortem=postmortem)
    return firing


def _due(by: User, now: datetime):
    zone = ZoneInfo(by.time_zone or "UTC")
    return timezone.localdate(now, zone) + timedelta(days=ACTION_DUE_DAYS)


@retry_on_contention
def detection_action_create(*, answer: DetectionAnswer, by: User) -> ActionItem:
    """A detect action item for a failing criterion, owned by `by`, due in two weeks in
    their zone, linked to the answer. Twice (a double click, two tabs) gives the one
    item: the second runs after the first under the postmortem's lock and finds it."""
    review = answer.review
    now = timezone.now()
    with transaction.atomic():
        postmortem = postmortem_lock(postmortem_id=review.postmortem_id)
        current = DetectionAnswer.objects.select_related("action_item").get(pk=answer.pk)
        if current.action_item is not None:
            return current.action_item
        if current.passed is not False and (current.passed is not None or current.suggested):
            raise ValidationError("This criterion passes: there is nothing to act on.")
        incident = Incident.objects.get(pk=postmortem.incident_id)
        firings = [f for f in incident_firings(incident) if f.rule.name == current.rule_name]
        item = action_item_create(
            postmortem=Postmortem.objects.select_related("incident").get(pk=postmortem.pk),
            by=by,
            title=action_title(current, firings, incident),
            description=action_description(current, incident),
            owner=by,
            due_date=_due(by, now),
            type=ActionItem.Type.DETECT,
        )
        DetectionAnswer.objects.filter(pk=current.pk).update(action_item=item)
        answer.action_item = item
    return item


@retry_on_contention
def detection_no_alert_action_create(*, review: DetectionReview, by: User) -> ActionItem:
    """ "Add an alert that would have caught this", once per review (found again by its
    title under the postmortem's lock)."""
    now = timezone.now()
    with transaction.atomic():
        postmortem = postmortem_lock(postmortem_id=review.postmortem_id)
        existing = ActionItem.objects.filter(
            postmortem_id=postmortem.pk, type=ActionItem.Type.DETECT, title=NO_ALERT_TITLE
        ).first()
        if existing is not None:
            return existing
        current = DetectionReview.objects.get(pk=review.pk)
        full = Postmortem.objects.select_related("incident").get(pk=postmortem.pk)
        incident = full.incident
        suggestion = current.suggested_alert.strip() or suggested_alert(
            incident, list(incident.services.values_list("slug", flat=True))
        )
        return action_item_create(
            postmortem=full,
            by=by,
            title=NO_ALERT_TITLE,
            description=no_alert_description(incident, suggestion, current.notes),
            owner=by,
            due_date=_due(by, now),
            type=ActionItem.Type.DETECT,
        )


def detection_review_complete(
    *, postmortem: Postmortem, by: User, found_by: str = ""
) -> DetectionReview:
    """Accept every suggestion as it stands, say how it was found (by default: by an
    alert when one fired, else by a person) and mark the review reviewed: for the demo's
    published reviews."""
    review = detection_review_refresh(postmortem=postmortem)
    if not found_by:
        found = DetectionReview.Found
        found_by = found.ALERT if review.answers.all() else found.PERSON
    for answer in review.answers.all():
        if answer.passed is None:
            answer.review = review
            detection_answer_save(
                answer=answer,
                passed=answer.suggested,
                note="",
                by=by,
                expected_revision=review.revision,
            )
    detection_found_save(
        review=review,
        found_by=found_by,
        suggested_alert=review.suggested_alert,
        notes=review.notes,
        by=by,
        expected_revision=review.revision,
    )
    return detection_review_mark(review=review, by=by, expected_revision=review.revision)

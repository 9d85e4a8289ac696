"""The pulse survey: invite the people who took part, take one anonymous answer each."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from postmortems.insights.models import QUESTION, PulseAnswer, PulseParticipant
from postmortems.models.reviews import Postmortem
from postmortems.notifications.announcements import viewer_ids
from postmortems.notifications.emails import absolute_url, compose
from postmortems.notifications.models import OutboundMessage
from postmortems.notifications.outbox import enqueue_after_commit, outbox_add


def pulse_participants(postmortem: Postmortem) -> list[User]:
    """Who took part: the authors, the incident owner, the action item owners and the
    people who wrote timeline events; active, and able to see the incident."""
    incident = postmortem.incident
    took_part = (
        Q(authored_postmortems=postmortem)
        | Q(action_items__postmortem=postmortem)
        | Q(pk__in=postmortem.timeline_events.values("created_by"))
    )
    if incident.owner_id:
        took_part |= Q(pk=incident.owner_id)
    return list(
        User.objects.filter(took_part, is_active=True)
        .filter(Q(is_superuser=True) | Q(pk__in=viewer_ids(incident)))
        .distinct()
        .order_by("pk")
    )


def pulse_invite(*, postmortem: Postmortem) -> list[int]:
    """Record the participants and queue one survey email each. Call inside the
    publishing transaction; the emails go out after commit. Dedup keys make a second
    call (a review published again after amendments) add nothing."""
    people = pulse_participants(postmortem)
    PulseParticipant.objects.bulk_create(
        [PulseParticipant(postmortem=postmortem, user=user) for user in people],
        ignore_conflicts=True,
    )
    incident = postmortem.incident
    url = absolute_url(reverse("pm-pulse", args=[incident.number]))
    created = outbox_add(
        compose(
            kind=OutboundMessage.Kind.PULSE,
            recipient=user,
            dedup_key=f"pulse:{postmortem.pk}:{user.pk}",
            reason="You get this because you took part in this review.",
            incident=incident,
            postmortem=postmortem,
            context={"incident": incident, "question": QUESTION, "url": url},
        )
        for user in people
    )
    enqueue_after_commit(created)
    return created


def pulse_on_first_publication(*, postmortem: Postmortem, by: User | None) -> None:
    """EVENT_HANDLERS["review-first-published"]: ask the review's people."""
    pulse_invite(postmortem=postmortem)


def pulse_answer(*, postmortem: Postmortem, by: User, score: int, comment: str = "") -> PulseAnswer:
    """Store one anonymous answer and mark that `by` answered, in one transaction.

    1. The participant row flips from unanswered to answered with a conditional
       UPDATE: only one of two simultaneous submissions succeeds.
    2. The answer is stored with the team and the day only (see insights/models.py).
    """
    answer = PulseAnswer(
        team_id=postmortem.incident.team_id,
        answered_on=timezone.now().astimezone(datetime.UTC).date(),
        score=score,
        comment=comment.strip(),
    )
    answer.full_clean()
    with transaction.atomic():
        claimed = PulseParticipant.objects.filter(
            postmortem=postmortem, user=by, answered=False
        ).update(answered=True)
        if not claimed:
            raise ValidationError("You have already answered this survey, or were not asked.")
        answer.save()
    return answer

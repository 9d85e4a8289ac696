"""Proven fixes in the demo: verification dates that follow the stories' backdated
completions, fixes found to work (with evidence), and some still waiting for their
outcome, among them one of the demo member's (My work) on the demo lead's team
(the dashboard's "Done, not verified").

Outcomes go through the service (services/outcomes.py), so each is in its item's
history; like the rest of the demo, times are backdated afterwards.
"""

import random
from datetime import UTC, datetime, time, timedelta

from django.conf import settings

from accounts.models import User
from postmortems.models.action_changes import ActionItemChange
from postmortems.models.actions import ActionItem
from postmortems.services.outcomes import action_item_record_outcome

EVIDENCE = "https://grafana.example.com/d/{slug}?from={day}"
NOTES = [
    "Fired in the last load test, ten minutes before the pool ran dry; no repeat since.",
    "The game day replayed the failure: the new check caught it and paged the right rotation.",
    "Two weeks without a recurrence; the dashboard shows the new limit holding under peak.",
]


def seed_proofs(*, now: datetime, rng: random.Random, member: User) -> None:
    days = timedelta(days=settings.ACTION_VERIFY_AFTER_DAYS)
    done = list(
        ActionItem.objects.filter(status=ActionItem.Status.DONE)
        .select_related("owner", "postmortem__incident__team")
        .order_by("completed_at", "pk")
    )
    for item in done:
        assert item.completed_at is not None
        assert item.owner is not None
        item.verify_on = item.completed_at.astimezone(item.owner.zone).date() + days
    ActionItem.objects.bulk_update(done, ["verify_on"])
    today = now.date()
    due = [item for item in done if item.verify_on is not None and item.verify_on <= today]
    # The member's most recent fix on their own team waits for its outcome.
    teams = set(member.teams.values_list("pk", flat=True))
    waiting = next(
        (item for item in reversed(due) if item.postmortem.incident.team_id in teams), None
    )
    if waiting is not None and waiting.owner_id != member.pk:
        ActionItem.objects.filter(pk=waiting.pk).update(owner=member)
    for n, item in enumerate(item for item in due if item is not waiting):
        if n and rng.random() < 0.2:
            continue  # nobody has said yet (the first one always has: it worked)
        assert item.verify_on is not None
        recorded_at = min(
            datetime.combine(item.verify_on, time(10), tzinfo=UTC) + timedelta(hours=n % 30),
            now - timedelta(hours=1),
        )
        if n % 7 == 3:
            outcome, evidence, note = (
                "cannot_tell",
                "",
                "No traffic like that since; a drill is planned.",
            )
        else:
            outcome = "worked"
            slug = item.postmortem.incident.team.slug
            evidence = EVIDENCE.format(slug=slug, day=item.verify_on.isoformat())
            note = NOTES[n % len(NOTES)]
        action_item_record_outcome(
            item=item, outcome=outcome, evidence=evidence, note=note, by=item.owner,
            revision=item.revision,
        )  # fmt: skip
        ActionItem.objects.filter(pk=item.pk).update(outcome_at=recorded_at, updated_at=recorded_at)
        ActionItemChange.objects.filter(
            action_item=item, field=ActionItemChange.Field.OUTCOME
        ).update(changed_at=recorded_at)

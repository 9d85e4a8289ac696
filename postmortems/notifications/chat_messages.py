"""Team chat notifications: which messages a team's webhook gets, as outbox rows.

Three kinds, each with a dedup key, so a second sweep (or a second publish)
adds no second message:
- postmortem missing: when the 24-hour reminder fires
  (`webhook:pm-missing:<incident>:24h`);
- review published (`webhook:published:<postmortem>`);
- a weekly digest (`webhook:team-digest:<team>:<ISO week>`) on LEAD_DIGEST_WEEKDAY
  from 09:00 in the server's TIME_ZONE (teams have no zone of their own).
Restricted incidents are never posted: a chat channel may hold people outside
the team. Delivery is the outbox's (notifications/outbox.py).
"""

from collections.abc import Callable
from datetime import datetime
from functools import partial
from zoneinfo import ZoneInfo

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from accounts.models import Team, User
from postmortems.models.actions import ActionItem
from postmortems.models.incidents import Incident
from postmortems.models.review_templates import opening_section
from postmortems.models.reviews import Postmortem
from postmortems.notifications.chat import compose_webhook, slack_escape, slack_link
from postmortems.notifications.digests import ComposeEach, compose_now, digest_moment_due
from postmortems.notifications.emails import absolute_url
from postmortems.notifications.models import OutboundMessage, TeamWebhook
from postmortems.selectors import past_review_deadline, stale_drafts

Kind = OutboundMessage.Kind
DIGEST_HOUR = 9
FLAGS = {"missing": "notify_missing", "published": "notify_published", "digest": "notify_digest"}


def team_webhooks(*, team_ids: set[int] | None, flag: str) -> dict[int, TeamWebhook]:
    """Teams (all, or those in `team_ids`) whose webhook is set and wants `flag`."""
    hooks = TeamWebhook.objects.exclude(url="").filter(**{FLAGS[flag]: True})
    if team_ids is not None:
        hooks = hooks.filter(team_id__in=team_ids)
    return {hook.team_id: hook for hook in hooks.select_related("team")}


def team_webhook_save(*, team: Team, by: User, **fields) -> TeamWebhook:
    hook = TeamWebhook.objects.filter(team=team).first() or TeamWebhook(team=team)
    for name, value in fields.items():
        setattr(hook, name, value)
    hook.updated_by = by
    hook.updated_at = timezone.now()
    hook.full_clean()
    hook.save()
    return hook


def _incident_link(incident: Incident) -> str:
    url = absolute_url(reverse("pm-incident-detail", args=[incident.number]))
    return slack_link(url, f"{incident.reference} {incident.title}")


def missing_postmortem_message(
    *, incident: Incident, hook: TeamWebhook, hours: int, now: datetime
) -> OutboundMessage:
    elapsed = int((now - incident.review_clock_started_at).total_seconds() // 3600)
    owner = incident.owner.display_name if incident.owner else "nobody yet"
    text = (
        f":hourglass: Postmortem missing for {_incident_link(incident)} "
        f"({incident.severity}): {elapsed} h since it was "
        f"{incident.review_clock_event}, past the {hours} h deadline. "
        f"Owner: {slack_escape(owner)}."
    )
    return compose_webhook(
        kind=Kind.POSTMORTEM_MISSING,
        team=hook.team,
        url=hook.url,
        dedup_key=f"webhook:pm-missing:{incident.pk}:{hours}h",
        summary=f"Postmortem missing: {incident.reference}",
        text=text,
        incident=incident,
    )


def published_message(*, postmortem: Postmortem, hook: TeamWebhook) -> OutboundMessage:
    incident = postmortem.incident
    url = absolute_url(reverse("pm-postmortem-detail", args=[incident.number]))
    opening = opening_section(postmortem)  # the summary, or a template's opening section
    summary = " ".join(opening.text.split()) if opening else ""
    if len(summary) > 300:
        summary = summary[:299] + "…"
    text = (
        f":memo: Postmortem published: {slack_link(url, f'{incident.reference} {incident.title}')}"
    )
    if summary:
        text += f"\n>{slack_escape(summary)}"
    return compose_webhook(
        kind=Kind.PUBLISHED,
        team=hook.team,
        url=hook.url,
        dedup_key=f"webhook:published:{postmortem.pk}",
        summary=f"Review published: {incident.reference}",
        text=text,
        incident=incident,
        postmortem=postmortem,
    )


def team_digest_messages(
    *,
    now: datetime,
    existing_keys: Callable[[list[str]], set[str]],
    last_sweep: datetime | None = None,
    compose_each: ComposeEach = compose_now,
) -> list[OutboundMessage]:
    """Weekly, per team with a webhook: overdue items, missing reviews, stale drafts.
    A week's message missed by every sweep is caught up late, as digests are."""
    local = now.astimezone(ZoneInfo(settings.TIME_ZONE))
    moment = digest_moment_due(
        local_now=local,
        weekdays=frozenset([settings.LEAD_DIGEST_WEEKDAY]),
        hour=DIGEST_HOUR,
        last_sweep=last_sweep,
    )
    if moment is None:
        return []
    year, week, _day = moment.isocalendar()
    hooks = team_webhooks(team_ids=None, flag="digest")
    keys = {f"webhook:team-digest:{team_id}:{year}-W{week:02d}": h for team_id, h in hooks.items()}
    pending = {key: hook for key, hook in keys.items() if key not in existing_keys(list(keys))}
    if not pending:
        return []
    teams = {hook.team_id for hook in pending.values()}
    today = local.date()
    overdue = list(
        ActionItem.objects.overdue(today=today)
        .filter(
            postmortem__incident__team__in=teams,
            postmortem__incident__restricted=False,
            postmortem__incident__deleted_at__isnull=True,
        )
        .values_list("postmortem__incident__team", flat=True)
    )
    missing = list(past_review_deadline(now).filter(team__in=teams, restricted=False))
    stale = list(
        stale_drafts(now)
        .filter(incident__team__in=teams, incident__restricted=False)
        .values_list("incident__team", flat=True)
    )
    messages = [
        compose_each(key, partial(_team_digest, key, hook, overdue, missing, stale))
        for key, hook in pending.items()
    ]
    return [message for message in messages if message is not None]


def _team_digest(key, hook, overdue, missing, stale) -> OutboundMessage | None:
    team_missing = [i for i in missing if i.team_id == hook.team_id]
    counts = (overdue.count(hook.team_id), len(team_missing), stale.count(hook.team_id))
    if not any(counts):
        return None  # nothing to say: no message
    dashboard = absolute_url(reverse("pm-dashboard") + f"?team={hook.team.slug}")
    lines = [
        f":clipboard: Weekly postmortem digest for {slack_escape(hook.team.name)}",
        f"• Overdue action items: {counts[0]}",
        f"• Postmortems past the deadline: {counts[1]}",
        *[f"    ◦ {_incident_link(i)}" for i in team_missing[:10]],
        f"• Drafts going stale: {counts[2]}",
        slack_link(dashboard, "Open the team dashboard"),
    ]
    return compose_webhook(
        kind=Kind.TEAM_DIGEST,
        team=hook.team,
        url=hook.url,
        dedup_key=key,
        summary=f"Weekly digest for {hook.team.name}",
        text="\n".join(lines),
    )

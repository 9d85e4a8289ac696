"""Announcing a published review to the owning team and to its followers."""

from django.db.models import Q, QuerySet
from django.urls import reverse

from accounts.models import Membership, User
from postmortems.archive.models import Subscription
from postmortems.models.actions import committed_condition
from postmortems.models.catalog import Service
from postmortems.models.incidents import Incident
from postmortems.models.review_templates import opening_section
from postmortems.models.reviews import Postmortem
from postmortems.notifications.chat_messages import published_message, team_webhooks
from postmortems.notifications.emails import absolute_url, compose
from postmortems.notifications.models import OutboundMessage
from postmortems.notifications.outbox import enqueue_after_commit, outbox_add


def _with_ancestors(service_ids: set[int]) -> dict[int, int | None]:
    """Affected services and every service above them (following a parent covers
    its children). Returns id -> parent id for the whole, small tree."""
    parents = dict(Service.objects.values_list("pk", "parent_id"))
    found: dict[int, int | None] = {}
    pk: int | None
    for pk in service_ids:
        while pk is not None and pk not in found:
            found[pk] = parents.get(pk)
            pk = parents.get(pk)
    return found


def announce_publication(*, postmortem: Postmortem, by: User | None) -> list[int]:
    """Queue one email per person: the owning team, and followers of an affected
    service (or a service above it) or of one of its tags, who may see the incident.
    Call inside the publishing transaction; sent after commit."""
    incident = postmortem.incident
    services = _with_ancestors(set(incident.services.values_list("pk", flat=True)))
    tag_ids = list(postmortem.tags.values_list("pk", flat=True))
    reasons: dict[int, str] = {}
    for subscription in Subscription.objects.filter(
        Q(service_id__in=list(services)) | Q(tag_id__in=tag_ids)
    ).select_related("service", "tag"):
        target = subscription.service or subscription.tag
        reasons.setdefault(subscription.user_id, f"You get this because you follow {target}.")
    for user_id in Membership.objects.filter(team_id=incident.team_id).values_list(
        "user_id", flat=True
    ):
        reasons[user_id] = f"You get this because you are in {incident.team.name}."
    # Only people who may see the incident hear about it (restricted ones stay quiet).
    recipients = User.objects.filter(pk__in=list(reasons), is_active=True).filter(
        Q(is_superuser=True) | Q(pk__in=viewer_ids(incident))
    )
    if by is not None:
        recipients = recipients.exclude(pk=by.pk)
    # The commitments: ideas are kept on the review, not announced as work.
    items = list(
        postmortem.action_items.filter(committed_condition())
        .select_related("owner")
        .order_by("due_date", "pk")
    )
    url = absolute_url(reverse("pm-postmortem-detail", args=[incident.number]))
    # The summary, or the opening section of a team template without one.
    opening = opening_section(postmortem)
    emails = [
        compose(
            kind=OutboundMessage.Kind.PUBLISHED,
            recipient=user,
            dedup_key=f"published:{postmortem.pk}:{user.pk}",
            reason=reasons[user.pk],
            incident=incident,
            postmortem=postmortem,
            context={
                "postmortem": postmortem,
                "incident": incident,
                "items": items,
                "url": url,
                "opening": opening,
            },
        )
        for user in recipients
    ]
    hook = team_webhooks(team_ids={incident.team_id}, flag="published").get(incident.team_id)
    if hook and not incident.restricted:  # a chat channel may hold people outside the team
        emails.append(published_message(postmortem=postmortem, hook=hook))
    created = outbox_add(emails)
    enqueue_after_commit(created)
    return created


def viewer_ids(incident: Incident) -> QuerySet:
    """Who may see `incident`, as a subquery: the rule of permissions.visibility_filter
    seen from the user's side (admins are added by the caller)."""
    if not incident.restricted:
        return User.objects.values("pk")
    return User.objects.filter(
        Q(memberships__team_id=incident.team_id)
        | Q(pk=incident.owner_id)
        | Q(authored_postmortems__incident=incident)
    ).values("pk")

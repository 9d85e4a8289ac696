"""Finding possible recurrences: the earlier reviewed incidents a new incident shares
alert rules, services or tags with.

"Reviewed": the earlier incident has a postmortem in review or published. A draft is
not a review yet: nobody has agreed on what went wrong or on its action items, so it
cannot tell whether a fix held. Only incidents that started in the
RECURRENCE_LOOKBACK_DAYS before the new one count, at most RECURRENCE_MAX_MATCHES of
them, strongest first: more shared alert rules, then more shared services, then more
shared tags, then the most recent.

When: core raises "incident-opened" from the one service that creates incidents (the
incident form, the API, the alert receivers and the admin all call incident_create),
and "incident-signals-changed" when an incident's services or its review's tags are
saved. Detection runs after the transaction commits, not inside it: an alert-opened
incident's firings (which name its alert rules) are written later in the receiver's
transaction, after incident_create returns, so only after the commit are they all
there. Running after the commit also keeps a failing detection from undoing the
incident (robust=True logs it): the next change of its services or tags tries again.
An incident opened while the earlier review was still a draft is looked at again when
that review leaves its draft ("review-out-of-draft"): the later incidents sharing its
signals (at most LATER_LIMIT, the most recent) are detected once more.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from postmortems.alerting.firings.models import Firing
from postmortems.models.incidents import Incident
from postmortems.models.reviews import Postmortem
from postmortems.recurrence.models import Recurrence

REVIEWED = (Postmortem.Status.IN_REVIEW, Postmortem.Status.PUBLISHED)
# strength = rules * RULE + services * SERVICE + tags: any shared rule outweighs any
# number of services, any service any number of tags (counts are capped below).
SERVICE = 1_000
RULE = 1_000_000
CAP = 999
# How many later incidents a review leaving its draft looks at again.
LATER_LIMIT = 50


def strength(*, rules: int, services: int, tags: int) -> int:
    return min(rules, CAP) * RULE + min(services, CAP) * SERVICE + min(tags, CAP)


@dataclass
class Signals:
    """What an incident can share: its alert rules, services and review's tags (ids)."""

    rules: list[int] = field(default_factory=list)
    services: list[int] = field(default_factory=list)
    tags: list[int] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.rules or self.services or self.tags)


def signals_of(incident: Incident) -> Signals:
    """Three indexed reads: pm_firing_incident, and the two link tables' keys."""
    rules = Firing.objects.filter(incident=incident).values_list("rule_id", flat=True).distinct()
    services = Incident.services.through.objects.filter(incident_id=incident.pk)
    tags = Postmortem.tags.through.objects.filter(postmortem__incident_id=incident.pk)
    return Signals(
        rules=sorted(set(rules)),
        services=sorted(services.values_list("service_id", flat=True)),
        tags=sorted(tags.values_list("tag_id", flat=True)),
    )


def _count(links: QuerySet, key: str) -> Coalesce:
    """How many of `links` point at the outer incident (each link table's unique index
    on (owner, target) answers it)."""
    counted = links.filter(**{key: OuterRef("pk")}).values(key).annotate(n=Count("*")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def candidates(incident: Incident, signals: Signals) -> QuerySet[Incident]:
    """The earlier reviewed incidents sharing something, strongest first, at most
    RECURRENCE_MAX_MATCHES, annotated with what they share (counts). One statement:
    each kind of signal is an indexed lookup (the link tables by service and tag, the
    firings by rule), bounded by the lookback window on pm_incident_started."""
    since = incident.started_at - timedelta(days=settings.RECURRENCE_LOOKBACK_DAYS)
    service_links = Incident.services.through.objects.filter(service_id__in=signals.services)
    tag_links = Postmortem.tags.through.objects.filter(tag_id__in=signals.tags)
    firings = Firing.objects.filter(
        rule_id__in=signals.rules, incident__isnull=False, fired_at__gte=since
    )
    shares = Q()
    if signals.services:
        shares |= Q(pk__in=service_links.values("incident_id"))
    if signals.tags:
        shares |= Q(pk__in=tag_links.values("postmortem__incident_id"))
    if signals.rules:
        shares |= Q(pk__in=firings.values("incident_id"))
    rule_counts = (
        firings.filter(incident_id=OuterRef("pk"))
        .values("incident_id")
        .annotate(n=Count("rule_id", distinct=True))
        .values("n")
    )
    found = (
        Incident.objects.filter(
            shares,
            started_at__gte=since,
            started_at__lt=incident.started_at,
            postmortem__status__in=REVIEWED,
        )
        .exclude(pk=incident.pk)
        .annotate(
            shared_rules=Coalesce(Subquery(rule_counts, output_field=IntegerField()), Value(0)),
            shared_services=_count(service_links, "incident_id"),
            shared_tags=_count(tag_links, "postmortem__incident_id"),
        )
        .order_by("-shared_rules", "-shared_services", "-shared_tags", "-started_at", "-pk")
    )
    return found.only("pk", "started_at")[: settings.RECURRENCE_MAX_MATCHES]


def _shared(earlier_ids: list[int], signals: Signals) -> dict[int, Signals]:
    """What each of `earlier_ids` shares with the new incident, by id."""
    shared = {pk: Signals() for pk in earlier_ids}
    for pk, rule in (
        Firing.objects.filter(incident_id__in=earlier_ids, rule_id__in=signals.rules)
        .values_list("incident_id", "rule_id")
        .distinct()
    ):
        shared[pk].rules.append(rule)
    for pk, service in Incident.services.through.objects.filter(
        incident_id__in=earlier_ids, service_id__in=signals.services
    ).values_list("incident_id", "service_id"):
        shared[pk].services.append(service)
    for pk, tag in Postmortem.tags.through.objects.filter(
        postmortem__incident_id__in=earlier_ids, tag_id__in=signals.tags
    ).values_list("postmortem__incident_id", "tag_id"):
        shared[pk].tags.append(tag)
    return shared


def recurrences_detect(*, incident: Incident) -> list[Recurrence]:
    """Flag `incident` as a possible recurrence of the earlier reviewed incidents it
    shares most with; returns its recurrences as they are now.

    1. Read what the incident shares (signals_of) and the strongest candidates.
    2. For each, get_or_create the (incident, earlier) row: two detections at once
       meet at the unique constraint, and the loser reads the winner's row (Django
       retries the get in a savepoint), so a pair is one row however many run.
    3. Set what they share now on each row among them, decided or not (the decision
       stays). A decided row no longer among them keeps what it was decided on.
    4. Suggestions nobody decided that are no longer among the strongest matches
       (a service was removed) are dropped; decided ones are kept.
    """
    if incident.deleted_at is not None:
        return []
    signals = signals_of(incident)
    earlier_ids = [found.pk for found in candidates(incident, signals)] if signals else []
    shared = _shared(earlier_ids, signals) if earlier_ids else {}
    rows = []
    with transaction.atomic():
        for earlier_id in earlier_ids:
            what = shared[earlier_id]
            score = strength(
                rules=len(what.rules), services=len(what.services), tags=len(what.tags)
            )
            try:
                row, created = Recurrence.objects.get_or_create(
                    incident=incident, earlier_id=earlier_id, defaults={"strength": score}
                )
            except IntegrityError:  # the earlier incident was purged meanwhile
                continue
            if not created and row.strength != score:
                Recurrence.objects.filter(pk=row.pk).update(strength=score)
            row.alert_rules.set(what.rules)
            row.services.set(what.services)
            row.tags.set(what.tags)
            rows.append(row)
        Recurrence.objects.filter(incident=incident, status=Recurrence.Status.SUGGESTED).exclude(
            earlier_id__in=earlier_ids
        ).delete()
    return rows


def recurrences_detect_by_id(incident_id: int) -> None:
    incident = Incident.objects.filter(pk=incident_id).first()
    if incident is not None:
        recurrences_detect(incident=incident)


def recurrences_detect_on_commit(*, incident_id: int) -> None:
    """EVENT_HANDLERS "incident-opened" and "incident-signals-changed" (the module
    docstring says why after the commit)."""
    transaction.on_commit(lambda: recurrences_detect_by_id(incident_id), robust=True)


def later_incidents(earlier: Incident) -> list[int]:
    """Ids of the incidents that started after `earlier`, within the lookback window,
    sharing an alert rule, a service or a tag with it: those it may now be repeated by."""
    signals = signals_of(earlier)
    if not signals:
        return []
    until = earlier.started_at + timedelta(days=settings.RECURRENCE_LOOKBACK_DAYS)
    shares = Q()
    if signals.services:
        service_links = Incident.services.through.objects.filter(service_id__in=signals.services)
        shares |= Q(pk__in=service_links.values("incident_id"))
    if signals.tags:
        tag_links = Postmortem.tags.through.objects.filter(tag_id__in=signals.tags)
        shares |= Q(pk__in=tag_links.values("postmortem__incident_id"))
    if signals.rules:
        firings = Firing.objects.filter(rule_id__in=signals.rules, incident__isnull=False)
        shares |= Q(pk__in=firings.values("incident_id"))
    return list(
        Incident.objects.filter(
            shares,
            started_at__gt=earlier.started_at,
            started_at__lte=until,
            deleted_at__isnull=True,
        )
        .exclude(pk=earlier.pk)
        .order_by("-started_at")
        .values_list("pk", flat=True)[:LATER_LIMIT]
    )


def later_recurrences_detect(*, earlier_id: int) -> int:
    """Detect again for the later incidents that may repeat `earlier_id`; how many."""
    earlier = Incident.objects.filter(pk=earlier_id).first()
    if earlier is None:
        return 0
    later = later_incidents(earlier)
    for incident in Incident.objects.filter(pk__in=later):
        recurrences_detect(incident=incident)
    return len(later)


def later_recurrences_detect_on_commit(*, postmortem: Postmortem, **_: object) -> None:
    """EVENT_HANDLERS "review-out-of-draft": after the commit, as above."""
    earlier_id = postmortem.incident_id
    transaction.on_commit(lambda: later_recurrences_detect(earlier_id=earlier_id), robust=True)

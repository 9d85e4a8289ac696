"""Reads of recurrences, always through visibility: a restricted incident on either
side of a recurrence is never named to someone who may not see it."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Count, F, Prefetch, Q, QuerySet, Value, prefetch_related_objects

from accounts.models import Team, User
from lib.prepared import Prepared
from postmortems.models.actions import ActionItem
from postmortems.models.catalog import Service
from postmortems.models.incidents import Incident
from postmortems.permissions import is_admin, viewer_filter
from postmortems.recurrence.models import Recurrence, SharedThing


def unsettled_items_filter(prefix: str = "") -> Q:
    """The earlier review's items that a recurrence puts in question: everything but
    the items done and verified as having worked (open, in progress, ideas, won't do,
    done without an outcome, done and did not work or cannot tell)."""
    return ~Q(
        **{f"{prefix}status": ActionItem.Status.DONE, f"{prefix}outcome": ActionItem.Outcome.WORKED}
    )


_INCIDENT_SHOWN = ("number", "title", "started_at")


def visible_recurrences(user: User) -> QuerySet[Recurrence]:
    """Recurrences whose two incidents `user` may both see."""
    return _seen_through(partial(viewer_filter, user.pk, admin=is_admin(user)))


def _seen_through(visible: Callable[..., Q]) -> QuerySet[Recurrence]:
    """Recurrences whose two incidents pass `visible(prefix=)`, a viewer's visibility
    filter for a path to an incident."""
    return Recurrence.objects.filter(visible(prefix="incident__"), visible(prefix="earlier__"))


# The earlier review's items a recurrence shows: what the panel and the API read of them.
_ITEM_SHOWN = (
    *("code", "postmortem_id", "title", "status", "outcome", "owner_id", "created_at"),
    *("owner__display_name", "owner__email"),
)


def _details() -> tuple:
    """What a recurrence of an incident's page shows of its earlier side, to prefetch
    (what the two incidents share is read by attach_shared)."""
    unsettled = (
        ActionItem.objects.filter(unsettled_items_filter())
        .select_related("owner")
        .only(*_ITEM_SHOWN)
    )
    return (
        Prefetch(
            "earlier__postmortem__action_items",
            queryset=unsettled.order_by("created_at", "pk"),
            to_attr="unsettled_items",
        ),
    )


# Recurrence's relations to what the two incidents share, and the through table's
# column naming the thing shared.
SHARED = {"alert_rules": "alertrule", "services": "service", "tags": "tag"}


def attach_shared(recurrences: list[Recurrence]) -> None:
    """Set `recurrence.shared` on each: {"alert_rules": [...], "services": [...],
    "tags": [...]} of SharedThing, by name. One statement however many recurrences (the
    three link tables in one UNION ALL), where prefetching the three relations took
    three, each building its models."""
    for recurrence in recurrences:
        recurrence.shared = {relation: [] for relation in SHARED}
    if not recurrences:
        return
    by_pk = {recurrence.pk: recurrence for recurrence in recurrences}
    links = [
        getattr(Recurrence, relation)
        .through.objects.filter(recurrence_id__in=list(by_pk))
        .values_list(
            "recurrence_id",
            Value(relation),
            F(f"{target}__name"),
            F(f"{target}__{'name' if relation == 'alert_rules' else 'slug'}"),
        )
        .order_by()
        for relation, target in SHARED.items()
    ]
    rows = links[0].union(*links[1:], all=True)
    for recurrence_id, relation, name, slug in sorted(rows, key=lambda row: row[2].casefold()):
        by_pk[recurrence_id].shared[relation].append(SharedThing(name, slug))


def _with_details(recurrences: QuerySet[Recurrence]) -> QuerySet[Recurrence]:
    return recurrences.select_related(
        "incident", "earlier", "earlier__postmortem", "decided_by"
    ).prefetch_related(*_details())


# What the panel (recurrence/panel.html) and the API (api/recurrences.py) show of a
# recurrence and its two incidents; the rest (the incidents' descriptions, the earlier
# review's texts) is not read. Half the CPU of this statement on a demo incident's page
# went to building models from the columns no one reads. A field used there must be
# listed here, or each row costs a query (tests/recurrence pin the counts).
_SHOWN = (
    *("code", "incident_id", "earlier_id", "status", "note", "revision"),
    *("decided_by_id", "decided_at", "decided_by__display_name", "decided_by__email"),
    *(f"{side}__{field}" for side in ("incident", "earlier") for field in _INCIDENT_SHOWN),
    "earlier__postmortem__incident_id",
)


def _read(row: object, path: str) -> object:
    """The value at a `_SHOWN`-style path ("earlier__title"); None past a missing row."""
    value = row
    for name in path.split("__"):
        try:
            value = getattr(value, name)
        except ObjectDoesNotExist:  # an earlier incident without a review
            return None
        if value is None:
            return None
    return value


def _shown(recurrence: Recurrence) -> tuple:
    """Every value the panel shows of one recurrence, read as the statements above read
    them: the same lists (_SHOWN, _ITEM_SHOWN) decide what is read and what keys the
    panel's kept markup, so a value shown is never missing from the key."""
    items = getattr(_read(recurrence, "earlier__postmortem"), "unsettled_items", None)
    shared = getattr(recurrence, "shared", {})
    return (
        tuple(_read(recurrence, path) for path in _SHOWN),
        tuple((relation, tuple(things)) for relation, things in sorted(shared.items())),
        None if items is None else tuple(tuple(_read(i, p) for p in _ITEM_SHOWN) for i in items),
    )


@dataclass
class IncidentRecurrences:
    """What an incident's pages show: the earlier incidents it may repeat (`of`) and
    the later ones that may repeat it (`recurred_as`, dismissed ones left out)."""

    of: list[Recurrence]
    recurred_as: list[Recurrence]

    def __bool__(self) -> bool:
        return bool(self.of or self.recurred_as)

    @property
    def shown(self) -> tuple:
        """What the panel shows of both lists, for the key of its kept markup
        (recurrence/panel.html)."""
        return (tuple(map(_shown, self.of)), tuple(map(_shown, self.recurred_as)))

    @property
    def confirmed_as(self) -> list[Recurrence]:
        return [r for r in self.recurred_as if r.status == Recurrence.Status.CONFIRMED]


def _both_sides(incident: int, visible: Callable[..., Q]) -> QuerySet[Recurrence]:
    """An incident's recurrences both ways seen through `visible` (_seen_through), with
    what the panel shows."""
    return (
        _seen_through(visible)
        .filter(
            Q(incident=incident) | (Q(earlier=incident) & ~Q(status=Recurrence.Status.DISMISSED))
        )
        .select_related("incident", "earlier", "earlier__postmortem", "decided_by")
        .only(*_SHOWN)
    )


# Read on every page of an incident: compiled once per process (lib/prepared.py).
_ANY = Prepared(
    lambda incident: (
        Recurrence.objects.filter(Q(incident=incident) | Q(earlier=incident))
        .values_list("pk", flat=True)
        .order_by()[:1]
    )
)
_BOTH_SIDES = Prepared(
    lambda user, incident: _both_sides(incident, partial(viewer_filter, user, admin=False))
)
_BOTH_SIDES_FOR_ADMINS = Prepared(
    lambda incident: _both_sides(incident, partial(viewer_filter, 0, admin=True))
)


def recurrences_for_incident(*, incident: Incident, user: User) -> IncidentRecurrences:
    """Both directions in one statement (the unique pair index and pm_recurrence_earlier
    answer it); what the two share in one more (attach_shared), and the earlier review's
    items only when there is an earlier side.

    Most incidents have no recurrence: a bare existence check answers them first, in
    one statement that costs a tenth of building the visibility filters of both sides
    (bench/README.md, "Editor speed")."""
    if not _ANY(incident=incident.pk):
        return IncidentRecurrences(of=[], recurred_as=[])
    if is_admin(user):
        rows = _BOTH_SIDES_FOR_ADMINS(incident=incident.pk)
    else:
        rows = _BOTH_SIDES(user=user.pk, incident=incident.pk)
    attach_shared(rows)
    of = [r for r in rows if r.incident_id == incident.pk]
    if of:
        prefetch_related_objects(of, *_details())
    recurred_as = sorted(
        (r for r in rows if r.earlier_id == incident.pk),
        key=lambda r: (-r.incident.started_at.timestamp(), r.pk),
    )
    return IncidentRecurrences(of=of, recurred_as=recurred_as)


def recurrence_for_user(*, incident: Incident, user: User, code: str) -> Recurrence:
    """One recurrence of `incident` (the later one) whose earlier incident `user` may
    see; DoesNotExist otherwise (the views and the API answer 404)."""
    recurrence = _with_details(visible_recurrences(user).filter(incident=incident)).get(code=code)
    attach_shared([recurrence])
    return recurrence


def recurred_incident_ids(*, user: User, incident_ids: list[int]) -> set[int]:
    """Which of `incident_ids` have a confirmed recurrence `user` may see."""
    if not incident_ids:
        return set()
    return set(
        visible_recurrences(user)
        .filter(earlier_id__in=incident_ids, status=Recurrence.Status.CONFIRMED)
        .values_list("earlier_id", flat=True)
    )


def recurred_incidents(user: User) -> QuerySet:
    """Ids of the incidents with a confirmed recurrence `user` may see, as a subquery."""
    return visible_recurrences(user).filter(status=Recurrence.Status.CONFIRMED).values("earlier_id")


@dataclass
class ServiceRecurrences:
    service: Service
    count: int
    latest: list[Recurrence]


LATEST_PER_SERVICE = 3


def confirmed_by_service(
    *, user: User | None, teams: list[Team] | None, since: datetime, limit: int = 10
) -> list[ServiceRecurrences]:
    """Confirmed recurrences whose later incident started since `since`, per shared
    service (a recurrence sharing two services counts under each), most first, with
    the latest few of each. `teams` None: every team; `user` None: no visibility
    filter (the dashboard's scope sees everything, insights/permissions.py). Two
    statements: the counts, then the latest recurrences of the services shown."""
    if user is not None:
        seen = visible_recurrences(user)
    else:
        seen = Recurrence.objects.filter(
            incident__deleted_at__isnull=True, earlier__deleted_at__isnull=True
        )
    confirmed = seen.filter(status=Recurrence.Status.CONFIRMED, incident__started_at__gte=since)
    if teams is not None:
        confirmed = confirmed.filter(incident__team__in=teams)
    links = Recurrence.services.through.objects.filter(recurrence__in=confirmed.values("pk"))
    counts = list(
        links.values("service_id", "service__name", "service__slug")
        .annotate(n=Count("recurrence_id"))
        .order_by("-n", "service__name")[:limit]
    )
    if not counts:
        return []
    rows = (
        links.filter(service_id__in=[c["service_id"] for c in counts])
        .select_related("recurrence__incident", "recurrence__earlier")
        .order_by("-recurrence__incident__started_at", "pk")
    )
    latest: dict[int, list[Recurrence]] = {}
    for link in rows:
        found = latest.setdefault(link.service_id, [])
        if len(found) < LATEST_PER_SERVICE:
            found.append(link.recurrence)
    return [
        ServiceRecurrences(
            service=Service(pk=c["service_id"], name=c["service__name"], slug=c["service__slug"]),
            count=c["n"],
            latest=latest.get(c["service_id"], []),
        )
        for c in counts
    ]

"""Who may see and change what. Every view asks these helpers, one per object type.

Rules:
- Every page requires a signed-in user (LoginRequiredMiddleware).
- Anyone signed in reads unrestricted incidents and their postmortems.
- Restricted incidents are visible only to the owning team, the incident owner,
  the postmortem authors and admins; for everyone else they do not exist (404).
- Members of the owning team, the incident owner, the postmortem authors and
  admins may edit. Others who can see the incident get 403 when they try.
"""

from typing import cast
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Exists,
    OuterRef,
    Q,
    QuerySet,
    When,
)
from django.db.models.functions import Cast
from django.http import Http404

from accounts.http import AuthenticatedHttpRequest
from accounts.models import Membership, Team, User
from lib.prepared import Prepared
from postmortems.models.actions import ActionItem
from postmortems.models.catalog import Tag
from postmortems.models.comments import ReviewComment
from postmortems.models.incidents import Incident, not_deleted
from postmortems.models.reviews import Postmortem, TimelineEvent


def is_admin(user: User) -> bool:
    return user.is_active and user.is_superuser


def _may_see(user: User | int, *, restricted: str, team: str, owner: str, authored: dict) -> Q:
    """The rule of the module docstring for a user who is not an admin, written once
    for wherever an incident's restricted flag, team and owner are stored: `restricted`,
    `team` and `owner` name those columns, and `authored` filters the review's authors
    (Postmortem.authors' through-table) down to the review of the row at hand."""
    # Q | Exists is a Q (Django combines conditional expressions); the stubs say Combinable.
    return cast(
        Q,
        Q(**{restricted: False})
        | Q(**{f"{team}__in": Membership.objects.filter(user=user).values("team")})
        | Q(**{owner: user})
        | Exists(Postmortem.authors.through.objects.filter(user=user, **authored)),
    )


def visibility_filter(user: User, *, prefix: str = "") -> Q:
    """What `user` may see, as a filter on incidents or on rows pointing at one.

    `prefix` is the path to the incident ("incident__" for postmortems,
    "postmortem__incident__" for action items). Used by every list, search,
    count, facet and feed, so a restricted incident leaks through none of them.
    Deleted incidents are visible to nobody, admins included (they use the admin).
    """
    return viewer_filter(user.pk, admin=is_admin(user), prefix=prefix)


def viewer_filter(user_id: int, *, admin: bool, prefix: str = "") -> Q:
    """visibility_filter for the person with this id, an admin or not: for statements
    compiled once per process (lib/prepared.py), whose values are ids."""
    live = not_deleted(prefix)
    if admin:
        return live
    pk = OuterRef(f"{prefix}pk") if prefix else OuterRef("pk")
    return live & _may_see(
        user_id,
        restricted=f"{prefix}restricted",
        team=f"{prefix}team",
        owner=f"{prefix}owner",
        authored={"postmortem__incident": pk},
    )


def search_entry_visibility_filter(user: User) -> Q:
    """visibility_filter's rule on the archive's narrow SearchEntry rows, which carry a
    copy of their incident's restricted flag, team and owner (postmortems/services/search_index.py
    writes them, and leaves deleted incidents out of the index)."""
    if is_admin(user):
        return Q()
    return _may_see(
        user,
        restricted="restricted",
        team="team",
        owner="owner",
        authored={"postmortem_id": OuterRef("postmortem_id")},
    )


def about_visible_filter(user: User, *paths: str) -> Q:
    """For logs and outboxes whose rows may point at an incident (each of `paths` is a
    nullable path to one, e.g. "incident", "postmortem__incident"): the row points at
    none, or `user` may see every one it points at (visibility_filter)."""
    condition = Q()
    for path in paths:
        condition &= Q(**{f"{path}__isnull": True}) | visibility_filter(user, prefix=f"{path}__")
    return condition


def about_visible(user: User, *paths: str) -> Case:
    """about_visible_filter as an annotation, for staff pages that list every row (the
    outbox, the delivery log) but must not show what they say about an incident the
    viewer may not see."""
    if is_admin(user):
        return Case(default=True, output_field=BooleanField())
    return Case(
        When(about_visible_filter(user, *paths), then=True),
        default=False,
        output_field=BooleanField(),
    )


# Audit events name their target by model label and id (audit/services.py).
_AUDIT_TARGETS = {
    "postmortems.incident": (Incident, ""),
    "postmortems.postmortem": (Postmortem, "incident__"),
    "postmortems.actionitem": (ActionItem, "postmortem__incident__"),
    "postmortems.timelineevent": (TimelineEvent, "postmortem__incident__"),
}


def audit_visibility_filter(user: User) -> Q:
    """Audit events about an incident, its review, items or timeline: visible when
    the target still exists and `user` may see its incident (visibility_filter); those
    about deleted ones (whose incident can no longer be told) only to admins. Events
    of other kinds (sign-ins, people, teams, tokens) are not restricted here."""
    if is_admin(user):
        return Q()
    condition = Q()
    for label, (model, prefix) in _AUDIT_TARGETS.items():
        visible = (
            model._base_manager.filter(visibility_filter(user, prefix=prefix))
            .annotate(key=Cast("pk", CharField()))
            .values("key")
        )
        condition &= ~Q(target_type=label) | Q(target_id__in=visible)
    return condition


def visible_incidents(user: User) -> QuerySet[Incident]:
    return Incident.objects.filter(visibility_filter(user))


def tag_visibility_filter(user: User) -> Q:
    """Tags are made by typing them on a review, so a tag's name says what its reviews
    are about: visible when it is on a review `user` may see (visibility_filter), or on
    none at all (made in the admin, or left over). A tag used only on restricted reviews
    is, for everyone else, like those reviews: not there."""
    if is_admin(user):
        return Q()
    on_visible = Postmortem.objects.filter(
        visibility_filter(user, prefix="incident__"), tags=OuterRef("pk")
    )
    on_any = Postmortem.tags.through.objects.filter(tag=OuterRef("pk"))
    return Exists(on_visible) | ~Exists(on_any)


def visible_tags(user: User) -> QuerySet[Tag]:
    return Tag.objects.filter(tag_visibility_filter(user))


def can_see_incident(user: User, incident: Incident) -> bool:
    """visibility_filter for one incident (a query only for restricted ones)."""
    if not incident.restricted and incident.deleted_at is None:
        return True
    return visible_incidents(user).filter(pk=incident.pk).exists()


def can_edit_incident(user: User, incident: Incident) -> bool:
    """No query for admins and the incident's owner; else one (a member of the owning
    team, or an author of its review)."""
    if is_admin(user) or incident.owner_id == user.pk:
        return True
    return bool(_EDITS(user=user.pk, team=incident.team_id, incident=incident.pk))


def _edits(user: int, team: int, incident: int) -> QuerySet[User]:
    member = Membership.objects.filter(user=user, team_id=team)
    author = Postmortem.authors.through.objects.filter(postmortem__incident=incident, user=user)
    return User.objects.filter(pk=user).filter(Exists(member) | Exists(author)).only("pk")[:1]


# Read on every page of an incident, so compiled once per process (lib/prepared.py).
_EDITS = Prepared(_edits)
_BY_NUMBER = Prepared(
    lambda number: Incident.objects.filter(not_deleted(), number=number).select_related(
        "team", "owner", "postmortem"
    )
)


def get_incident_for_user(
    request: AuthenticatedHttpRequest, number: int, *, write: bool = False
) -> Incident:
    """The incident numbered `number` if `request.user` may see it, with `can_edit`;
    404 if not, 403 if `write` and they may not edit it. Asked of the row read by
    number (no visibility subqueries to build): whoever edits an incident sees it (the
    rules above), and can_see_incident answers for the others (a query only for a
    restricted incident)."""
    found = _BY_NUMBER(number=number)  # numbers are unique
    if not found:
        raise Http404("No such incident.")
    incident = found[0]
    incident.can_edit = can_edit_incident(request.user, incident)
    if not incident.can_edit and not can_see_incident(request.user, incident):
        raise Http404("No such incident.")
    if write and not incident.can_edit:
        raise PermissionDenied("Only the owning team, the incident owner and the authors edit.")
    return incident


def can_delete_incident(user: User) -> bool:
    """Deleting hides an incident from everyone, its team included: admins only (they
    also restore it, in the admin, for RESTORE_DAYS)."""
    return is_admin(user)


def get_incident_for_deletion(request: AuthenticatedHttpRequest, number: int) -> Incident:
    """404 for those who may not see the incident, 403 for everyone but admins."""
    incident = get_incident_for_user(request, number)
    if not can_delete_incident(request.user):
        raise PermissionDenied("Only admins delete incidents.")
    return incident


def get_postmortem_for_user(
    request: AuthenticatedHttpRequest, number: int, *, write: bool = False
) -> Postmortem:
    incident = get_incident_for_user(request, number, write=write)
    try:
        postmortem = incident.postmortem  # joined by get_incident_for_user
    except Postmortem.DoesNotExist:
        raise Http404("This incident has no postmortem yet.") from None
    postmortem.can_edit = incident.can_edit
    return postmortem


def get_timeline_event_for_user(
    request: AuthenticatedHttpRequest, number: int, code: UUID, *, write: bool = True
) -> TimelineEvent:
    postmortem = get_postmortem_for_user(request, number, write=write)
    try:
        event = TimelineEvent.objects.get(postmortem=postmortem, code=code)
    except TimelineEvent.DoesNotExist:
        raise Http404("No such timeline event.") from None
    event.postmortem = postmortem
    return event


def get_action_item_for_user(
    request: AuthenticatedHttpRequest,
    number: int,
    code: UUID,
    *,
    write: bool = True,
    owner_writes: bool = False,
) -> ActionItem:
    """With `owner_writes`, the item's owner writes too, as the review's editors do
    (recording a fix's outcome, moving its verification date): an owner outside the
    owning team would otherwise be told their own item is not theirs to report on."""
    postmortem = get_postmortem_for_user(request, number, write=write and not owner_writes)
    try:
        item = ActionItem.objects.select_related("owner").get(postmortem=postmortem, code=code)
    except ActionItem.DoesNotExist:
        raise Http404("No such action item.") from None
    if write and owner_writes and not postmortem.can_edit and item.owner_id != request.user.pk:
        raise PermissionDenied("Only the item's owner and those who edit the review record this.")
    item.postmortem = postmortem
    return item


def get_comment_for_user(
    request: AuthenticatedHttpRequest, number: int, code: UUID, *, write: bool = True
) -> ReviewComment:
    """Readers post comments; resolving one is writing (authors and editors)."""
    postmortem = get_postmortem_for_user(request, number, write=write)
    try:
        comment = ReviewComment.objects.get(postmortem=postmortem, code=code)
    except ReviewComment.DoesNotExist:
        raise Http404("No such comment.") from None
    comment.postmortem = postmortem
    return comment


def get_team_for_user(request: AuthenticatedHttpRequest, slug: str) -> Team:
    """A team's settings: its leads and admins. Members get 403; for everyone else
    the team is not confirmed to exist (404)."""
    user = request.user
    team = Team.objects.filter(slug=slug).first()
    if team is None:
        raise Http404("No such team.")
    if is_admin(user):
        return team
    role = Membership.objects.filter(user=user, team=team).values_list("role", flat=True).first()
    if role is None:
        raise Http404("No such team.")
    if role != Membership.Role.LEAD:
        raise PermissionDenied("Only the team's leads change its settings.")
    return team

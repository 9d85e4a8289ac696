from datetime import datetime

from django.db import transaction
from django.http import HttpRequest

from accounts.models import Membership, Team, User
from audit.models import AuditEvent
from audit.services import audit_record


def user_update_profile(*, user: User, **fields) -> User:
    for name, value in fields.items():
        setattr(user, name, value)
    user.full_clean()
    user.save(update_fields=list(fields))
    return user


def user_stop_digests(*, user: User) -> None:
    User.objects.filter(pk=user.pk).update(receive_digests=False)


# Team memberships: written by hand in the admin and by single sign-on
# (accounts/sso/services.py). Both go through these, so each change is one audit row,
# whoever makes it. `by` is None for single sign-on; `audit_details` adds to the row
# (single sign-on names its provider).


def _audit_membership(
    action: str,
    membership: Membership,
    *,
    by: User | None,
    request: HttpRequest | None,
    audit_details: dict[str, object] | None,
    **details: object,
) -> None:
    audit_record(
        action=action,
        actor=by,
        target=membership,
        request=request,
        team=membership.team.slug,
        user=membership.user.email,
        **details,
        **(audit_details or {}),
    )


@transaction.atomic
def membership_create(
    *,
    user: User,
    team: Team,
    role: str,
    by: User | None,
    source: str = Membership.Source.MANUAL,
    joined_at: datetime | None = None,
    request: HttpRequest | None = None,
    audit_details: dict[str, object] | None = None,
) -> Membership:
    membership = Membership(user=user, team=team, role=role, source=source)
    if joined_at is not None:
        membership.joined_at = joined_at
    membership.save(force_insert=True)
    _audit_membership(
        AuditEvent.Action.MEMBERSHIP_CREATED,
        membership,
        by=by,
        request=request,
        audit_details=audit_details,
        role=role,
    )
    return membership


@transaction.atomic
def membership_update(
    *,
    membership: Membership,
    by: User | None,
    role: str | None = None,
    source: str | None = None,
    joined_at: datetime | None = None,
    request: HttpRequest | None = None,
    audit_details: dict[str, object] | None = None,
) -> Membership:
    """Change a membership's role, source or start; a new role is audited with the
    old one (read from the locked row, not from what the caller loaded)."""
    old_role = (
        Membership.objects.select_for_update().values_list("role", flat=True).get(pk=membership.pk)
    )
    changes = {"role": role, "source": source, "joined_at": joined_at}
    fields = [name for name, value in changes.items() if value is not None]
    for name in fields:
        setattr(membership, name, changes[name])
    if fields:
        membership.save(update_fields=fields)
    if role is not None and role != old_role:
        _audit_membership(
            AuditEvent.Action.MEMBERSHIP_ROLE_CHANGED,
            membership,
            by=by,
            request=request,
            audit_details=audit_details,
            old_role=old_role,
            role=role,
        )
    return membership


@transaction.atomic
def membership_delete(
    *,
    membership: Membership,
    by: User | None,
    request: HttpRequest | None = None,
    audit_details: dict[str, object] | None = None,
) -> None:
    _audit_membership(
        AuditEvent.Action.MEMBERSHIP_DELETED,
        membership,
        by=by,
        request=request,
        audit_details=audit_details,
        role=membership.role,
    )
    # Not membership.delete(): it clears the pk even if the transaction rolls back.
    Membership.objects.filter(pk=membership.pk).delete()

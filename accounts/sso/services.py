"""The writes a single sign-on makes: the account, its display name, the team
memberships the identity provider's groups map to, and the audit log entries.

Memberships carry their source. Those single sign-on made (source "sso") follow the
groups at every sign-in: added when a mapped group appears, their role changed when
the lead group comes or goes, removed when no mapped group asks for the team any
more. Memberships added by hand (source "manual") are never changed or removed by a
sign-in, even when the groups say otherwise; an admin turns one into a managed one by
deleting it (the next sign-in adds it back from the groups) or the other way by
setting its source to "Added by hand".
"""

import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest

from accounts.models import Membership, Team, User
from accounts.services import membership_create, membership_delete, membership_update
from accounts.sso.claims import SsoIdentity, wanted_memberships
from audit.models import AuditEvent
from audit.services import AuditTarget, audit_record

logger = logging.getLogger(__name__)


class SsoRefused(Exception):
    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


def _user_create(*, identity: SsoIdentity) -> User:
    try:
        # A savepoint: two first sign-ins at once both try to create the account.
        with transaction.atomic():
            # No usable password: this person signs in through the identity provider.
            user = User.objects.create_user(
                email=identity.email, password=None, display_name=identity.display_name
            )
    except IntegrityError:
        return User.objects.get(email__iexact=identity.email)
    audit_record(
        action=AuditEvent.Action.USER_CREATED,
        actor=None,
        target=user,
        method="sso",
        provider=identity.provider_id,
        is_staff=False,
        is_superuser=False,
    )
    return user


@transaction.atomic
def sso_user_sign_in(*, identity: SsoIdentity, linked_user: User | None) -> User:
    """The account this identity signs in to: the one already linked to it, else the
    one with its (verified) email address, else a new one. Raises SsoRefused."""
    user = linked_user or User.objects.filter(email__iexact=identity.email).first()
    if user is None:
        user = _user_create(identity=identity)
    if not user.is_active:
        raise SsoRefused(
            "inactive", "This account is deactivated. Ask an admin if you need it again."
        )
    if identity.display_name and user.display_name != identity.display_name:
        user.display_name = identity.display_name
        user.save(update_fields=["display_name"])
    if settings.SSO_TEAM_MAP:
        if identity.groups is None:
            logger.warning(
                "%s sent no %r claim for %s (too many groups?); memberships unchanged",
                identity.provider_id,
                settings.SSO_TEAM_CLAIM,
                identity.email,
            )
        else:
            memberships_sync_from_sso(
                user=user,
                wanted=wanted_memberships(identity.groups),
                provider_id=identity.provider_id,
            )
    return user


def memberships_sync_from_sso(*, user: User, wanted: dict[str, str], provider_id: str) -> None:
    """Make the user's single sign-on memberships what `wanted` (team slug -> role)
    says; memberships added by hand stay as they are. Teams that do not exist are
    skipped (the map names them; an admin creates them)."""
    teams = {team.slug: team for team in Team.objects.filter(slug__in=wanted)}
    for slug in sorted(wanted.keys() - teams.keys()):
        logger.warning("SSO_TEAM_MAP names the team %r, which does not exist", slug)
    current = {
        m.team.slug: m
        for m in Membership.objects.select_for_update()
        .select_related("team", "user")
        .filter(user=user)
    }
    audited: dict[str, object] = {"source": "sso", "provider": provider_id}
    for slug, team in sorted(teams.items()):
        role = wanted[slug]
        membership = current.get(slug)
        if membership is None:
            membership_create(
                user=user,
                team=team,
                role=role,
                source=Membership.Source.SSO,
                by=None,
                audit_details=audited,
            )
        elif membership.source == Membership.Source.SSO and membership.role != role:
            membership_update(membership=membership, role=role, by=None, audit_details=audited)
    for slug, membership in sorted(current.items()):
        if membership.source == Membership.Source.SSO and slug not in teams:
            membership_delete(membership=membership, by=None, audit_details=audited)


def sso_sign_in_refused(
    *, request: HttpRequest, provider_id: str, reason: str, email: str = ""
) -> None:
    """A failed or refused single sign-on, for the audit log: which provider, why, and
    the address it was for when the provider got as far as naming one."""
    user = User.objects.filter(email__iexact=email).only("pk").first() if email else None
    audit_record(
        action=AuditEvent.Action.LOGIN_FAILED,
        actor=None,
        target=AuditTarget("accounts.user", str(user.pk) if user else "", email),
        request=request,
        username=email,
        method="sso",
        provider=provider_id,
        reason=reason,
    )

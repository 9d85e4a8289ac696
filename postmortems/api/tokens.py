"""Personal API tokens: create (the secret is returned once), revoke, note their use."""

import secrets
from datetime import datetime, timedelta

from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from postmortems.api.models import ApiToken, hash_secret

TOKEN_PREFIX = "pmt_"
VISIBLE_CHARS = 12  # "pmt_" and 8 random characters: enough to tell tokens apart
# last_used_at is a hint for people ("used 3 days ago"), not an audit log: writing it on
# every request would turn each API read into a write.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def api_token_create(*, user: User, name: str, scope: str) -> tuple[ApiToken, str]:
    """A new token for `user`. Returns the row and the secret, which is stored nowhere."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user=user,
        name=name.strip(),
        scope=scope,
        prefix=secret[:VISIBLE_CHARS],
        secret_hash=hash_secret(secret),
        created_at=timezone.now(),
    )
    token.full_clean()
    token.save(force_insert=True)
    return token, secret


def api_token_revoke(*, token: ApiToken) -> ApiToken:
    """Revoke for good; revoking twice keeps the first time."""
    now = timezone.now()
    if ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=now):
        token.revoked_at = now
    return token


def api_token_touch(*, token: ApiToken, now: datetime) -> bool:
    """Record that `token` was used, unless that was recorded less than a minute ago.

    The check is in the UPDATE's condition, so requests at the same moment write the
    row once between them, and requests within the minute do not write at all.
    """
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_RESOLUTION:
        return False
    stale = Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - LAST_USED_RESOLUTION)
    touched = ApiToken.objects.filter(stale, pk=token.pk).update(last_used_at=now)
    if touched:
        token.last_used_at = now
    return bool(touched)

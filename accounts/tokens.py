"""Signed tokens for links in emails (no login needed to use them)."""

from django.core import signing

from accounts.models import User

_UNSUBSCRIBE_SALT = "accounts.unsubscribe-digests"


def _signer() -> signing.Signer:
    # No timestamp: an unsubscribe link in an old email must keep working.
    return signing.Signer(salt=_UNSUBSCRIBE_SALT)


def unsubscribe_token(user: User) -> str:
    return _signer().sign_object({"user": user.pk})


def user_from_unsubscribe_token(token: str) -> User | None:
    try:
        data = _signer().unsign_object(token)
    except signing.BadSignature:
        return None
    return User.objects.filter(pk=data.get("user"), is_active=True).first()


# Personal feed links: feed readers cannot sign in, so the link itself names the
# user and what the feed follows. No timestamp: a subscription must keep working.
# Anyone holding the link reads what its user may read; deactivating the user (or
# rotating SECRET_KEY) is what revokes it.
_FEED_SALT = "accounts.feed"
FEED_SCOPE_KEYS = frozenset({"team", "service", "tag"})


def _feed_signer() -> signing.Signer:
    return signing.Signer(salt=_FEED_SALT)


def _valid_scope(scope: object) -> bool:
    """{} (everything) or exactly one of team/service/tag mapped to a slug."""
    if not isinstance(scope, dict) or len(scope) > 1:
        return False
    return all(key in FEED_SCOPE_KEYS and isinstance(v, str) and v for key, v in scope.items())


def feed_token(user: User, scope: dict[str, str]) -> str:
    if not _valid_scope(scope):
        raise ValueError(f"Not a feed scope: {scope!r}")
    return _feed_signer().sign_object({"user": user.pk, "scope": scope})


def feed_scope_from_token(token: str) -> tuple[User, dict[str, str]] | None:
    """The active user and the scope a feed token names; None if it is not genuine."""
    try:
        data = _feed_signer().unsign_object(token)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not _valid_scope(data.get("scope")):
        return None
    user_pk = data.get("user")
    if user_pk is None:
        return None
    user = User.objects.filter(pk=user_pk, is_active=True).first()
    return (user, data["scope"]) if user else None

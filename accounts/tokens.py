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

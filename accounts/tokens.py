"""Signed tokens for links in emails (no login needed to use them)."""

from django.core import signing

from accounts.models import User

_UNSUBSCRIBE_SALT = "accounts.unsubscribe-digests"


def unsubscribe_token(user: User) -> str:
    return signing.dumps({"user": user.pk}, salt=_UNSUBSCRIBE_SALT, compress=True)


def user_from_unsubscribe_token(token: str) -> User | None:
    try:
        data = signing.loads(token, salt=_UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    return User.objects.filter(pk=data.get("user"), is_active=True).first()

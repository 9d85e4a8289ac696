"""Reads of API tokens: a person's list, the token a secret names."""

from django.db.models import (
    F,
    QuerySet,
)

from accounts.models import User
from postmortems.api.models import ApiToken, hash_secret


def api_tokens_of(user: User) -> QuerySet[ApiToken]:
    """The profile page's list: active tokens first, then the revoked ones."""
    return ApiToken.objects.filter(user=user).order_by(
        F("revoked_at").desc(nulls_first=True), "-created_at"
    )


def api_token_for_secret(secret: str) -> ApiToken | None:
    """The active token whose hash matches, with its (active) user; None otherwise."""
    return (
        ApiToken.objects.select_related("user")
        .filter(secret_hash=hash_secret(secret), revoked_at__isnull=True, user__is_active=True)
        .first()
    )

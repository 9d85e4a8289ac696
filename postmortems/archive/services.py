"""Writes of the archive: following a service or a tag."""

from typing import Any

from accounts.models import User
from postmortems.archive.models import Subscription
from postmortems.models.catalog import Service, Tag


def subscription_set(
    *, user: User, service: Service | None = None, tag: Tag | None = None, following: bool
) -> None:
    """Follow (idempotent) or unfollow a service or a tag."""
    target: dict[str, Any] = {"service": service} if service else {"tag": tag}
    if following:
        Subscription.objects.get_or_create(user=user, **target)
    else:
        Subscription.objects.filter(user=user, **target).delete()

"""Subscriptions: who follows which service or tag in the archive."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Subscription(models.Model):
    """Someone follows a service (and its child services) or a tag: they are emailed
    when a review touching it is published."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="subscriptions"
    )
    service = models.ForeignKey(
        "postmortems.Service", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    tag = models.ForeignKey(
        "postmortems.Tag", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(service__isnull=True, tag__isnull=False)
                | Q(service__isnull=False, tag__isnull=True),
                name="postmortems_subscription_one_target",
            ),
            models.UniqueConstraint(
                fields=["user", "service"],
                condition=Q(service__isnull=False),
                name="postmortems_subscription_unique_service",
            ),
            models.UniqueConstraint(
                fields=["user", "tag"],
                condition=Q(tag__isnull=False),
                name="postmortems_subscription_unique_tag",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} follows {self.service or self.tag}"

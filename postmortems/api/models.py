import hashlib
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


def hash_secret(secret: str) -> str:
    """What is stored of a token, and what a presented token is looked up by."""
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiToken(models.Model):
    """A personal token for the JSON API (postmortems/api/).

    Only the SHA-256 of the token is stored; the token itself is shown once, when it
    is created. Tokens are 32 random bytes, so an unsalted hash is enough: there is
    nothing to guess from a dictionary. `prefix` (the first characters) lets people
    tell their tokens apart on the profile page.
    """

    class Scope(models.TextChoices):
        READ = "read", "Read only"
        READ_WRITE = "read-write", "Read and write"

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100, help_text="What uses it, e.g. “PagerDuty sync”.")
    scope = models.CharField(max_length=10, choices=Scope, default=Scope.READ)
    prefix = models.CharField(max_length=16, editable=False)
    # Unique, so also the index that authenticating a request looks the hash up in.
    secret_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    # Updated at most once a minute (services/api_tokens.py), not on every request.
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(scope__in=["read", "read-write"]),
                name="postmortems_apitoken_scope_valid",
            ),
        ]
        indexes = [
            # The profile page lists a person's tokens, newest first.
            models.Index(fields=["user", "-created_at"], name="pm_apitoken_user_created"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @property
    def can_write(self) -> bool:
        return self.scope == self.Scope.READ_WRITE

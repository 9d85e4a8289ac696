"""Personal API tokens and the API's idempotency keys."""

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
    # Updated at most once a minute (api/tokens.py), not on every request.
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


class ApiIdempotencyKey(models.Model):
    """One `Idempotency-Key` a token sent with a create (postmortems/api/idempotency.py).

    The row is inserted before the create runs (the claim: a second request with the
    same key meets the unique constraint), and gets the answer in the same transaction
    as the create, so a committed create always has its stored answer and an answer
    is never stored for a create that was rolled back. Rows older than KEEP are pruned
    hourly (api/idempotency_store.py).
    """

    token = models.ForeignKey(
        "postmortems.ApiToken",
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,  # the unique constraint starts with the token
    )
    key = models.CharField(max_length=255)
    # "POST /api/v1/incidents": the same key on another endpoint is a mistake (422).
    endpoint = models.CharField(max_length=300)
    # SHA-256 of the body (its JSON, keys sorted): the same key with another body is 422.
    fingerprint = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    # Null while the first request is in flight (a second one answers 409).
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["token", "key"], name="postmortems_apiidempotencykey_unique_key"
            ),
        ]
        indexes = [
            # The hourly prune deletes by age.
            models.Index(fields=["created_at"], name="pm_idempotency_created"),
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.endpoint})"

from django.db import models
from django.utils import timezone


class ApiIdempotencyKey(models.Model):
    """One `Idempotency-Key` a token sent with a create (postmortems/api/idempotency.py).

    The row is inserted before the create runs (the claim: a second request with the
    same key meets the unique constraint), and gets the answer in the same transaction
    as the create, so a committed create always has its stored answer and an answer
    is never stored for a create that was rolled back. Rows older than KEEP are pruned
    hourly (services/idempotency.py).
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

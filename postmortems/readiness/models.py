"""Which readiness checks each severity requires before publishing."""

from django.db import models
from django.utils import timezone

from postmortems.models.incidents import Severity


class ReadinessPolicy(models.Model):
    """Which readiness checks must pass before a postmortem of one severity is published.

    Without a row for a severity, postmortems/readiness/checks.py uses its DEFAULT_REQUIRED.
    Checks not listed still run and show as advisory.
    """

    severity = models.CharField(max_length=4, choices=Severity)
    # Names from the registry in postmortems/readiness/checks.py; unknown names are ignored,
    # so removing a check from the code never breaks publishing.
    required_checks = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name_plural = "readiness policies"
        ordering = ["severity"]
        constraints = [
            models.UniqueConstraint(
                fields=["severity"], name="postmortems_readinesspolicy_one_per_severity"
            ),
        ]

    def __str__(self) -> str:
        return f"Readiness policy for {self.severity}"

from django.conf import settings
from django.db import models


def created_by_field() -> models.ForeignKey:
    """Who created a row: kept when that person is deleted, optional for imports."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )

from django.db import models


class Service(models.Model):
    """A system that incidents affect. Services nest (checkout -> payments API)."""

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(parent=models.F("pk")),
                name="postmortems_service_not_own_parent",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Tag(models.Model):
    name = models.CharField(max_length=50, unique=True)
    slug = models.SlugField(max_length=50, unique=True)

    # Not a column: set on the rows of the tag list (archive/browse_views.py).
    feed_url: str

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

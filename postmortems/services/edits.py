"""Optimistic concurrency: a save never silently overwrites someone else's edit.

Every editable row carries a `revision`. A form remembers the revision it was
loaded at; the save is a conditional UPDATE on that revision. When another save
came first, nothing is written and EditConflict carries the current row, so the
page can show both versions and keep what this user typed.
"""

from django.db.models import F
from django.utils import timezone

from postmortems.models.actions import ActionItem
from postmortems.models.incidents import Incident
from postmortems.models.reviews import TimelineEvent

# The rows that carry a `revision`.
Revisioned = Incident | TimelineEvent | ActionItem


class EditConflict(Exception):
    def __init__(self, current: Revisioned) -> None:
        super().__init__("Someone else saved a newer version first.")
        self.current = current


def save_if_unchanged(
    instance: Revisioned, *, expected_revision: int, fields: list[str], touch: bool = False
) -> None:
    """UPDATE `fields` of `instance` only if its revision is still `expected_revision`."""
    values = {name: getattr(instance, name) for name in fields}
    if touch:
        assert not isinstance(instance, TimelineEvent)  # it has no updated_at
        instance.updated_at = values["updated_at"] = timezone.now()
    model = type(instance)
    updated = model.objects.filter(pk=instance.pk, revision=expected_revision).update(
        revision=F("revision") + 1, **values
    )
    if not updated:
        raise EditConflict(model.objects.get(pk=instance.pk))
    instance.revision = expected_revision + 1

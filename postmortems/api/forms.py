"""The pages' forms, with teams, people and services named by their public keys.

The API parses input with the same forms as the pages (postmortems/forms.py), so both
accept and refuse exactly the same things. Only the lookups differ: a team by its slug,
a person by their email address, a service by its slug, never by database ids.

A PATCH names only what changes: `form_data()` starts from the object as saved and
lays the request's fields over it, and the form then checks the whole.
"""

from typing import Any, cast

from django import forms

from postmortems.forms import ActionItemForm, IncidentForm, TimelineEventForm
from postmortems.models.incidents import Incident
from postmortems.models.reviews import TimelineEvent
from postmortems.services.edits import Revisioned


def _by_public_key(form: forms.BaseForm, **keys: str) -> None:
    for name, key in keys.items():
        cast(forms.ModelChoiceField, form.fields[name]).to_field_name = key


class IncidentApiForm(IncidentForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _by_public_key(self, team="slug", owner="email", services="slug")


class ActionItemApiForm(ActionItemForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _by_public_key(self, owner="email")


def _value(instance: Revisioned, name: str) -> Any:
    if name == "team" and isinstance(instance, Incident):
        return instance.team.slug
    if name == "owner" and not isinstance(instance, TimelineEvent):
        return instance.owner.email if instance.owner else None
    if name == "services" and isinstance(instance, Incident):
        return [service.slug for service in instance.services.all()]
    return getattr(instance, name)


def form_data(
    form_class: type[IncidentForm | ActionItemForm | TimelineEventForm],
    instance: Revisioned | None,
    changes: dict,
) -> dict:
    """The form's input: the saved values of `instance` (if any), then `changes`."""
    data: dict[str, Any] = {}
    if instance is not None:
        data = {name: _value(instance, name) for name in form_class.Meta.fields}
        data["revision"] = instance.revision
    data.update(changes)
    return data

"""The pages' forms, with teams, people and services named by their public keys.

The API parses input with the same forms as the pages (postmortems/forms.py), so both
accept and refuse exactly the same things. Only the lookups differ: a team by its slug,
a person by their email address, a service by its slug, never by database ids.

A PATCH names only what changes: `form_data()` starts from the object as saved and
lays the request's fields over it, and the form then checks the whole.
"""

from typing import Any

from django import forms
from django.db import models

from postmortems.forms import ActionItemForm, IncidentForm


def _by_public_key(form: forms.BaseForm, **keys: str) -> None:
    for name, key in keys.items():
        form.fields[name].to_field_name = key


class IncidentApiForm(IncidentForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _by_public_key(self, team="slug", owner="email", services="slug")


class ActionItemApiForm(ActionItemForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _by_public_key(self, owner="email")


def _value(instance: models.Model, name: str) -> Any:
    if name == "team":
        return instance.team.slug
    if name == "owner":
        return instance.owner.email if instance.owner_id else None
    if name == "services":
        return [service.slug for service in instance.services.all()]
    return getattr(instance, name)


def form_data(
    form_class: type[forms.ModelForm], instance: models.Model | None, changes: dict
) -> dict:
    """The form's input: the saved values of `instance` (if any), then `changes`."""
    data = {}
    if instance is not None:
        data = {name: _value(instance, name) for name in form_class.Meta.fields}
        data["revision"] = instance.revision
    data.update(changes)
    return data

"""Form fields that pick people: action item owners, incident owners, review authors.

An organisation has hundreds of active people, and one page can hold several such
fields (the editor's authors and new action item owner). Django's `Select` renders
each `<option>` through the template engine, after building a model instance and
an attribute dict for it: with hundreds of people, most of an editor page's time.
These fields read the people as plain rows (`values_list`) and render the options
with `FlatSelect` (accounts/widgets.py): the same HTML at a fraction of the cost
(bench/README.md, "People pickers and long selects", has the numbers).

Validation is Django's own (`ModelChoiceField` looks the submitted id up in the
queryset), so only the rendering differs.
"""

from collections.abc import Callable, Iterator
from typing import Any

from django import forms
from django.forms.models import ModelChoiceIterator

from accounts.models import User
from accounts.widgets import FlatSelect

PersonLabel = Callable[[str, str], str]


def name_only(display_name: str, email: str) -> str:
    return display_name or email


def name_and_email(display_name: str, email: str) -> str:
    return f"{display_name} ({email})" if display_name else email


def active_people():
    return User.objects.filter(is_active=True)


class _PeopleIterator(ModelChoiceIterator):
    """(id, label) pairs from plain rows: no User instance per option."""

    field: "PersonField | PeopleField"

    def __iter__(self) -> Iterator[tuple[Any, str]]:  # (pk, label): plain ids, no model
        if self.field.empty_label is not None:
            yield ("", str(self.field.empty_label))
        label = self.field.person_label
        for pk, display_name, email in self.queryset.values_list("pk", "display_name", "email"):
            yield (pk, label(display_name, email))


class PersonField(forms.ModelChoiceField):
    """One active person, e.g. an owner."""

    iterator = _PeopleIterator

    def __init__(self, *, person_label: PersonLabel = name_only, **kwargs) -> None:
        # Also as a model form's field (Meta.field_classes), whose queryset would be
        # everyone: only active people can be chosen.
        kwargs["queryset"] = active_people()
        kwargs.setdefault("widget", FlatSelect)
        super().__init__(**kwargs)
        self.person_label = person_label


class PeopleField(forms.ModelMultipleChoiceField):
    """Any number of active people, e.g. a review's authors."""

    iterator = _PeopleIterator

    def __init__(self, *, person_label: PersonLabel = name_only, attrs=None, **kwargs) -> None:
        kwargs["queryset"] = active_people()
        kwargs.setdefault("widget", FlatSelect(attrs, multiple=True))
        super().__init__(**kwargs)
        self.person_label = person_label

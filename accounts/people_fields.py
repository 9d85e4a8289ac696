"""Form fields that pick people: action item owners, incident owners, review authors,
the people of an on-call rotation.

An organisation has hundreds of active people, and one page can hold several such
fields, so no field sends the directory to the page: the widget (`PeoplePicker`,
accounts/widgets.py) renders only the people already picked, as chips, and a text
input. With JavaScript the input searches as you type (accounts/views.py,
`people_search_view`); without it, or when nothing is picked from the list, the text
is resolved here on submit:

1. Every comma-separated term (one term for a single person) is an exact email
   address, or names exactly one person (a full name, or words every one of which is
   in one person's name or email).
2. A term that names several people is an error that lists them as choices; the
   re-rendered form shows them as radio buttons (single) or checkboxes (multi), and a
   term is settled once one of its people is picked. A term that names no one is an
   error that says so. What was typed stays in the input.

Submitted ids (the chips, the listbox picks, the API's email via `to_field_name`)
are checked by Django's own `ModelChoiceField`, so only the queryset's people (active
ones) can be chosen, and the JSON API's messages are unchanged.
"""

from collections.abc import Callable
from typing import Any

from django import forms

from accounts.models import User
from accounts.selectors import MAX_CANDIDATES, Match, active_people, match_term, split_terms
from accounts.widgets import PeoplePicker, Picked

PersonLabel = Callable[[str, str], str]


def name_only(display_name: str, email: str) -> str:
    return display_name or email


def name_and_email(display_name: str, email: str) -> str:
    return f"{display_name} ({email})" if display_name else email


def _label(person: User) -> str:
    return name_and_email(person.display_name, person.email)


def _term_error(match: Match, picked_ids: set[str], *, multiple: bool) -> str | None:
    if match.person is not None:
        return None
    if not match.people:
        return f"No active person matches “{match.term}”. Type a full name or an email address."
    if any(str(person.pk) in picked_ids for person in match.people):
        return None  # settled by a pick among its people
    choose = "tick the right ones" if multiple else "choose one"
    more = " (and more: type more of the name)" if len(match.people) > MAX_CANDIDATES else ""
    names = "; ".join(_label(person) for person in match.people[:MAX_CANDIDATES])
    return f"Several people match “{match.term}”{more}: {names}. Below, {choose}."


def _resolved(match: Match, picked_ids: set[str]) -> list[User]:
    if match.person is not None:
        return [match.person]
    return [person for person in match.people if str(person.pk) in picked_ids]


class _PickerMixin:
    """What both fields share: the widget gets the queryset and the label function,
    and clean() resolves typed text before Django's own checks of the ids."""

    widget: PeoplePicker
    _queryset: Any
    multiple = False

    def _set_queryset(self, queryset) -> None:
        super()._set_queryset(queryset)  # type: ignore[misc]
        self.widget.queryset = self._queryset

    def _get_queryset(self):
        return self._queryset

    queryset = property(_get_queryset, _set_queryset)

    @property
    def person_label(self) -> PersonLabel:
        return self.widget.person_label

    @person_label.setter
    def person_label(self, label: PersonLabel) -> None:
        self.widget.person_label = label

    def has_changed(self, initial, data) -> bool:
        if isinstance(data, Picked):
            if data.typed.strip():
                return True
            data = data.value
        return super().has_changed(initial, data)  # type: ignore[misc]

    def resolve(self, picked: Picked) -> tuple[list[User], list[str]]:
        """The people the typed terms name, and an error per term that names no one
        or several people none of whom is picked."""
        people: list[User] = []
        errors: list[str] = []
        picked_ids = set(picked.keys)
        for term in split_terms(picked.typed, multiple=self.multiple):
            match = match_term(self._queryset, term)
            error = _term_error(match, picked_ids, multiple=self.multiple)
            if error:
                errors.append(error)
            else:
                people.extend(_resolved(match, picked_ids))
        return people, errors


class PersonField(_PickerMixin, forms.ModelChoiceField):
    """One active person, e.g. an owner. Typed text replaces the picked person."""

    def __init__(self, *, person_label: PersonLabel = name_only, **kwargs) -> None:
        kwargs.setdefault("widget", PeoplePicker)
        # Also as a model form's field (Meta.field_classes), whose queryset would be
        # everyone: only active people can be chosen.
        kwargs["queryset"] = active_people()
        kwargs["empty_label"] = None  # no "---------" option: there are no options
        super().__init__(**kwargs)
        self.person_label = person_label

    def clean(self, value: Any) -> Any:
        picked = value if isinstance(value, Picked) else Picked(value=value)
        if not picked.typed.strip():
            return super().clean(picked.value)
        people, errors = self.resolve(picked)
        if errors:
            raise forms.ValidationError(errors, code="invalid_choice")
        person = people[-1]  # of a settled term, the one picked last
        self.validate(person)
        self.run_validators(person)
        return person


class PeopleField(_PickerMixin, forms.ModelMultipleChoiceField):
    """Any number of active people, e.g. a review's authors: the chips (and any
    picks) plus the people the typed terms name."""

    multiple = True

    def __init__(self, *, person_label: PersonLabel = name_only, attrs=None, **kwargs) -> None:
        kwargs.setdefault("widget", PeoplePicker(attrs, multiple=True))
        kwargs["queryset"] = active_people()
        super().__init__(**kwargs)
        self.person_label = person_label

    def clean(self, value: Any) -> Any:
        picked = value if isinstance(value, Picked) else Picked(value=value)
        if not picked.typed.strip():
            return super().clean(picked.value)
        # Django's own check of submitted ids (not in its stubs).
        check = self._check_values  # type: ignore[attr-defined]
        chosen = list(check(picked.keys)) if picked.keys else []
        people, errors = self.resolve(picked)
        if errors:
            raise forms.ValidationError(errors, code="invalid_choice")
        by_key = {str(person.pk): person for person in chosen}
        result = {by_key[key].pk: by_key[key] for key in picked.keys if key in by_key}
        for person in people:
            result.setdefault(person.pk, person)
        if self.required and not result:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        self.run_validators(list(result.values()))
        return list(result.values())

"""Form fields that pick people: action item owners, incident owners, review authors.

An organisation has hundreds of active people, and one page can hold several such
fields (the editor's authors and new action item owner). Django's `Select` renders
each `<option>` through the template engine, after building a model instance and
an attribute dict for it: about 70 ms per 500 people, most of an editor page.
These fields read the people as plain rows (`values_list`) and render the options
with one `format_html_join`: the same HTML, a few milliseconds.

Validation is Django's own (`ModelChoiceField` looks the submitted id up in the
queryset), so only the rendering differs.
"""

from collections.abc import Callable, Iterator

from django import forms
from django.forms.models import ModelChoiceIterator
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import mark_safe

from accounts.models import User

PersonLabel = Callable[[str, str], str]


def name_only(display_name: str, email: str) -> str:
    return display_name or email


def name_and_email(display_name: str, email: str) -> str:
    return f"{display_name} ({email})" if display_name else email


def active_people():
    return User.objects.filter(is_active=True)


class _PeopleIterator(ModelChoiceIterator):
    """(id, label) pairs from plain rows: no User instance per option."""

    def __iter__(self) -> Iterator[tuple[object, str]]:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        label = self.field.person_label
        for pk, display_name, email in self.queryset.values_list("pk", "display_name", "email"):
            yield (pk, label(display_name, email))


def _attributes(attrs: dict) -> str:
    """As Django's widgets/attrs.html: in order, `True` as a bare name, `False` left out."""
    return format_html_join(
        "",
        "{}",
        (
            (format_html(" {}", name) if value is True else format_html(' {}="{}"', name, value),)
            for name, value in attrs.items()
            if value is not False and value is not None
        ),
    )


class PeopleSelect(forms.Select):
    """A `<select>` whose options are rendered in one call: single or `multiple`,
    without option groups or per-option attributes."""

    def __init__(self, attrs=None, *, multiple: bool = False) -> None:
        super().__init__(attrs)
        self.allow_multiple_selected = multiple

    def value_omitted_from_data(self, data, files, name) -> bool:
        # A multiple select with nothing chosen sends nothing: that is a value too.
        if self.allow_multiple_selected:
            return False
        return super().value_omitted_from_data(data, files, name)

    def render(self, name, value, attrs=None, renderer=None) -> str:
        final_attrs = self.build_attrs(self.attrs, attrs)
        if self.allow_multiple_selected:
            final_attrs["multiple"] = True
        chosen = set(self.format_value(value))
        # Plain string building with escape() per value: a format_html() per option
        # would cost three times as much (5 ms for 500 people).
        options = mark_safe(  # every value is escaped here
            "".join(
                f'<option value="{escape(pk)}"{" selected" if str(pk) in chosen else ""}>'
                f"{escape(label)}</option>"
                for pk, label in self.choices
            )
        )
        return format_html(
            '<select name="{}"{}>{}</select>', name, _attributes(final_attrs), options
        )


class PersonField(forms.ModelChoiceField):
    """One active person, e.g. an owner."""

    iterator = _PeopleIterator

    def __init__(self, *, person_label: PersonLabel = name_only, **kwargs) -> None:
        # Also as a model form's field (Meta.field_classes), whose queryset would be
        # everyone: only active people can be chosen.
        kwargs["queryset"] = active_people()
        kwargs.setdefault("widget", PeopleSelect)
        super().__init__(**kwargs)
        self.person_label = person_label


class PeopleField(forms.ModelMultipleChoiceField):
    """Any number of active people, e.g. a review's authors."""

    iterator = _PeopleIterator

    def __init__(self, *, person_label: PersonLabel = name_only, attrs=None, **kwargs) -> None:
        kwargs["queryset"] = active_people()
        kwargs.setdefault("widget", PeopleSelect(attrs, multiple=True))
        super().__init__(**kwargs)
        self.person_label = person_label

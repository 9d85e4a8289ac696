"""Single-line text: titles, names, tags, reasons, services.

Typed or pasted text may carry line breaks (a title with CR/LF splits email subjects,
chat messages, CSV rows and log lines) and bidirectional controls (U+202A-U+202E,
U+2066-U+2069, which make "exe.txt" display as "txt.exe" and reorder what the next
reader sees). `single_line` turns every kind of line break and tab into one space and
drops the bidi controls. `SingleLineField` applies it to a form field; the forms use
it for every single-line field (`single_line_fields`), and so does the admin
(`SingleLineAdmin`), the API parses with the same forms, and the alert receivers
apply `single_line` to the names they read.
"""

import re
from typing import TYPE_CHECKING, Any

from django import forms
from django.db import models

if TYPE_CHECKING:
    from django.contrib.admin.options import BaseModelAdmin

    _AdminBase = BaseModelAdmin[Any]  # what the mixin is combined with
else:
    _AdminBase = object

_BREAKS = re.compile("[\t\n\v\f\r\x1c-\x1e\x85\u2028\u2029]+")
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def single_line(value: str) -> str:
    return _BIDI_CONTROLS.sub("", _BREAKS.sub(" ", value))


class SingleLineField(forms.CharField):
    def to_python(self, value):
        value = super().to_python(value)
        if isinstance(value, str):
            value = single_line(value)
            if self.strip:
                value = value.strip()
        return value


def single_line_fields(field: models.Field, **kwargs) -> forms.Field | None:
    """A ModelForm `formfield_callback`: a model's plain CharFields (not text areas,
    email addresses, links or choices) become SingleLineFields."""
    if type(field) is models.CharField and not field.choices:
        kwargs.setdefault("form_class", SingleLineField)
    return field.formfield(**kwargs)


class SingleLineAdmin(_AdminBase):
    """For ModelAdmins and inlines: the same rule for the admin's own forms (services,
    tags and teams are named there)."""

    def formfield_for_dbfield(self, db_field: models.Field, request, **kwargs):
        if type(db_field) is models.CharField and not db_field.choices:
            kwargs.setdefault("form_class", SingleLineField)
        return super().formfield_for_dbfield(db_field, request, **kwargs)

"""Form widgets for long choice lists.

People are picked with `PeoplePicker`: chips for the people picked, a text input and,
with JavaScript, a type-ahead listbox filled by the server (static/js/people_picker.js,
accounts/views.py). It never renders the directory, only who is picked; its markup is
a template (accounts/templates/accounts/widgets/people_picker.html).

The ~600 time zones stay a `<select>`: `FlatSelect`, the one place that builds markup
in Python. Django's `Select` renders each `<option>` through the template engine (an
include and an attribute dict per option), and even a single template loop over the
options costs several times a string join (bench/README.md, "People pickers and long
selects", has the numbers). `FlatSelect` renders the markup of Django's own `Select`
(tests/accounts/test_widgets.py).
"""

import copy
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.urls import reverse
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from accounts.selectors import match_term, split_terms


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


def options_html(
    choices: Iterable[tuple[object, object]], chosen: Collection[str] = ()
) -> SafeString:
    """`<option>`s for (value, label) pairs, those whose value is in `chosen` selected.

    Plain string building with escape() per value: a format_html() per option would
    cost several times as much (bench/README.md, "People pickers and long selects")."""
    return mark_safe(  # every value and label is escaped here
        "".join(
            f'<option value="{escape(key)}"{" selected" if str(key) in chosen else ""}>'
            f"{escape(label)}</option>"
            for key, label in choices
        )
    )


class FlatSelect(forms.Select):
    """A `<select>` whose options are rendered in one string join: single or
    `multiple`, without option groups or per-option attributes."""

    def __init__(self, attrs=None, choices=(), *, multiple: bool = False) -> None:
        super().__init__(attrs, choices)
        self.allow_multiple_selected = multiple

    def value_omitted_from_data(self, data, files, name) -> bool:
        # A multiple select with nothing chosen sends nothing: that is a value too.
        if self.allow_multiple_selected:
            return False
        return super().value_omitted_from_data(data, files, name)

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        final_attrs = self.build_attrs(self.attrs, attrs)
        if self.allow_multiple_selected:
            final_attrs["multiple"] = True
        options = options_html(self.choices, set(self.format_value(value)))
        return format_html(
            '<select name="{}"{}>{}</select>', name, _attributes(final_attrs), options
        )


@dataclass(frozen=True)
class Picked:
    """What a people picker submitted: `value` as Django's own select widget would
    read it (what the API sends, and what clean() checks), every submitted id
    (`keys`: the chips and the picks among ambiguous matches) and the text typed."""

    value: Any = None
    keys: tuple[str, ...] = ()
    typed: str = ""


def _display(display_name: str, email: str) -> str:
    return display_name or email


class PeoplePicker(forms.Widget):
    """Chips for the picked people (checked checkboxes that submit their ids), a text
    input `<name>_text` for names or emails, and a listbox the script fills as the
    person types. `queryset` and `person_label` are set by the field
    (accounts/people_fields.py); `search_params` narrow the search (e.g. a team)."""

    template_name = "accounts/widgets/people_picker.html"

    def __init__(self, attrs=None, *, multiple: bool = False) -> None:
        super().__init__(attrs)
        self.multiple = multiple
        self.queryset = None
        self.person_label: Callable[[str, str], str] = _display
        self.search_params: dict[str, str] = {}

    def __deepcopy__(self, memo):
        result = super().__deepcopy__(memo)
        result.search_params = copy.copy(self.search_params)
        return result

    @staticmethod
    def text_name(name: str) -> str:
        return f"{name}_text"

    def value_from_datadict(self, data, files, name) -> Picked:
        typed = data.get(self.text_name(name)) or ""
        if hasattr(data, "getlist"):
            keys = tuple(key for key in data.getlist(name) if key)
            value: Any = list(keys) if self.multiple else data.get(name)
        else:  # a dict, e.g. the JSON API's data: as Django's select widgets read it
            value = data.get(name)
            listed = value if isinstance(value, list | tuple) else [value]
            keys = tuple(str(key) for key in listed if key not in (None, ""))
        return Picked(value=value, keys=keys, typed=typed if isinstance(typed, str) else "")

    def value_omitted_from_data(self, data, files, name) -> bool:
        # Nothing picked sends nothing: for a multiple picker that is a value too.
        if self.multiple:
            return False
        return name not in data and self.text_name(name) not in data

    def format_value(self, value) -> Picked:  # type: ignore[override]
        if isinstance(value, Picked):
            return value
        if value is None or value == "":
            return Picked()
        listed = value if isinstance(value, list | tuple) else [value]
        keys = tuple(str(getattr(key, "pk", key)) for key in listed if key not in (None, ""))
        return Picked(value=value, keys=keys)

    def _chips(self, keys: tuple[str, ...]) -> list[tuple[str, str]]:
        ids = [key for key in dict.fromkeys(keys) if key.isdigit()]
        if not ids or self.queryset is None:
            return []
        rows = {
            str(pk): self.person_label(display_name, email)
            for pk, display_name, email in self.queryset.filter(pk__in=ids).values_list(
                "pk", "display_name", "email"
            )
        }
        return [(key, rows[key]) for key in ids if key in rows]

    def _choices(self, picked: Picked) -> list[dict]:
        """The people of each typed term that names several: to choose from."""
        if self.queryset is None:
            return []
        groups = []
        for term in split_terms(picked.typed, multiple=self.multiple):
            match = match_term(self.queryset, term)
            if match.ambiguous:
                groups.append(
                    {
                        "term": match.term,
                        "people": [
                            (str(p.pk), f"{_display(p.display_name, p.email)} ({p.email})")
                            for p in match.people[:10]
                        ],
                    }
                )
        return groups

    def search_url(self) -> str:
        url = reverse("accounts-people")
        return f"{url}?{urlencode(self.search_params)}" if self.search_params else url

    def get_context(self, name, value, attrs) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        picked: Picked = context["widget"]["value"]
        groups = self._choices(picked) if picked.typed.strip() else []
        grouped = {key for group in groups for key, _label in group["people"]}
        chips = self._chips(tuple(key for key in picked.keys if key not in grouped))
        attrs = dict(context["widget"]["attrs"])
        # The chips may already hold the answer, so typing is never required.
        attrs.pop("required", None)
        attrs.pop("size", None)
        element_id = attrs.setdefault("id", f"id_{name}")
        hint = f"{element_id}_hint"
        attrs["aria-describedby"] = " ".join(filter(None, [hint, attrs.get("aria-describedby")]))
        attrs["autocomplete"] = "off"
        context["widget"].update(
            attrs=attrs,
            hint_id=hint,
            multiple=self.multiple,
            text_name=self.text_name(name),
            typed=picked.typed,
            chips=chips,
            groups=groups,
            picked_keys=set(picked.keys),
            element_id=element_id,
            search_url=self.search_url(),
        )
        return context

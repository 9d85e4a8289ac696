"""Form widgets for long choice lists: the one module that builds markup in Python.

Markup lives in templates everywhere else (the action item rows, the filter selects
and the facet links are templates and partials). The exception is a `<select>` of
hundreds of entries: every active person (the editor's authors and new action item
owner, the incident owner, an item's owner) and the ~600 time zones. Django's
`Select` renders each `<option>` through the template engine (an include and an
attribute dict per option), and even a single template loop over the options costs
several times a string join (bench/README.md, "People pickers and long selects",
has the numbers). The editor shows two such lists, so a template loop would slow
every view of it in proportion to the number of people. No page shows one per row:
the row's reassign select lists the item's team only, and only in the one row whose
forms are open. `FlatSelect` renders the markup of Django's own `Select`
(tests/accounts/test_widgets.py).
"""

from collections.abc import Collection, Iterable

from django import forms
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe


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

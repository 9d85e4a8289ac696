"""Post an admin change form back as a browser would, with a few values changed."""

from django.contrib.auth.forms import ReadOnlyPasswordHashField
from django.forms import BoundField, MultiWidget


def _field_values(bound: BoundField, value) -> dict[str, object]:
    widget = bound.field.widget
    if isinstance(widget, MultiWidget):
        parts = widget.decompress(value) or ()
        return {f"{bound.html_name}_{i}": "" if p is None else str(p) for i, p in enumerate(parts)}
    if isinstance(value, bool):
        return {bound.html_name: "on"} if value else {}
    if isinstance(value, list | tuple):
        return {bound.html_name: [str(v) for v in value]}
    return {bound.html_name: "" if value is None else value}


def _form_data(form) -> dict[str, object]:
    data: dict[str, object] = {}
    for bound in form:
        if bound.field.disabled or isinstance(bound.field, ReadOnlyPasswordHashField):
            continue
        value = bound.value()
        data |= _field_values(bound, value)
        if bound.field.show_hidden_initial:
            initial = {
                k.replace(bound.html_name, bound.html_initial_name, 1): v
                for k, v in _field_values(bound, value).items()
            }
            data |= initial
    return data


def form_data(form) -> dict[str, object]:
    """What a page posts for `form` unchanged (any Django form, not only the admin's)."""
    return _form_data(form)


def admin_form_data(response) -> dict[str, object]:
    """Everything the change page `response` would post unchanged, inlines included."""
    data = _form_data(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        data |= _form_data(formset.management_form)
        for form in formset.forms:
            data |= _form_data(form)
    return data

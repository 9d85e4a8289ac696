"""Ready values for the editor's timeline and action item rows.

A generated review of 200 events and 50 items showed each row's links and times over
and over: six `{% url %}` tags per event (each resolved through the URL resolver, a
third of the page's rendering) and the event's time formatted six times. The paths
differ only in the incident number and the row's code, so each link is reversed once
(per URLconf and script prefix) with placeholders and filled in per row, and each time
is formatted once per row. The rows' markup stays in editor/timeline.html and
editor/actions.html; `{% event_row %}` and `{% item_row %}` hand them a dict.

`{% row_cache %}` keeps each row's rendered markup in the process (lib/fragment_cache.py),
keyed by everything the row shows, so an unchanged row costs a dictionary lookup.
"""

import secrets
from collections.abc import Callable
from datetime import datetime
from functools import cache, lru_cache
from operator import attrgetter
from uuid import UUID

from django import template
from django.db.models import Model, QuerySet
from django.forms import BaseForm
from django.template.base import FilterExpression, Node, NodeList, Parser, Token
from django.template.context import Context
from django.template.defaultfilters import date as date_filter
from django.template.defaulttags import CsrfTokenNode
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from lib.fragment_cache import fragment
from postmortems.models.actions import ActionItem
from postmortems.models.reviews import TimelineEvent

register = template.Library()

EVENT_LINKS = {"kind": "pm-event-kind", "edit": "pm-event-edit", "delete": "pm-event-delete"}
ITEM_LINKS = {
    "history": "pm-action-history",
    "commit": "pm-action-commit",
    "edit": "pm-action-edit",
    "delete": "pm-action-delete",
    "tracker": "pm-action-tracker",
}
_NUMBER = 987654321
_CODE = UUID("00000000-0000-4000-8000-000000000000")


@lru_cache(maxsize=32)
def _patterns(
    names: tuple[tuple[str, str], ...], prefix: str, urlconf: str | None
) -> dict[str, tuple[str, str, str]]:
    """Each name's path split around its two arguments: (before number, between, after code)."""
    del prefix  # part of the cache key: reverse() reads it
    patterns = {}
    for key, name in names:
        path = reverse(name, args=[_NUMBER, _CODE], urlconf=urlconf)
        head, rest = path.split(str(_NUMBER), 1)
        middle, tail = rest.split(str(_CODE), 1)
        patterns[key] = (head, middle, tail)
    return patterns


def _links(names: dict[str, str], number: int, code: UUID) -> dict[str, SafeString]:
    number_text, code_text = str(number), str(code)
    patterns = _patterns(tuple(names.items()), get_script_prefix(), get_urlconf())
    # The paths hold only the pattern's literal parts, digits and a UUID: nothing to escape.
    return {
        key: SafeString(head + number_text + middle + code_text + tail)
        for key, (head, middle, tail) in patterns.items()
    }


@lru_cache(maxsize=16)
def _kind_options(selected: str) -> tuple[tuple[SafeString, SafeString, bool], ...]:
    """The kind select's options, (value, label, selected), built once per selected kind
    instead of once per row; the values and labels are the model's constants, escaped here."""
    return tuple(
        (escape(value), escape(label), value == selected)
        for value, label in TimelineEvent.Kind.choices
    )


@register.simple_tag
def event_row(number: int, event: TimelineEvent) -> dict:
    """One timeline row's links (kind, edit, delete), its time, each formatted once
    (`iso` for the datetime attribute, `when` shown, `clock` in the controls' labels),
    and its kind select's options (`kinds`)."""
    # As the template's date filter does: in the viewer's zone (the middleware activates it).
    at: datetime = timezone.localtime(event.occurred_at)
    values: dict = _links(EVENT_LINKS, number, event.code)
    values["iso"] = date_filter(at, "c")
    values["when"] = date_filter(at, "M j, H:i")
    values["clock"] = date_filter(at, "H:i")
    values["kinds"] = _kind_options(event.kind)
    return values


@register.simple_tag
def item_row(number: int, item: ActionItem) -> dict:
    """One action item row's links (history, commit, edit, delete, tracker), whether it
    is overdue in the viewer's zone, and its due date formatted once (`due_iso`, `due`)."""
    values: dict = _links(ITEM_LINKS, number, item.code)
    values["overdue"] = item.is_overdue_on(timezone.localdate())
    if item.due_date:
        values["due_iso"] = date_filter(item.due_date, "Y-m-d")
        values["due"] = date_filter(item.due_date, "M j, Y")
    return values


@register.filter
def owner_names(items: object) -> tuple:
    """Each item's owner's name (what its row shows of the owner), for the key of a
    kept list of items: the items' own columns hold only the owner's id."""
    if not isinstance(items, list | tuple):
        return ()
    return tuple(item.owner.display_name if item.owner_id else None for item in items)


class _NotKept(Exception):
    """A part of the key that must not be kept: the block renders afresh."""


def _key_part(value: object) -> object:
    """A model instance stands for every column it holds (so an edit that skips the
    revision still changes the key); an unbound form for what its fields show; a list
    for its items; anything else for itself. A bound form is never kept (it shows what
    was typed and its errors)."""
    if isinstance(value, Model):
        return _columns_of(type(value))(value)
    if isinstance(value, BaseForm):
        if value.is_bound:
            raise _NotKept
        return _form_key(value)
    if isinstance(value, QuerySet):
        # Only a list already read (a prefetched relation): reading it here would
        # cost a statement, and the block would read it again.
        if value._result_cache is None:
            raise _NotKept
        value = value._result_cache
    if isinstance(value, list | tuple):
        return tuple(_key_part(item) for item in value)
    return value


@cache
def _columns_of(model: type[Model]) -> Callable[[Model], tuple]:
    """A reader of every column of a row of `model`, as a tuple, made once per model:
    250 rows a page read their columns one getattr at a time in a generator."""
    names = [field.attname for field in model._meta.concrete_fields]
    if len(names) == 1:
        single = attrgetter(names[0])
        return lambda row: (single(row),)
    return attrgetter(*names)


def _form_key(form: BaseForm) -> tuple:
    """What an unbound form's fields show: each field's value, label, help, widget
    attributes (and a people picker's search parameters) and (fixed) choices. Choices
    read from the database are not part of it: keep only forms whose pickers list no
    one but the people picked (accounts/widgets.py), given as rows: a picked row stands
    for every column, so its chip's name, and whether the picker's queryset (active
    people: a column of the row) still holds it, are in the key. People given by id
    alone are not kept."""
    fields = []
    for name, field in form.fields.items():
        choices = getattr(field, "choices", None)
        value = form[name].value()
        if hasattr(field, "queryset"):
            # value() holds the picked rows' ids (prepare_value): key by the rows given.
            value = form.get_initial_for_field(field, name)
            listed = value if isinstance(value, list | tuple) else [value]
            if not all(isinstance(item, Model) for item in listed if item not in (None, "")):
                raise _NotKept
        fields.append(
            (
                name,
                _key_part(value),
                str(field.label),
                str(field.help_text),
                tuple(sorted(field.widget.attrs.items())),
                tuple(sorted(getattr(field.widget, "search_params", {}).items())),
                tuple(choices) if isinstance(choices, list | tuple) else type(choices),
            )
        )
    return (type(form), form.prefix, form.auto_id, tuple(fields))


# What a kept block's {% csrf_token %} renders instead of the token, which differs per
# request: each request's own is put in its place on the way out. Random per process,
# so no text a person writes can hold it.
TOKEN_SLOT = f"csrf-slot-{secrets.token_hex(16)}"


class RowCacheNode(Node):
    def __init__(
        self, nodelist: NodeList, parts: list[FilterExpression], slot: FilterExpression | None
    ) -> None:
        self.nodelist = nodelist
        self.parts = parts
        self.slot = slot
        self.holds_token = bool(nodelist.get_nodes_by_type(CsrfTokenNode))

    def render(self, context: Context) -> SafeString:
        token = context.get("csrf_token") if self.holds_token else None
        try:
            if self.holds_token and (not token or token == "NOTPROVIDED"):
                raise _NotKept  # no request's token to put in: render it as it is
            parts = tuple(_key_part(part.resolve(context)) for part in self.parts)
        except _NotKept:
            return mark_safe(self.nodelist.render(context))
        # The node itself is part of the key: another template, or this one reloaded
        # after an edit, never reads this one's fragments (and, held by the key, the
        # node is not collected, so its id is never reused).
        viewer = _viewer(context.get("request"))
        key = (self, *parts, *viewer)
        slot = None if self.slot is None else (self, self.slot.resolve(context), *viewer)
        markup = fragment(key, lambda: self._render(context), slot=slot)
        if self.holds_token:
            return mark_safe(markup.replace(TOKEN_SLOT, escape(token)))
        return markup

    def _render(self, context: Context) -> SafeString:
        if not self.holds_token:
            return mark_safe(self.nodelist.render(context))
        with context.push(csrf_token=TOKEN_SLOT):
            return mark_safe(self.nodelist.render(context))


def _viewer(request: object) -> tuple:
    """What the rows show in the viewer's zone (times, and "overdue" by their day) and
    language, and the prefix of their links; worked out once per request and zone
    rather than once per row (a page of 250 rows looked these up 1,250 times)."""
    zone = timezone.get_current_timezone_name()
    found = getattr(request, "_row_cache_viewer", None)
    if found is not None and found[0] == zone:
        return found
    viewer = (
        zone,
        timezone.localdate(),
        translation.get_language(),
        get_script_prefix(),
        get_urlconf(),
    )
    if request is not None:
        request._row_cache_viewer = viewer  # type: ignore[attr-defined]
    return viewer


@register.tag
def row_cache(parser: Parser, token: Token) -> RowCacheNode:
    """{% row_cache event incident.number kind_message %}...{% endrow_cache %}: the
    block's markup kept per process, keyed by the values named (a model instance by
    all its columns, an unbound form by its fields; a bound form is rendered afresh),
    the viewer's time zone, local date and language, and the URL prefix. The block
    must show nothing else, but for {% csrf_token %}: kept with a placeholder, each
    request's own token is put in its place (TOKEN_SLOT).

    A last `slot=<value>` (e.g. `slot=incident.number` around a review's whole list)
    keeps one version per value and viewer: a new version replaces the older one
    (lib/fragment_cache.py)."""
    bits = token.split_contents()[1:]
    slot = None
    if bits and bits[-1].startswith("slot="):
        slot = parser.compile_filter(bits.pop()[len("slot=") :])
    parts = [parser.compile_filter(bit) for bit in bits]
    nodelist = parser.parse(("endrow_cache",))
    parser.delete_first_token()
    return RowCacheNode(nodelist, parts, slot)

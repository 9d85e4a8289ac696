"""What one action item's table row shows, as plain values for its template.

The team lead dashboard, its item list, "My work" and the htmx answers of the row's
own actions (postmortems/views/action_items.py) all show this row. Its markup is the
partial `row` of postmortems/templates/postmortems/includes/item_table.html;
`{% item_row %}` (templatetags/action_item_tags.py) is its way into a page.

A dashboard shows up to 75 rows. Pages read them as plain values (`ItemRow`, by
`item_rows()`), not as model instances: an item with its owner, review, incident and
team was five instances per row, which cost more than reading the rows. The row's
template reads one flat dict of ready values (`row_context`): one dictionary lookup
per variable instead of a walk through `item.postmortem.incident...`, the eight links
filled into paths reversed once, the date formatted once per day. The values are
escaped here, once each (`_escaped`): a row shows the title five times and most links
twice, and autoescaping in the template was half of the row's cost (Django's escape()
goes through its lazy-string wrapper on every call); the template passes an escaped
value through as it is. The error, the message and what the user typed are left to
the template's autoescaping: they are shown only in the one row answering its own
action.
bench/README.md has the numbers ("Item rows, filter options and facet links in
templates again" and "The dashboards made cheaper").

Columns: Action item, Incident, Owner, Due, Priority, Actions. Each action posts with
htmx and gets the row back; without JavaScript it redirects to `next`.
"""

import html
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from urllib.parse import quote
from uuid import UUID

from django.db import models
from django.db.models import QuerySet
from django.template.loader import get_template
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.dateformat import format as date_format
from django.utils.safestring import SafeString

from postmortems.models.actions import ActionItem
from postmortems.models.actions import days_overdue as days_past_due
from postmortems.models.incidents import incident_reference

ROW_TEMPLATE = "postmortems/includes/item_table.html#row"

# A row links to eight pages of its item. reverse() resolves each through the URL
# resolver, which was a third of the time of rendering a row; the paths differ only in
# the incident number and the item code, so each name is reversed once (per URLconf
# and script prefix) with placeholders, and a row fills them in.
ROW_LINKS = {
    "detail": "pm-postmortem-detail",
    "incident": "pm-incident-detail",
    "history": "pm-action-history",
    "done": "pm-action-done",
    "nudge": "pm-action-nudge",
    "change": "pm-action-change",
    "extend": "pm-action-extend",
    "reassign": "pm-action-reassign",
}
_NUMBER = 987654321
_CODE = UUID("00000000-0000-4000-8000-000000000000")


@lru_cache(maxsize=32)
def _link_patterns(prefix: str, urlconf: str | None) -> dict[str, str]:
    patterns = {}
    for key, name in ROW_LINKS.items():
        args = [_NUMBER] if name in ("pm-postmortem-detail", "pm-incident-detail") else None
        path = reverse(name, args=args or [_NUMBER, _CODE], urlconf=urlconf)
        patterns[key] = path.replace(str(_CODE), "{code}").replace(str(_NUMBER), "{number}")
    return patterns


def link_pattern(key: str) -> str:
    """The path of ROW_LINKS[key] with `{number}` (and `{code}`) left to fill in."""
    return _link_patterns(get_script_prefix(), get_urlconf())[key]


@lru_cache(maxsize=32)
def _escaped_link_patterns(prefix: str, urlconf: str | None) -> dict[str, str]:
    # "{" and "}" are not escaped, and a number and a UUID need no escaping: the
    # filled-in paths are as escaped as their patterns.
    return {key: html.escape(path) for key, path in _link_patterns(prefix, urlconf).items()}


@dataclass(slots=True)
class ItemRow:
    """What a row shows of an action item, its owner and its incident, as plain values
    (read by item_rows(), or taken from a model instance by ItemRow.of())."""

    pk: int
    code: UUID
    title: str
    status: str
    priority: str
    due_date: date | None
    revision: int
    owner_id: int | None
    owner_display_name: str | None  # None: no owner
    owner_email: str | None
    incident_number: int
    incident_title: str

    @classmethod
    def of(cls, item: ActionItem) -> "ItemRow":
        """`item`'s row; needs `item.owner` and `item.postmortem.incident` loaded."""
        owner, incident = item.owner, item.postmortem.incident
        return cls(
            item.pk, item.code, item.title, item.status, item.priority, item.due_date,
            item.revision, item.owner_id, owner.display_name if owner else None,
            owner.email if owner else None, incident.number, incident.title,
        )  # fmt: skip

    @property
    def owner_name(self) -> str:
        """As the owner's str() shows them: the display name, or else the email."""
        return self.owner_display_name or self.owner_email or ""

    @property
    def incident_reference(self) -> str:
        return incident_reference(self.incident_number)

    @property
    def is_finished(self) -> bool:
        return self.status in ActionItem.FINISHED

    def days_overdue_on(self, today: date) -> int:
        return days_past_due(self.status, self.due_date, today)


# ItemRow's fields, in order, as ActionItem lookups.
ROW_VALUES = (
    "pk", "code", "title", "status", "priority", "due_date", "revision", "owner_id",
    "owner__display_name", "owner__email", "postmortem__incident__number",
    "postmortem__incident__title",
)  # fmt: skip


def item_rows(items: QuerySet[ActionItem]) -> list[ItemRow]:
    """The rows of `items` (filtered, ordered, sliced as the page shows them), in one
    query."""
    return [ItemRow(*values) for values in items.values_list(*ROW_VALUES)]


def row_links(item: ItemRow | ActionItem) -> dict[str, SafeString]:
    """The paths of `item`'s pages (ROW_LINKS), escaped for HTML (a path holds nothing
    to escape unless the site's script prefix does); an ActionItem needs
    `item.postmortem.incident`."""
    if isinstance(item, ItemRow):
        number, code = str(item.incident_number), str(item.code)
    else:
        number, code = str(item.postmortem.incident.number), str(item.code)
    return {
        key: SafeString(pattern.replace("{number}", number).replace("{code}", code))
        for key, pattern in _escaped_link_patterns(get_script_prefix(), get_urlconf()).items()
    }


def days_overdue(item: ItemRow | ActionItem, today: date | None) -> int:
    """Whole days past the due date on `today` (the viewer's local date); 0 if not overdue."""
    return item.days_overdue_on(today) if isinstance(today, date) else 0


@dataclass
class RowState:
    """How a row is shown, beyond the item itself."""

    today: date | None  # the viewer's local date, for "N days overdue"
    next_url: str  # where a form without JavaScript returns
    csrf_token: str = ""
    expanded: bool = False  # show the extend and reassign forms (needs item.assignees)
    error: str = ""
    message: str = ""
    typed: dict = field(default_factory=dict)  # the values of a failed form, kept


def _escaped(text: object) -> SafeString:
    """What the template's autoescaping would make of `text` (django.utils.html.escape)."""
    return SafeString(html.escape(str(text)))


@lru_cache(maxsize=64)
def _label(choices: type[models.TextChoices], value: str) -> SafeString:
    """A choice's label, escaped: Model.get_FOO_display() hashes the choices on each call.
    A value that is not a choice shows as it is, as get_FOO_display() shows it."""
    try:
        return _escaped(choices(value).label)
    except ValueError:
        return _escaped(value)


@lru_cache(maxsize=512)
def _shown_date(day: date, this_year: int | None) -> tuple[str, str, str]:
    """The ISO date, the short date shown in the row ("Nov 14"; with the year when it
    is not the viewer's current year: "Nov 14, 2025"), and the full date for its title."""
    short = "M j" if day.year == this_year else "M j, Y"
    return (
        day.isoformat(),
        _escaped(date_format(day, short)),
        _escaped(date_format(day, "l, F j, Y")),
    )


def row_context(item: ItemRow | ActionItem, state: RowState) -> dict:
    """The variables of the row's template. An ActionItem needs `item.owner` and
    `item.postmortem.incident` loaded, and `item.assignees` when expanded
    (postmortems.selectors.attach_assignees)."""
    row_item = item if isinstance(item, ItemRow) else ItemRow.of(item)
    links = row_links(row_item)
    overdue = days_overdue(row_item, state.today)
    due = row_item.due_date
    this_year = state.today.year if isinstance(state.today, date) else None
    due_iso, due_shown, due_full = _shown_date(due, this_year) if due else ("", "", "")
    row = {
        "code": _escaped(row_item.code),
        "title": _escaped(row_item.title),
        "links": links,
        "incident_reference": _escaped(row_item.incident_reference),
        "incident_title": _escaped(row_item.incident_title),
        "owner": _escaped(row_item.owner_name) if row_item.owner_id else "",
        "due_iso": due_iso,
        "due_shown": due_shown,
        "due_full": due_full,
        "overdue": overdue,
        "priority": _escaped(row_item.priority),
        "priority_label": _label(ActionItem.Priority, row_item.priority),
        # No quick actions: finished, or an idea (committed on its review's editor).
        "finished": row_item.status not in ActionItem.UNFINISHED,
        "status": _escaped(row_item.status),
        "status_label": _label(ActionItem.Status, row_item.status),
        "error": state.error,
        "message": state.message,
        "expanded": state.expanded,
        "csrf_token": state.csrf_token,
        # As text: the template would format a number for the locale.
        "revision": _escaped(row_item.revision),
        "next_url": _escaped(state.next_url),
    }
    if state.expanded:
        typed = state.typed
        row["typed_due"] = typed.get("due_date", "")
        row["typed_reason"] = typed.get("reason", "")
        row["today_iso"] = state.today.isoformat() if isinstance(state.today, date) else ""
        row["assignees"] = getattr(item, "assignees", None) or []
        row["chosen"] = getattr(item, "assignee_chosen", None) or str(row_item.owner_id)
    else:
        # quote() leaves letters, digits, "_.-~" and "/": nothing that needs escaping.
        row["change_url"] = SafeString(f"{links['change']}?next={quote(state.next_url, safe='/')}")
    return row


def item_row(item: ItemRow | ActionItem, state: RowState) -> SafeString:
    """The <tr> of `item` on its own (outside a page's template)."""
    # The template engine escapes: its output is safe (the stubs type it as str).
    return SafeString(get_template(ROW_TEMPLATE).render(row_context(item, state)))

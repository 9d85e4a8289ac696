"""One action item as a table row with its inline actions, rendered in Python.

The team lead dashboard, its item list, "My work" and the htmx answers of the row's
own actions (postmortems/views/action_items.py) all show this row. A dashboard shows
up to 75 of them, and as a template each cost ~0.3 ms of variable lookups and nodes:
a third of the page. Like the Django admin's change list rows, each cell is one
format_html() call here (bench/README.md, team lead dashboard, has the numbers).

Presentation, as template tags are: `{% item_row %}` (templatetags/action_item_tags.py)
is its only way into a page. It is a module of its own because the row's markup is
longer than the rest of that tag library.

Columns: Action item, Incident, Owner, Due, Priority, Actions. Each action posts with
htmx and gets the row back; without JavaScript it redirects to `next`.
"""

from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from urllib.parse import quote
from uuid import UUID

from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.dateformat import format as date_format
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from postmortems.models import ActionItem

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


def row_links(item: ActionItem) -> dict[str, str]:
    """The paths of `item`'s pages (ROW_LINKS); needs `item.postmortem.incident`."""
    number, code = str(item.postmortem.incident.number), str(item.code)
    return {
        key: pattern.replace("{number}", number).replace("{code}", code)
        for key, pattern in _link_patterns(get_script_prefix(), get_urlconf()).items()
    }


def days_overdue(item: ActionItem, today: date | None) -> int:
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


@lru_cache(maxsize=512)
def _shown_date(day: date) -> tuple[str, str]:
    return day.isoformat(), date_format(day, "M j, Y")


def _hidden_fields(item: ActionItem, state: RowState) -> SafeString:
    csrf = (
        format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', state.csrf_token)
        if state.csrf_token and state.csrf_token != "NOTPROVIDED"
        else ""
    )
    return format_html(
        '{}<input type="hidden" name="revision" value="{}">'
        '<input type="hidden" name="next" value="{}">',
        csrf,
        item.revision,
        state.next_url,
    )


def _due_cell(item: ActionItem, overdue: int) -> SafeString:
    if item.due_date:
        iso, shown = _shown_date(item.due_date)
        due = format_html('<time datetime="{}">{}</time>', iso, shown)
    else:
        due = mark_safe('<span class="muted">No date</span>')
    if overdue:
        plural = "" if overdue == 1 else "s"
        return format_html(
            '{}<br><span class="overdue">{} day{} overdue</span>', due, overdue, plural
        )
    return due


def _quick_actions(item: ActionItem, links: dict, hidden: SafeString) -> SafeString:
    """Mark done and, when there is an owner, nudge: one form, a button per URL."""
    nudge = (
        format_html(
            '<button type="submit" class="btn btn--small btn--ghost" formaction="{}" '
            'hx-post="{}">Nudge<span class="visually-hidden"> {} about {}</span></button>',
            links["nudge"],
            links["nudge"],
            item.owner,
            item.title,
        )
        if item.owner_id
        else ""
    )
    return format_html(
        '<form method="post" class="dashboard-item__form" action="{}" hx-target="closest tr" '
        'hx-swap="outerHTML">{}<button type="submit" class="btn btn--small" hx-post="{}">'
        'Mark done<span class="visually-hidden">: {}</span></button>{}</form>',
        links["done"],
        hidden,
        links["done"],
        item.title,
        nudge,
    )


def _change_forms(item: ActionItem, links: dict, hidden: SafeString, state: RowState) -> str:
    """Extend (a new date and a reason) and reassign, open in the row."""
    typed = state.typed
    extend = format_html(
        '<form method="post" class="dashboard-item__form" action="{}" hx-post="{}" '
        'hx-target="closest tr" hx-swap="outerHTML">{}'
        '<label class="visually-hidden" for="due-{}">New due date for {}</label>'
        '<input type="date" id="due-{}" name="due_date" value="{}" min="{}" required>'
        '<label class="visually-hidden" for="reason-{}">Why the date moves</label>'
        '<input type="text" id="reason-{}" name="reason" value="{}" maxlength="500" '
        'placeholder="Why?" required>'
        '<button type="submit" class="btn btn--small">Extend'
        '<span class="visually-hidden">: {}</span></button></form>',
        links["extend"],
        links["extend"],
        hidden,
        item.code,
        item.title,
        item.code,
        typed.get("due_date", ""),
        state.today.isoformat() if isinstance(state.today, date) else "",
        item.code,
        item.code,
        typed.get("reason", ""),
        item.title,
    )
    if not getattr(item, "assignees", None):
        return extend
    reassign = format_html(
        '<form method="post" class="dashboard-item__form" action="{}" hx-post="{}" '
        'hx-target="closest tr" hx-swap="outerHTML">{}'
        '<label class="visually-hidden" for="owner-{}">New owner of {}</label>'
        '<select id="owner-{}" name="owner">{}</select>'
        '<button type="submit" class="btn btn--small">Reassign'
        '<span class="visually-hidden">: {}</span></button></form>',
        links["reassign"],
        links["reassign"],
        hidden,
        item.code,
        item.title,
        item.code,
        item.assignee_options,
        item.title,
    )
    return extend + reassign


def _actions_cell(item: ActionItem, links: dict, state: RowState) -> SafeString:
    parts = []
    if state.error:
        parts.append(format_html('<p class="errorlist" role="alert">{}</p>', state.error))
    if state.message:
        parts.append(format_html('<p class="row-message" role="status">{}</p>', state.message))
    if item.is_finished:
        parts.append(
            format_html(
                '<span class="status status--item-{}">{}</span>',
                item.status,
                item.get_status_display(),
            )
        )
    else:
        hidden = _hidden_fields(item, state)
        parts.append(_quick_actions(item, links, hidden))
        if state.expanded:
            parts.append(_change_forms(item, links, hidden, state))
        else:
            change = f"{links['change']}?next={quote(state.next_url, safe='/')}"
            parts.append(
                format_html(
                    '<a class="small" href="{}" hx-get="{}" hx-target="closest tr" '
                    'hx-swap="outerHTML">Extend or reassign'
                    '<span class="visually-hidden">: {}</span></a>',
                    change,
                    change,
                    item.title,
                )
            )
    return mark_safe("".join(parts))


def item_row(item: ActionItem, state: RowState) -> SafeString:
    """The <tr> of `item`: needs `item.owner` and `item.postmortem.incident` loaded, and
    `item.assignees` / `item.assignee_options` when expanded
    (postmortems.selectors.attach_assignees)."""
    incident = item.postmortem.incident
    links = row_links(item)
    overdue = days_overdue(item, state.today)
    owner = item.owner if item.owner_id else mark_safe('<span class="muted">Nobody yet</span>')
    return format_html(
        '<tr id="item-{}" class="dashboard-item{}">'
        '<td><a href="{}#item-{}">{}</a> '
        '<a class="small dashboard-item__history" href="{}">History'
        '<span class="visually-hidden"> of {}</span></a></td>'
        '<td><a href="{}">{} {}</a></td>'
        "<td>{}</td><td>{}</td>"
        '<td><span class="badge badge--priority-{}">{}</span></td>'
        '<td class="dashboard-item__actions">{}</td></tr>\n',
        item.code,
        " row--overdue" if overdue else "",
        links["detail"],
        item.code,
        item.title,
        links["history"],
        item.title,
        links["incident"],
        incident.reference,
        incident.title,
        owner,
        _due_cell(item, overdue),
        item.priority,
        item.get_priority_display(),
        _actions_cell(item, links, state),
    )

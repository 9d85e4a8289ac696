"""Filter choices and facet links: the long lists of the archive and the incident list.

The archive shows ~80 filter options and up to ~80 facet links per page. As template
loops they cost ~700 variable lookups a page; one format_html_join per list renders
the same markup in a fraction of that (bench/README.md, search)."""

from urllib.parse import urlencode

from django import template
from django.utils.html import format_html_join
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

SELECTED = mark_safe(" selected")


@register.simple_tag
def filter_options(options, selected) -> SafeString:
    """The <option>s of a filter <select>: `options` are (value, text) pairs."""
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        ((value, SELECTED if value == selected else "", text) for value, text in options),
    )


@register.simple_tag
def facet_links(query: str, param: str, entries) -> SafeString:
    """A facet's <li>s: each links to the current search narrowed by `param`.

    `entries` are (object, count) pairs of objects with a slug and a name, or
    (value, label, count) triples."""
    prefix = f"?{query}&" if query else "?"
    rows = (
        (entry[0].slug, entry[0].name, entry[1]) if len(entry) == 2 else entry for entry in entries
    )
    return format_html_join(
        "",
        '<li><a href="{}">{}</a> <span class="count">{}</span></li>',
        ((prefix + urlencode({param: key}), label, n) for key, label, n in rows),
    )

"""Facet links: the archive's lists that narrow the current search.

The links' markup is templates/includes/facet_links.html; this tag works out each
link's query string (the current search plus one parameter, form-encoded as
urlencode() does), which a template filter cannot do in one step."""

from urllib.parse import urlencode

from django import template

register = template.Library()


@register.inclusion_tag("includes/facet_links.html")
def facet_links(query: str, param: str, entries) -> dict:
    """A facet's <li>s: each links to the current search narrowed by `param`.

    `entries` are (object, count) pairs of objects with a slug and a name, or
    (value, label, count) triples."""
    prefix = f"?{query}&" if query else "?"
    rows = (
        (entry[0].slug, entry[0].name, entry[1]) if len(entry) == 2 else entry for entry in entries
    )
    return {"links": [(prefix + urlencode({param: key}), label, n) for key, label, n in rows]}

"""The one pager under every paginated list (templates/includes/pager.html): the
list's other parameters are kept on both links, and a single page shows none."""

from typing import Any

import pytest
from django.core.paginator import Paginator
from django.template.loader import get_template, render_to_string

PAGED = [
    "postmortems/outbox.html",
    "postmortems/alert_deliveries.html",
    "alerting/rule_firings.html",
    "postmortems/incident_list.html",
    "postmortems/archive.html",
    "postmortems/dashboard_items.html",
]


def _pager(number: int, query: str = "") -> str:
    page = Paginator(list(range(120)), 50).get_page(number)
    return render_to_string("includes/pager.html", {"page": page, "query": query})


def test_the_pager_keeps_the_lists_parameters_on_both_links():
    html = _pager(2, "status=failed")
    assert 'href="?status=failed&amp;page=1" rel="prev">Previous' in html
    assert 'href="?status=failed&amp;page=3" rel="next">Next' in html
    assert "Page 2 of 3" in html


def test_without_parameters_the_links_carry_the_page_alone():
    html = _pager(1)
    assert 'href="?page=2" rel="next"' in html
    assert "Previous" not in html


def test_one_page_shows_no_pager():
    page = Paginator([1, 2], 50).get_page(1)
    assert render_to_string("includes/pager.html", {"page": page}).strip() == ""


@pytest.mark.parametrize("name", PAGED)
def test_every_paginated_list_uses_the_shared_pager(name):
    template: Any = get_template(name)  # the backend's wrapper around a Django Template
    source = template.template.source
    assert 'include "includes/pager.html"' in source
    assert 'class="pagination"' not in source

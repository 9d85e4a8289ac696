"""The dashboard's item tables on a phone and on a desktop: no sideways scrolling at
390 px, and every owner's table with its columns in the same places at 1280 px."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from tests.browser_support import sign_in
from tests.factories import (
    PASSWORD,
    ActionItemFactory,
    IncidentFactory,
    MembershipFactory,
    PostmortemFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONG = (
    "Move the session store off the shared cache cluster and add a circuit breaker "
    "around token refresh so a slow identity provider cannot exhaust the web workers"
)

# The x-positions of each owner's table's header cells, in document order.
COLUMN_X = """() => [...document.querySelectorAll('section[aria-labelledby=overdue] table')]
  .map(t => [...t.querySelectorAll('thead th')]
    .map(th => Math.round(th.getBoundingClientRect().x)))"""
DATE_LINES = """() => [...document.querySelectorAll('.items-table__date time')]
  .map(t => t.getClientRects().length)"""


def _demo_like_dashboard(team, lead, now):
    today = timezone.localdate(now, timezone=ZoneInfo(lead.time_zone))
    owners = [
        MembershipFactory(team=team, user__display_name=name).user
        for name in ("Ana Wilhelmina Ferreira-Schulz", "Bo", "Chidimma Okonkwo")
    ]
    for n, owner in enumerate(owners):
        incident = IncidentFactory(
            team=team,
            title=f"Checkout and payment confirmation pages timed out for EU customers {n}",
            started_at=now - dt.timedelta(days=30),
        )
        postmortem = PostmortemFactory(incident=incident)
        for k in range(n + 1):
            ActionItemFactory(
                postmortem=postmortem, owner=owner, title=f"{LONG} ({k})" if k % 2 == 0 else "Fix",
                due_date=today - dt.timedelta(days=3 + 40 * k),
            )  # fmt: skip
        ActionItemFactory(postmortem=postmortem, owner=owner, due_date=today + dt.timedelta(days=2))
    IncidentFactory(team=team, title=LONG, started_at=now - dt.timedelta(hours=40))
    return owners


def test_the_dashboard_fits_a_phone_and_its_tables_line_up_on_a_desktop(
    midweek_clock, page, lead, team
):
    _demo_like_dashboard(team, lead, now=midweek_clock)
    sign_in(page, lead.email, PASSWORD)

    page.goto("/dashboard/")
    positions = page.evaluate(COLUMN_X)
    assert len(positions) == 3
    assert positions[0] == positions[1] == positions[2]
    # A due date stays on one line: its cell is one line high.
    lines = page.evaluate(DATE_LINES)
    assert lines
    assert set(lines) == {1}

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/dashboard/")
    wide = page.evaluate(
        """() => [...document.querySelectorAll('body *')]
          .filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5)
          .map(e => e.tagName + '.' + e.className)
          .slice(0, 10)"""
    )
    scroll_width, inner_width = page.evaluate(
        "() => [document.documentElement.scrollWidth, window.innerWidth]"
    )
    assert scroll_width <= inner_width, wide
    # Each cell says which column it is.
    overdue = page.locator("section[aria-labelledby=overdue]")
    title_cell = overdue.locator("td[data-label='Action item']").first
    assert "Action item" in page.evaluate(
        "e => getComputedStyle(e, '::before').content", title_cell.element_handle()
    )

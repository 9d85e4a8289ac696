"""A team lead works the dashboard in the browser: extend with a reason, nudge, export."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from postmortems.models import ActionItemChange, OutboundMessage
from tests.browser_support import sign_in
from tests.factories import PASSWORD, ActionItemFactory, IncidentFactory, PostmortemFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_lead_extends_a_due_date_nudges_an_owner_and_exports_csv(
    midweek_clock, page, lead, owner, team, app_server
):
    # The overdue days, "due soon" and the nudge's one-per-day are counted in days: at
    # a Wednesday noon the test cannot cross a midnight or a weekend while it runs.
    now = midweek_clock
    today = timezone.localdate(now, timezone=ZoneInfo(lead.time_zone))
    incident = IncidentFactory(
        team=team, title="Cache stampede", started_at=now - dt.timedelta(days=20)
    )
    item = ActionItemFactory(
        postmortem=PostmortemFactory(incident=incident),
        owner=owner,
        title="Add request coalescing",
        due_date=today - dt.timedelta(days=4),
    )
    IncidentFactory(
        team=team, title="Login errors", started_at=now - dt.timedelta(hours=40),
        resolved_at=now - dt.timedelta(hours=30),
    )  # fmt: skip

    sign_in(page, lead.email, PASSWORD)
    page.get_by_role("link", name="Dashboard", exact=True).click()
    page.evaluate("window.__noReload = true")
    row = page.locator(f"#item-{item.code}")
    expect(row).to_contain_text("4 days overdue")
    tiles = page.locator("#dashboard-tiles")
    expect(tiles).to_contain_text("1 overdue action item")
    expect(page.locator("#missing").locator("xpath=..")).to_contain_text("past the 24 h deadline")

    # Extending needs a reason: the browser asks for it, then the row updates in place.
    row.get_by_role("link", name="Extend or reassign").click()
    new_due = today + dt.timedelta(days=5)  # now due soon
    row.get_by_label("New due date for Add request coalescing").fill(new_due.isoformat())
    row.get_by_label("Why the date moves").fill("Waiting for the cache client upgrade")
    row.get_by_role("button", name="Extend").click()
    expect(page.locator(f"#item-{item.code}")).not_to_contain_text("overdue")
    expect(tiles).to_contain_text("0 overdue action items")  # the counts follow, no reload
    change = ActionItemChange.objects.get(action_item=item, field="due_date")
    assert change.reason == "Waiting for the cache client upgrade"
    assert change.changed_by == lead

    # One nudge per item per day, however often the button is pressed.
    page.locator(f"#item-{item.code}").get_by_role("button", name="Nudge").click()
    expect(page.locator(f"#item-{item.code}")).to_contain_text("Nudged")
    page.locator(f"#item-{item.code}").get_by_role("button", name="Nudge").click()
    expect(page.locator(f"#item-{item.code}")).to_contain_text("Already nudged today")
    assert OutboundMessage.objects.filter(kind="nudge", recipient=owner).count() == 1
    assert page.evaluate("window.__noReload") is True

    # The trend charts are there, as groups of links with their numbers.
    expect(page.locator("svg.chart__svg[role=group]")).to_have_count(6)

    with page.expect_download() as download:
        page.locator("#due-soon").locator("xpath=..").get_by_role("link", name="Export CSV").click()
    text = download.value.path().read_text(encoding="utf-8")
    assert "Add request coalescing" in text

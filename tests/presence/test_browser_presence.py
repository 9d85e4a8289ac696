"""Two people in the same review's editor, in Chromium: one sees where the other is
writing, beside that section, and sees them go."""

import pytest
from playwright.sync_api import expect

from tests.browser_support import sign_in
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _edit_url(postmortem) -> str:
    return f"/incidents/INC-{postmortem.incident.number}/postmortem/edit/"


def test_one_sees_the_other_editing_impact_and_then_leaving(
    page, app_server, settings, postmortem, owner, teammate
):
    settings.PRESENCE_POLL_SECONDS = 1
    other = page.context.browser.new_context(base_url=app_server)
    other.set_default_timeout(10_000)
    second = other.new_page()
    try:
        sign_in(page, owner.email, PASSWORD)
        sign_in(second, teammate.email, PASSWORD)
        page.goto(_edit_url(postmortem))
        second.goto(_edit_url(postmortem))

        # Both are here, reading: each sees the other on the line, no slot filled.
        line = page.locator("#presence-people")
        expect(line).to_have_text("Also here: Tariq Teammate", timeout=5_000)
        expect(second.locator("#presence-people")).to_have_text("Also here: Olivia Owner")

        # The document opens Impact in place (a click on its text, or "Write impact"
        # while empty); its text box takes the focus.
        second.locator("#section-impact").locator(
            ".doc-section__body, .doc-section__edit"
        ).first.click()
        second.get_by_label("Impact", exact=True).focus()

        impact = page.locator("#presence-impact")
        expect(impact).to_contain_text("TT", timeout=3_000)
        expect(impact.locator(".presence-avatar")).to_have_attribute("title", "Tariq Teammate")
        expect(line).to_have_text("Also here: Tariq Teammate (editing Impact)")
        expect(page.locator("#presence-summary .presence-avatar")).to_have_count(0)
        # Their own page shows no slot for themselves.
        expect(second.locator("#presence-impact .presence-avatar")).to_have_count(0)

        # Moving to the timeline's form: the impact slot clears, the timeline's fills.
        second.locator("#timeline").get_by_role("textbox").first.focus()
        expect(page.locator("#presence-timeline")).to_contain_text("TT", timeout=3_000)
        expect(impact.locator(".presence-avatar")).to_have_count(0)

        # Leaving: the beacon says so, and the next poll shows them gone.
        second.goto("/incidents/")
        expect(page.locator("#presence-timeline .presence-avatar")).to_have_count(0, timeout=3_000)
        expect(line).to_be_empty()
        expect(page.locator("[data-presence-announce]")).to_have_text("Tariq Teammate left.")
    finally:
        other.close()

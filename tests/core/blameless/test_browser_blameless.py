"""Blameless language is flagged while typing in Chromium and disappears when reworded."""

import pytest
from playwright.sync_api import expect

from postmortems.models import BlamelessDismissal
from tests.browser_support import open_section, sign_in
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_hindsight_sentence_is_highlighted_then_reworded_away(page, owner, postmortem):
    sign_in(page, owner.email, PASSWORD)
    page.goto(f"/incidents/INC-{postmortem.incident.number}/postmortem/edit/")
    page.evaluate("window.__noReload = true")
    open_section(page, "contributing_factors", link="Write|Edit")
    findings = page.locator("#blameless-contributing_factors")
    editor = page.get_by_label("Contributing factors", exact=True)

    editor.fill("Bob should have checked the config")
    mark = findings.locator("mark")
    expect(mark).to_have_text("should have checked")
    expect(mark).to_have_attribute("title", "Hindsight: " + _suggestion_start())
    expect(findings).to_contain_text("Suggestion: Say what people knew and did at the time")

    editor.fill("The config check was not part of the deploy pipeline")
    expect(findings.locator("mark")).to_have_count(0)

    # A quoted remark can be kept: dismiss it with a reason.
    editor.fill("The on-call said it was obviously the cache.")
    expect(findings.locator("mark")).to_have_text("obviously")
    findings.get_by_label("Fine because").fill("direct quote")
    findings.get_by_role("button", name="Dismiss").click()
    expect(findings.locator("mark")).to_have_count(0)
    assert BlamelessDismissal.objects.get().reason == "direct quote"
    assert page.evaluate("window.__noReload") is True


def _suggestion_start() -> str:
    return (
        "Says what someone should have done instead of what happened. Suggestion: Say what "
        "people knew and did at the time and why it made sense, e.g. “the config was not "
        "checked before the deploy; nothing in the pipeline asked for it”."
    )

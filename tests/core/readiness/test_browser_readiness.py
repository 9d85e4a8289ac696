"""An author finishes a draft in Chromium: the checklist says what is missing, keeps up with
every save, and the publish button opens once every required check passes."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from postmortems.models import Postmortem
from tests.browser_support import sign_in
from tests.factories import PASSWORD, IncidentFactory, PostmortemFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _check(page, name):
    return page.locator(f'#readiness [data-check="{name}"]')


def _save_section(page, name, label, text):
    section = page.locator(f"#section-{name}")
    # The section reads as the document does until its form is opened in place.
    section.get_by_role("link", name=re.compile(rf"^(Write|Edit) {label.lower()}$")).click()
    page.get_by_label(label, exact=True).fill(text)
    page.locator(f"#section-{name}").get_by_role("button", name=f"Save {label.lower()}").click()
    expect(page.locator(f"#section-{name} .saved")).to_have_text("Saved")


def _add_event(page, when, kind, text):
    # The full fields of the quick entry ("More fields"): a date and a kind set apart.
    entry = page.locator("#timeline-entry")
    more = entry.locator("details.timeline-entry__more")
    if more.get_attribute("open") is None:
        entry.get_by_text("More fields").click()
    entry.get_by_label("When").fill(when)
    entry.get_by_label("Kind").select_option(kind)
    entry.get_by_label("New event").fill(text)
    entry.get_by_role("button", name="Add", exact=True).click()
    expect(page.locator("#timeline")).to_contain_text(text)


def test_a_draft_becomes_publishable_as_its_author_fills_in_the_gaps(page, owner, team):
    incident = IncidentFactory(team=team, owner=owner, severity="SEV2", title="Checkout errors")
    PostmortemFactory(incident=incident, summary="A deploy shrank the connection pool.", impact="")
    sign_in(page, owner.email, PASSWORD)
    page.goto(f"/incidents/{incident.reference}/postmortem/edit/")
    page.evaluate("window.__noReload = true")

    publish = page.locator("#status-actions").get_by_role("button", name="Publish")
    expect(publish).to_be_disabled()
    expect(page.locator("#readiness-verdict")).to_contain_text("Not ready to publish.")
    expect(_check(page, "summary")).to_have_class("check check--passed")
    expect(_check(page, "impact")).to_contain_text("Write the impact")
    expect(_check(page, "timeline")).to_contain_text(
        "The timeline has no detection, mitigation or resolution event"
    )
    expect(_check(page, "action_items")).to_contain_text("Add at least one action item")

    # The "Fix this" link leads to the part of the editor that fixes it.
    _check(page, "impact").get_by_role("link", name="Fix this").click()
    expect(page).to_have_url(re.compile(r"/postmortem/edit/#section-impact$"))

    # Each save refreshes the checklist in place.
    _save_section(page, "impact", "Impact", "Checkout was slow and people were unhappy.")
    expect(_check(page, "impact")).to_contain_text("no numbers or durations")
    _save_section(page, "impact", "Impact", "4% of checkouts failed for 38 minutes.")
    expect(_check(page, "impact")).to_have_class("check check--passed")
    _save_section(
        page, "contributing_factors", "Contributing factors", "The pool size had no limit check."
    )
    _save_section(page, "went_well", "What went well", "The alert fired within 6 minutes.")
    _save_section(page, "went_wrong", "What went wrong", "The rollback runbook was stale.")
    expect(_check(page, "reflection")).to_contain_text("Answer “where we got lucky”.")
    _save_section(page, "got_lucky", "Where we got lucky", "It was a quiet Sunday.")
    expect(_check(page, "reflection")).to_have_class("check check--passed")

    _add_event(page, "2026-11-02T09:07", "detection", "Error-rate alert fired.")
    expect(_check(page, "timeline")).to_contain_text("no mitigation or resolution event")
    _add_event(page, "2026-11-02T09:45", "mitigation", "Pool size rolled back.")
    _add_event(page, "2026-11-02T11:00", "resolution", "Error rate back to normal.")
    expect(_check(page, "timeline")).to_have_class("check check--passed")

    # A vague action item without an owner is flagged next to the item and in the checklist.
    new_item = page.locator("#actions-new")
    new_item.get_by_label("Title").fill("Improve monitoring")
    new_item.get_by_role("button", name="Add action item").click()
    item = page.locator("#actions .action-item").first
    expect(item.locator('[data-flag="vague-improve"]')).to_be_visible()
    expect(item.locator('[data-flag="no-owner"]')).to_be_visible()
    expect(_check(page, "action_items")).to_have_class("check check--passed")
    expect(_check(page, "actionable_items")).to_contain_text(
        "1 action item needs work: “Improve monitoring”: vague: “improve”, no owner, "
        "no due date, no type, no way to know it worked."
    )
    expect(publish).to_be_disabled()

    # Make it concrete, owned, dated and typed.
    item.get_by_role("link", name="Edit").click()
    editing = page.locator(".action-item--editing")
    editing.get_by_label("Title").fill("Alert when the connection pool is over 90% for 5 minutes")
    editing.get_by_role("combobox", name="Owner").fill(owner.display_name)
    editing.get_by_role("option", name=owner.display_name).click()
    expect(editing.locator(".people-picker__chip")).to_contain_text(owner.display_name)
    due = timezone.localdate() + dt.timedelta(days=30)
    editing.get_by_label("Due date").fill(due.isoformat())
    editing.get_by_label("Type").select_option("detect")
    editing.get_by_label("How we will know it worked").select_option("alert")
    editing.get_by_label("Verification plan").fill("It fires when staging's pool is held at 95%.")
    editing.get_by_role("button", name="Save action item").click()
    expect(page.locator("#actions .quality-flags")).to_have_count(0)

    # No alert caught it: say how it was found, and mark the detection review reviewed.
    expect(publish).to_be_disabled()
    detection = page.locator("#detection")
    expect(detection).to_contain_text("No alert fired for this incident.")
    expect(_check(page, "detection")).to_contain_text("Say how the incident was found.")
    detection.get_by_label("How was the incident first found?").select_option("person")
    detection.get_by_role("button", name="Save how it was found").click()
    expect(_check(page, "detection")).to_contain_text("Mark the detection review reviewed.")
    page.locator("#detection").get_by_role("button", name="Mark detection reviewed").click()
    expect(page.locator("#detection")).to_contain_text("Reviewed by")
    expect(_check(page, "detection")).to_have_class("check check--passed")

    expect(page.locator("#readiness-verdict")).to_contain_text("Ready to publish.")
    expect(publish).to_be_enabled()
    assert page.evaluate("window.__noReload") is True

    publish.click()
    expect(page.locator(".report")).to_contain_text("4% of checkouts failed for 38 minutes.")
    expect(page.locator("#readiness")).to_have_count(0)
    postmortem = Postmortem.objects.get(incident=incident)
    assert postmortem.status == "published"
    assert postmortem.published_at is not None

"""Importing a chat transcript into the timeline in Chromium, without a page reload."""

import pytest
from playwright.sync_api import expect

from postmortems.models import TimelineEvent
from tests.browser_support import sign_in
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_engineer_imports_chat_lines_and_leaves_one_out(page, owner, postmortem):
    sign_in(page, owner.email, PASSWORD)
    page.goto(f"/incidents/{postmortem.incident.reference}/postmortem/edit/")
    page.evaluate("window.__noReload = true")

    page.get_by_text("Import from chat").click()
    page.get_by_label("Chat transcript").fill(
        "[09:05] alice: PagerDuty alert fired for checkout\n"
        "[09:12] bob: looking at the dashboards\n"
        "[09:20] carol: rolled back deploy 42\n"
        "garbage before nothing? no: a continuation of carol's message\n"
    )
    page.get_by_role("button", name="Preview events").click()
    preview = page.locator("#chat-import")
    expect(preview.get_by_text("Preview: 3 messages")).to_be_visible()
    rows = preview.locator(".chat-preview__row")
    expect(rows).to_have_count(3)
    expect(rows.nth(2).get_by_label("Kind of message 3")).to_have_value("mitigation")

    rows.nth(1).get_by_label("Import message 2").uncheck()
    page.get_by_role("button", name="Import selected events").click()

    timeline = page.locator("#timeline .timeline-item")
    expect(timeline).to_have_count(2)
    expect(timeline.nth(0)).to_contain_text("alice: PagerDuty alert fired for checkout")
    expect(timeline.nth(1)).to_contain_text("carol: rolled back deploy 42")
    expect(timeline.nth(1)).to_contain_text("Mitigation")
    assert page.evaluate("window.__noReload") is True
    assert TimelineEvent.objects.filter(postmortem=postmortem).count() == 2


def test_an_engineer_uploads_a_slack_export_zip_and_imports_it_in_place(page, owner, postmortem):
    from tests.core.chat_import.slack_exports import workspace_zip

    sign_in(page, owner.email, PASSWORD)
    page.goto(f"/incidents/{postmortem.incident.reference}/postmortem/edit/")
    page.evaluate("window.__noReload = true")

    page.get_by_text("Import from chat").click()
    page.get_by_label("Or upload a Slack export").set_input_files(
        files=[
            {
                "name": "export.zip",
                "mimeType": "application/zip",
                "buffer": workspace_zip(channels=("inc-checkout",)),
            }
        ]
    )
    page.get_by_role("button", name="Preview events").click()
    preview = page.locator("#chat-import")
    expect(preview.get_by_text("Preview: 10 messages")).to_be_visible()
    expect(preview.locator(".chat-import__counts")).to_contain_text("10 new")
    page.get_by_role("button", name="Import selected events").click()

    timeline = page.locator("#timeline .timeline-item")
    expect(timeline).to_have_count(10)
    expect(timeline.nth(1)).to_contain_text("Alice Adams: Paged: checkout 5xx > 5%")
    expect(timeline.nth(3).locator("pre code")).to_contain_text("panic: *not bold* <not a link>")
    assert page.evaluate("window.__noReload") is True
    assert TimelineEvent.objects.filter(postmortem=postmortem).count() == 10

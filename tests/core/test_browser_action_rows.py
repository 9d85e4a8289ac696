"""Deleting action items and ideas in Chromium, with htmx and without JavaScript: their
Delete buttons belong to the list's one form (form= and formaction), which holds the
CSRF token."""

import pytest
from playwright.sync_api import expect

from postmortems.models import ActionItem
from tests.browser_support import sign_in
from tests.factories import PASSWORD, ActionItemFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _edit_url(postmortem) -> str:
    return f"/incidents/{postmortem.incident.reference}/postmortem/edit/"


def test_an_action_item_and_an_idea_are_deleted_in_place(page, owner, postmortem, midweek_clock):
    kept = ActionItemFactory(postmortem=postmortem, title="Alert on replica lag over 30 s")
    item = ActionItemFactory(postmortem=postmortem, title="Rotate the on-call runbook owner")
    idea = ActionItemFactory(
        postmortem=postmortem, title="Try a canary region", status="idea", owner=None
    )
    sign_in(page, owner.email, PASSWORD)
    page.goto(_edit_url(postmortem))
    page.evaluate("window.__noReload = true")
    for row, name in ((item, item.title), (idea, idea.title)):
        page.once("dialog", lambda dialog: dialog.accept())
        page.get_by_role("button", name=f"Delete {name}").click()
        expect(page.locator(f"#item-{row.code}")).to_have_count(0)
    expect(page.locator(f"#item-{kept.code}")).to_have_count(1)
    assert list(ActionItem.objects.values_list("pk", flat=True)) == [kept.pk]
    assert page.evaluate("window.__noReload") is True


def test_without_javascript_an_item_and_an_idea_are_deleted(
    page, owner, postmortem, midweek_clock, app_server
):
    item = ActionItemFactory(postmortem=postmortem, title="Rotate the on-call runbook owner")
    idea = ActionItemFactory(
        postmortem=postmortem, title="Try a canary region", status="idea", owner=None
    )
    context = page.context.browser.new_context(base_url=app_server, java_script_enabled=False)
    plain = context.new_page()
    try:
        sign_in(plain, owner.email, PASSWORD)
        plain.goto(_edit_url(postmortem))
        for row, name in ((item, item.title), (idea, idea.title)):
            plain.get_by_role("button", name=f"Delete {name}").click()
            expect(plain.locator(f"#item-{row.code}")).to_have_count(0)
    finally:
        context.close()
    assert not ActionItem.objects.exists()

"""The Content-Security-Policy blocks nothing the app itself does, htmx included."""

import pytest
from playwright.sync_api import expect

from postmortems.services.postmortems import postmortem_set_status
from tests.browser_support import open_section, sign_in
from tests.factories import PASSWORD, ActionItemFactory, complete_postmortem

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Runs before any script of each page: every violation the browser reports is kept.
LISTEN = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(
    `${event.violatedDirective} blocked ${event.blockedURI || "inline"} on ${location.pathname}`
  );
});
"""


def _violations(page) -> list[str]:
    return page.evaluate("window.__cspViolations")


def _assert_no_violations(page) -> None:
    page.wait_for_load_state("load")
    assert _violations(page) == []


def test_editor_dashboard_and_archive_run_under_the_policy(page, owner, team, postmortem):
    page.add_init_script(LISTEN)
    ActionItemFactory(postmortem=postmortem, owner=owner, title="Alert on pool saturation")
    published = complete_postmortem(postmortem)
    postmortem_set_status(postmortem=published, status="published", by=owner)
    postmortem_set_status(postmortem=published, status="draft", by=owner)  # editable again
    sign_in(page, owner.email, PASSWORD)
    _assert_no_violations(page)

    # The editor: live preview and the language check (htmx posts and swaps).
    page.goto(f"/incidents/{postmortem.incident.reference}/postmortem/edit/")
    page.evaluate("window.__noReload = true")
    open_section(page, "summary")  # the form opens in place
    page.get_by_label("Summary", exact=True).fill("The pool was **too small**; Bob should have")
    expect(page.locator("#preview-summary strong")).to_have_text("too small")
    page.get_by_role("button", name="Save summary").click()
    expect(page.locator("#section-summary .saved")).to_have_text("Saved")
    assert page.evaluate("window.__noReload") is True
    _assert_no_violations(page)

    # The dashboard, with its charts.
    page.get_by_role("link", name="Dashboard", exact=True).click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    _assert_no_violations(page)

    # The archive: search as you type.
    postmortem_set_status(postmortem=published, status="published", by=owner)
    page.get_by_role("link", name="Archive", exact=True).click()
    page.evaluate("window.__noReload = true")
    page.get_by_label("Search published reviews").fill("pool")
    expect(page.locator("#results .hit")).to_have_count(1)
    assert page.evaluate("window.__noReload") is True
    _assert_no_violations(page)

    # The listener does hear violations: an inline style is refused and reported.
    page.evaluate("document.body.insertAdjacentHTML('beforeend', '<p style=\"color: red\">x</p>')")
    page.wait_for_function("window.__cspViolations.length > 0")
    assert "style-src" in _violations(page)[0]


def test_the_admin_runs_under_the_policy(page, admin_user, postmortem, team):
    page.add_init_script(LISTEN)
    sign_in(page, admin_user.email, PASSWORD)
    pages = [
        "/admin/",
        "/admin/postmortems/incident/",
        f"/admin/postmortems/incident/{postmortem.incident.pk}/change/",
        f"/admin/postmortems/postmortem/{postmortem.pk}/change/",
        f"/admin/accounts/team/{team.pk}/change/",
        f"/admin/accounts/user/{admin_user.pk}/change/",
        "/admin/audit/auditevent/",
        "/admin/axes/accessattempt/",
    ]
    for path in pages:
        page.goto(path)
        expect(page.locator("#content")).to_be_visible()
        _assert_no_violations(page)
    # Widgets that run script: the prepopulated slug and the autocomplete select.
    page.goto("/admin/accounts/team/add/")
    page.get_by_label("Name:").press_sequentially("Site Reliability")
    expect(page.get_by_label("Slug:")).to_have_value("site-reliability")
    page.goto(f"/admin/postmortems/incident/{postmortem.incident.pk}/change/")
    page.locator(".field-owner .select2-selection").click()
    expect(page.locator(".select2-results__option").first).to_be_visible()
    _assert_no_violations(page)

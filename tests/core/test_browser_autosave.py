"""Concurrent editing, autosave and offline drafts in Chromium.

Timers run on Playwright's fake clock (page.clock), so the two-second autosave delay
and the retry backoff are advanced explicitly instead of slept through.
"""

import pytest
from playwright.sync_api import expect

from postmortems.services.postmortems import postmortem_start
from postmortems.views import editor as editor_views
from tests.browser_support import open_section, sign_in
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SAVE_URL = "**/postmortem/sections/summary/"


@pytest.fixture
def review(incident, owner):
    postmortem = postmortem_start(incident=incident, by=owner)
    postmortem.summary = "Checkout slowed down."
    postmortem.save(update_fields=["summary"])
    return postmortem


def _edit_url(review) -> str:
    return f"/incidents/INC-{review.incident.number}/postmortem/edit/"


def _open_summary(page) -> None:
    """The section reads as the document does; its Edit link opens the form in place."""
    open_section(page, "summary")
    expect(page.get_by_label("Summary", exact=True)).to_be_focused()


def test_the_second_of_two_people_saving_a_section_sees_both_texts(
    page, app_server, review, owner, teammate
):
    other = page.context.browser.new_context(base_url=app_server)
    other.set_default_timeout(10_000)
    second = other.new_page()
    try:
        sign_in(page, owner.email, PASSWORD)
        sign_in(second, teammate.email, PASSWORD)
        page.goto(_edit_url(review))
        second.goto(_edit_url(review))
        # Each sees the other arrive (a line above the document) before clicking, and
        # the second sees the first editing the summary (initials in its heading): both
        # move what is below them, and a click must not land where a link just was.
        expect(second.locator("#presence-people")).to_contain_text("Also here")
        poll = int(page.locator("#presence-people").get_attribute("data-presence-interval"))
        expect(page.locator("#presence-people")).to_contain_text(
            "Also here", timeout=(poll + 10) * 1000
        )  # at its next report
        _open_summary(page)
        expect(second.locator("#presence-summary")).to_contain_text(
            "is editing this", timeout=(poll + 10) * 1000
        )
        _open_summary(second)

        page.get_by_label("Summary", exact=True).fill("Olivia: the pool shrank to 8.")
        page.get_by_role("button", name="Save summary").click()
        expect(page.locator("#section-summary .saved")).to_have_text("Saved")

        second.get_by_label("Summary", exact=True).fill("Tariq: checkout timed out.")
        second.get_by_role("button", name="Save summary").click()

        conflict = second.locator("#section-summary .conflict-view")
        expect(conflict).to_contain_text("Someone else saved this section")
        expect(conflict.locator(".conflict")).to_contain_text("Olivia: the pool shrank to 8.")
        expect(conflict.locator("table.diff ins")).to_contain_text("Tariq: checkout timed out.")
        merge = second.get_by_label("Summary", exact=True)
        expect(merge).to_have_value("Tariq: checkout timed out.")
        review.refresh_from_db()
        assert review.summary == "Olivia: the pool shrank to 8."

        # Merge both and save: accepted against the version now shown.
        merge.fill("Olivia: the pool shrank to 8. Tariq: checkout timed out.")
        second.get_by_role("button", name="Save merged summary").click()
        expect(second.locator("#section-summary .saved")).to_have_text("Saved")
        review.refresh_from_db()
        assert review.summary == "Olivia: the pool shrank to 8. Tariq: checkout timed out."
    finally:
        other.close()


def test_typing_is_autosaved_two_seconds_after_the_last_keystroke(page, review, owner):
    page.clock.install()
    sign_in(page, owner.email, PASSWORD)
    page.goto(_edit_url(review))
    _open_summary(page)
    summary = page.get_by_label("Summary", exact=True)
    summary.fill("Checkout slowed down when the pool shrank.")
    status = page.locator("#section-summary .autosave-status")
    expect(status).to_have_text("Unsaved changes")

    page.clock.run_for(1500)
    review.refresh_from_db()
    assert review.summary == "Checkout slowed down."  # not yet: still typing

    with page.expect_response(lambda r: r.url.endswith("/sections/summary/")) as answer:
        page.clock.run_for(1000)
    assert answer.value.status == 200
    expect(status).to_contain_text("Saved")
    review.refresh_from_db()
    assert review.summary == "Checkout slowed down when the pool shrank."
    assert page.evaluate("Object.keys(localStorage).length") == 0


def _server_error(**kwargs):
    raise RuntimeError("The database is unavailable.")


def test_a_failed_autosave_is_shown_and_the_text_survives_a_reload(
    page, review, owner, monkeypatch
):
    page.clock.install()
    sign_in(page, owner.email, PASSWORD)
    page.route(SAVE_URL, lambda route: route.abort())
    page.goto(_edit_url(review))
    _open_summary(page)
    page.get_by_label("Summary", exact=True).fill("Typed while the network was down.")

    page.clock.run_for(2500)
    status = page.locator("#section-summary .autosave-status")
    expect(status).to_contain_text("Not saved — retrying")

    # Reloading sends the text once more, with fetch keepalive, which page.route does
    # not intercept: that save fails on the server side instead (a 500).
    monkeypatch.setattr(editor_views, "postmortem_update_section", _server_error)
    page.reload()
    # The section this browser holds unsaved text for opens as its form by itself.
    expect(page.get_by_label("Summary", exact=True)).to_have_value(
        "Typed while the network was down."
    )
    expect(page.locator("#section-summary .autosave-status")).to_contain_text("Restored")
    review.refresh_from_db()
    assert review.summary == "Checkout slowed down."  # it came from this browser

    # The network is back: the next retry saves it and the browser forgets the draft.
    page.unroute(SAVE_URL)
    monkeypatch.undo()
    with page.expect_response(lambda r: r.url.endswith("/sections/summary/")):
        page.clock.run_for(2500)
    expect(page.locator("#section-summary .autosave-status")).to_contain_text("Saved")
    review.refresh_from_db()
    assert review.summary == "Typed while the network was down."
    assert page.evaluate("Object.keys(localStorage).length") == 0

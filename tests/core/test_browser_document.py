"""The editor reads as one document in Chromium: a section opens in place by click or
keyboard and closes back into the text; on a phone nothing scrolls sideways and the
side panel is a drawer."""

import pytest
from playwright.sync_api import expect

from postmortems.services.postmortems import postmortem_set_status
from tests.browser_support import open_section, sign_in
from tests.factories import PASSWORD, complete_postmortem

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _editor(postmortem) -> str:
    return f"/incidents/{postmortem.incident.reference}/postmortem/edit/"


@pytest.fixture
def written(postmortem):
    postmortem.summary = "A deploy shrank the connection pool."
    postmortem.lessons = ""
    postmortem.save()
    return postmortem


def test_a_click_on_a_section_opens_it_in_place_and_save_shows_the_document(page, owner, written):
    sign_in(page, owner.email, PASSWORD)
    page.goto(_editor(written))
    page.evaluate("window.__noReload = true")
    section = page.locator("#section-summary")
    expect(section.locator("textarea")).to_have_count(0)

    section.get_by_text("A deploy shrank the connection pool.").click()
    text = page.get_by_label("Summary", exact=True)
    expect(text).to_be_focused()
    expect(page.locator("#preview-summary")).to_contain_text("A deploy shrank")
    text.fill("A deploy shrank the pool to **8** connections.")
    expect(page.locator("#preview-summary strong")).to_have_text("8")
    section.get_by_role("button", name="Save summary").click()

    expect(section.locator(".saved")).to_have_text("Saved")
    expect(section.locator("textarea")).to_have_count(0)
    expect(section.locator(".doc-section__body strong")).to_have_text("8")
    expect(section.locator(".presence-slot")).to_have_count(1)
    assert page.evaluate("window.__noReload") is True
    written.refresh_from_db()
    assert written.summary == "A deploy shrank the pool to **8** connections."


# Types into the lessons form in the very instant it is put on the page, before any
# timer of the page could run.
TYPE_AS_IT_APPEARS = """() => {
  new MutationObserver((_, observer) => {
    const text = document.getElementById('id_lessons_text');
    if (!text) return;
    observer.disconnect();
    text.value = 'Retries outlasted the **timeout**.';
    text.dispatchEvent(new Event('input', {bubbles: true}));
  }).observe(document.body, {childList: true, subtree: true});
}"""


def test_a_section_listens_from_the_moment_it_is_on_the_page(page, owner, written):
    """htmx settles a swap at once, so what is typed into a form that has just opened is
    previewed; with a settle delay the form stays deaf for its first moments."""
    sign_in(page, owner.email, PASSWORD)
    page.goto(_editor(written))
    page.evaluate(TYPE_AS_IT_APPEARS)
    page.locator("#section-lessons").get_by_role("link", name="Write lessons").click()
    expect(page.locator("#preview-lessons strong")).to_have_text("timeout")


def test_a_section_opens_and_saves_with_the_keyboard_alone(page, owner, written):
    sign_in(page, owner.email, PASSWORD)
    page.goto(_editor(written))
    body = page.locator("#section-summary .doc-section__body")
    body.focus()
    page.keyboard.press("Enter")
    text = page.get_by_label("Summary", exact=True)
    expect(text).to_be_focused()

    # Escape closes an unchanged editor, and the focus goes back to the section.
    page.keyboard.press("Escape")
    expect(text).to_have_count(0)
    expect(body).to_be_focused()

    page.keyboard.press("e")
    expect(text).to_be_focused()
    page.keyboard.press("End")
    page.keyboard.type(" Nobody was paged.")
    page.keyboard.press("Escape")  # changed: Escape keeps it open
    expect(text).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Save summary")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#section-summary .saved")).to_have_text("Saved")
    expect(body).to_be_focused()
    written.refresh_from_db()
    assert written.summary == "A deploy shrank the connection pool. Nobody was paged."


def test_an_empty_section_is_a_prompt_that_opens_its_form(page, owner, written):
    sign_in(page, owner.email, PASSWORD)
    page.goto(_editor(written))
    lessons = page.locator("#section-lessons")
    expect(lessons).to_contain_text("What we learned about the system")
    assert lessons.bounding_box()["height"] < 140  # a prompt, not a large empty box
    lessons.get_by_role("link", name="Write lessons").click()
    expect(page.get_by_label("Lessons", exact=True)).to_be_focused()


def _fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_on_a_phone_nothing_scrolls_sideways_and_the_panel_is_a_drawer(page, owner, written):
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, owner.email, PASSWORD)
    page.goto(_editor(written))
    _fits(page)
    checklist = page.locator("#readiness-verdict")
    expect(checklist).to_be_hidden()  # folded away: the document comes first
    page.get_by_text("Checklist, wording and comments").click()
    expect(checklist).to_be_visible()
    _fits(page)

    # The section bar is not pinned: it scrolls away with the page.
    page.evaluate("window.scrollTo(0, 1500)")
    nav_top = page.evaluate("document.querySelector('.editor-toc').getBoundingClientRect().top")
    assert nav_top < 0

    open_section(page, "summary")
    expect(page.get_by_label("Summary", exact=True)).to_be_visible()
    _fits(page)

    page.goto(f"/incidents/{written.incident.reference}/postmortem/")
    _fits(page)


def test_the_published_read_view_fits_a_phone(page, owner, written):
    complete_postmortem(written)
    postmortem_set_status(postmortem=written, status="published", by=owner)
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, owner.email, PASSWORD)
    page.goto(f"/incidents/{written.incident.reference}/postmortem/")
    expect(page.locator(".report")).to_be_visible()
    _fits(page)
    page.goto(_editor(written))
    _fits(page)
    # Published: the checklist is folded even once the panel is open.
    page.get_by_text("Checklist, wording and comments").click()
    expect(page.locator("#readiness-verdict")).to_be_hidden()

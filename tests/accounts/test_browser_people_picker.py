"""People pickers in Chromium, with the keyboard only: type, arrow, Enter, Backspace,
Escape."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from postmortems.models import ActionItem
from tests.browser_support import sign_in
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_authors_are_picked_and_removed_with_the_keyboard(page, owner, postmortem):
    joanna = UserFactory(display_name="Joanna Berg", email="joanna@example.com")
    sign_in(page, owner.email, PASSWORD)
    author = postmortem.authors.get()
    page.goto(reverse("pm-postmortem-edit", args=[postmortem.incident.number]))
    page.wait_for_load_state()
    details = page.locator("#details")
    details.get_by_text("Edit authors and tags").click()  # the document's details, folded
    authors = details.get_by_role("combobox", name="Authors")
    expect(authors).to_have_attribute("aria-expanded", "false")
    expect(details.locator(".people-picker__chip")).to_have_text([re.compile(author.display_name)])

    authors.focus()
    page.keyboard.type("joan")
    listbox = details.get_by_role("listbox", name="Matching people")
    expect(listbox.get_by_role("option")).to_have_count(1)
    expect(authors).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("ArrowDown")
    expect(authors).to_have_attribute("aria-activedescendant", re.compile(r".+_listbox_0$"))
    expect(listbox.get_by_role("option", selected=True)).to_contain_text("Joanna Berg")
    page.keyboard.press("Enter")
    expect(details.locator(".people-picker__chip")).to_have_count(2)
    expect(authors).to_have_value("")
    expect(authors).to_have_attribute("aria-expanded", "false")

    # Backspace on the empty input removes the last chip; pick her again.
    page.keyboard.press("Backspace")
    expect(details.locator(".people-picker__chip")).to_have_count(1)
    page.keyboard.type("berg")
    expect(listbox.get_by_role("option")).to_have_count(1)
    page.keyboard.press("Escape")
    expect(listbox).to_be_hidden()
    expect(authors).to_have_attribute("aria-expanded", "false")
    page.keyboard.press("ArrowDown")  # opens the list again
    page.keyboard.press("Enter")
    expect(details.locator(".people-picker__chip")).to_have_count(2)

    # The first author's remove button, reached with Shift+Tab.
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    expect(page.locator(":focus")).to_have_attribute("aria-label", f"Remove {author.display_name}")
    page.keyboard.press("Enter")
    expect(details.locator(".people-picker__chip")).to_have_count(1)
    expect(authors).to_be_focused()

    details.get_by_role("button", name="Save authors and tags").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text("Authors and tags saved.")).to_be_visible()
    assert list(postmortem.authors.all()) == [joanna]


def test_an_action_items_owner_is_picked_with_the_keyboard(page, owner, postmortem):
    kim = UserFactory(display_name="Kim Owens", email="kim@example.com")
    sign_in(page, owner.email, PASSWORD)
    page.goto(reverse("pm-postmortem-edit", args=[postmortem.incident.number]))
    page.wait_for_load_state()
    new_item = page.locator("#actions-new")
    new_item.get_by_label("Title").fill("Alert on pool saturation")
    picker = new_item.get_by_role("combobox", name="Owner")
    picker.focus()
    page.keyboard.type("owens")
    expect(
        new_item.get_by_role("listbox", name="Matching people").get_by_role("option")
    ).to_have_count(1)
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    chip = new_item.locator(".people-picker__chip")
    expect(chip).to_contain_text("Kim Owens")
    expect(chip.get_by_role("button", name="Change Kim Owens")).to_be_visible()
    new_item.get_by_role("button", name="Add action item").click()
    expect(page.locator("#actions .action-item")).to_have_count(1)
    assert ActionItem.objects.get().owner == kim

    # The form swapped in after the add has a working picker too.
    new_item = page.locator("#actions-new")
    new_item.get_by_role("combobox", name="Owner").focus()
    page.keyboard.type("kim@")
    expect(
        new_item.get_by_role("listbox", name="Matching people").get_by_role("option")
    ).to_have_count(1)

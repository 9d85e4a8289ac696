"""A reviewer comments on a review in Chromium, on a built-in section and on a team
template's own section; the author resolves it. No reloads."""

import re

import pytest
from playwright.sync_api import expect

from postmortems.models import Postmortem, ReviewComment
from postmortems.services.postmortems import postmortem_start
from tests.browser_support import sign_in
from tests.core.review_templates.test_review_templates import short_template
from tests.factories import PASSWORD, IncidentFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_reviewer_comments_on_a_section_and_the_author_resolves_it(
    page, postmortem, author, outsider
):
    postmortem.status = Postmortem.Status.IN_REVIEW
    postmortem.save()
    number = postmortem.incident.number

    # A reviewer from another team reads the review and comments beside "Impact".
    sign_in(page, outsider.email, PASSWORD)
    page.goto(f"/incidents/INC-{number}/postmortem/")
    page.evaluate("window.__noReload = true")
    thread = page.locator("#comments-impact")
    # The form opens when asked for, in the panel beside the document.
    thread.get_by_text("Add a comment").click()
    thread.get_by_label("Comment on impact").fill("How many **users** were affected?")
    thread.get_by_role("button", name="Post comment").click()
    expect(thread.locator(".comment")).to_have_count(1)
    expect(thread.locator(".comment strong").last).to_have_text("users")
    expect(thread).to_contain_text("Oscar Outsider")
    expect(thread).to_contain_text("1 open comment")
    expect(thread.get_by_role("button", name="Resolve")).to_have_count(0)
    assert page.evaluate("window.__noReload") is True
    assert ReviewComment.objects.get().section == "impact"

    # The author sees it in the editor's panel, linked to the section, and resolves it inline.
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, author.email, PASSWORD)
    page.goto(f"/incidents/INC-{number}/postmortem/edit/")
    page.evaluate("window.__noReload = true")
    thread = page.locator("#comments-impact")
    expect(thread).to_contain_text("How many users were affected?")
    page.locator("#review-panel").get_by_role("link", name="Impact", exact=True).click()
    expect(page).to_have_url(re.compile(r"#section-impact$"))
    thread.get_by_role("button", name="Resolve").click()
    resolved = thread.locator("details.comments__resolved")
    expect(resolved.locator("summary")).to_have_text("1 resolved comment")
    expect(resolved).not_to_have_attribute("open", "")
    resolved.locator("summary").click()
    expect(thread).to_contain_text("Resolved by Ada Author")
    assert page.evaluate("window.__noReload") is True

    comment = ReviewComment.objects.get()
    assert comment.resolved_by == author


def test_a_reviewer_comments_on_a_custom_section_and_the_author_resolves_it(
    page, team, lead, owner, outsider
):
    short_template(team, lead)
    incident = IncidentFactory(team=team, severity="SEV4", owner=owner)
    postmortem = postmortem_start(incident=incident, by=owner)
    postmortem.status = Postmortem.Status.IN_REVIEW
    postmortem.save()

    sign_in(page, outsider.email, PASSWORD)
    page.goto(f"/incidents/INC-{incident.number}/postmortem/")
    page.evaluate("window.__noReload = true")
    thread = page.locator("#comments-c_what_we_changed")
    thread.get_by_text("Add a comment").click()
    thread.get_by_label("Comment on what we changed").fill("Which alert changed?")
    thread.get_by_role("button", name="Post comment").click()
    expect(thread).to_contain_text("1 open comment")
    expect(thread).to_contain_text("Which alert changed?")
    assert page.evaluate("window.__noReload") is True
    assert ReviewComment.objects.get().section == "c_what_we_changed"

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, owner.email, PASSWORD)
    page.goto(f"/incidents/INC-{incident.number}/postmortem/edit/")
    page.evaluate("window.__noReload = true")
    page.locator("#review-panel").get_by_role("link", name="What we changed", exact=True).click()
    expect(page).to_have_url(re.compile(r"#section-c_what_we_changed$"))
    thread = page.locator("#comments-c_what_we_changed")
    thread.get_by_role("button", name="Resolve").click()
    expect(thread.locator("details.comments__resolved summary")).to_have_text("1 resolved comment")
    assert page.evaluate("window.__noReload") is True
    assert ReviewComment.objects.get().resolved_by == owner

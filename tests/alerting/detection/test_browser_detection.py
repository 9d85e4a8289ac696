"""An author confirms the detection review in Chromium: corrects a criterion with a
note, turns it into a detect action item in one click, and marks the review reviewed."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from postmortems.alerting.detection.models import DetectionAnswer, DetectionReview
from postmortems.models import ActionItem, Firing
from tests.alerting.detection.support import berlin_policy, incident_with_alert
from tests.browser_support import sign_in
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_author_answers_a_criterion_and_creates_its_action_item(page, owner, team):
    berlin_policy(team)
    postmortem, _rule = incident_with_alert(team, acted_on=True)
    sign_in(page, owner.email, PASSWORD)
    page.goto(f"/incidents/{postmortem.incident.reference}/postmortem/edit/")
    page.evaluate("window.__noReload = true")
    detection = page.locator("#detection")
    expect(detection).to_contain_text("DiskAlmostFull")
    expect(detection).to_contain_text("Passes a person acted on it")

    # The data says actionable; the authors say no, and why.
    row = detection.locator("tr", has_text="Actionable")
    row.get_by_label("No", exact=True).check()
    row.get_by_label("Note on actionable of DiskAlmostFull").fill("the disk cleans itself up")
    row.get_by_role("button", name="Confirm actionable of DiskAlmostFull").click()
    expect(detection.locator("tr", has_text="Actionable")).to_contain_text("You said: fails")
    assert page.evaluate("window.__noReload") is True
    assert Firing.objects.get().judged_actionable is False
    expect(page.locator('#readiness [data-check="detection"]')).to_contain_text(
        "3 answers to confirm"
    )

    # One click: a detect action item, owned by the author, in the action list.
    page.locator("#detection tr", has_text="Actionable").get_by_role(
        "button", name="Create action item for actionable of DiskAlmostFull"
    ).click()
    title = "Make `DiskAlmostFull` actionable or stop paging for it"
    expect(page.locator("#actions")).to_contain_text(title)
    expect(page.locator("#detection tr", has_text="Actionable").get_by_role("link")).to_have_text(
        title
    )
    item = ActionItem.objects.get()
    assert (item.type, item.owner) == ("detect", owner)
    assert item.due_date == timezone.localdate(timezone=owner.zone) + dt.timedelta(days=14)
    assert DetectionAnswer.objects.get(criterion="actionable").action_item == item

    # The rest as the data says, how it was found, reviewed.
    for criterion in ("Runbook", "Timely", "Priority"):
        page.locator("#detection tr", has_text=criterion).get_by_role(
            "button", name=f"Confirm {criterion.lower()} of DiskAlmostFull"
        ).click()
        expect(page.locator("#detection tr", has_text=criterion)).to_contain_text("You said:")
    page.locator("#detection").get_by_label("How was the incident first found?").select_option(
        "alert"
    )
    page.locator("#detection").get_by_role("button", name="Save how it was found").click()
    expect(page.locator("#detection .detection__status")).to_have_text(
        "Every answer is given: mark the detection review reviewed."
    )
    page.locator("#detection").get_by_role("button", name="Mark detection reviewed").click()
    expect(page.locator("#detection")).to_contain_text("Reviewed by")
    expect(page.locator('#readiness [data-check="detection"]')).to_have_class("check check--passed")
    assert DetectionReview.objects.get().reviewed_by == owner


def test_without_javascript_an_answer_is_saved_and_its_action_item_created(
    page, owner, team, app_server
):
    berlin_policy(team)
    postmortem, _rule = incident_with_alert(team, acted_on=True)
    context = page.context.browser.new_context(base_url=app_server, java_script_enabled=False)
    plain = context.new_page()
    try:
        sign_in(plain, owner.email, PASSWORD)
        plain.goto(f"/incidents/{postmortem.incident.reference}/postmortem/edit/")
        # The answers' fields and buttons belong to the section's one form (form=).
        row = plain.locator("#detection tr", has_text="Actionable")
        row.get_by_label("No", exact=True).check()
        row.get_by_label("Note on actionable of DiskAlmostFull").fill("the disk cleans itself up")
        row.get_by_role("button", name="Confirm actionable of DiskAlmostFull").click()
        row = plain.locator("#detection tr", has_text="Actionable")
        expect(row).to_contain_text("You said: fails")
        row.get_by_role(
            "button", name="Create action item for actionable of DiskAlmostFull"
        ).click()
        expect(plain.locator("#actions")).to_contain_text("DiskAlmostFull")
    finally:
        context.close()
    answer = DetectionAnswer.objects.get(rule_name="DiskAlmostFull", criterion="actionable")
    assert (answer.passed, answer.note) == (False, "the disk cleans itself up")
    assert answer.action_item is not None

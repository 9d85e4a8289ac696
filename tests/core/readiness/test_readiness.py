"""Readiness checks, the policy per severity, and publishing refused until ready."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from postmortems.blameless.findings import dismissed_keys, open_findings, timeline_findings
from postmortems.blameless.services import blameless_dismissal_create
from postmortems.models import Postmortem, ReadinessPolicy, TimelineEvent
from postmortems.readiness.checks import (
    CHECKS,
    DEFAULT_REQUIRED,
    ReadinessInput,
    postmortem_readiness,
    required_checks,
)
from postmortems.services.postmortems import (
    NotReadyToPublish,
    postmortem_set_status,
    text_fingerprint,
)
from tests.factories import (
    ActionItemFactory,
    IncidentFactory,
    PostmortemFactory,
    TimelineEventFactory,
    UserFactory,
    complete_postmortem,
)

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def _result(postmortem: Postmortem, name: str):
    readiness = postmortem_readiness(postmortem=Postmortem.objects.get(pk=postmortem.pk))
    return next(r for r in readiness.results if r.name == name)


@pytest.fixture
def complete():
    return complete_postmortem()


def test_a_complete_postmortem_passes_every_check(complete):
    readiness = postmortem_readiness(postmortem=complete)
    assert [r.name for r in readiness.results if not r.passed] == []
    assert readiness.ready
    assert readiness.passed_count == len(CHECKS)


@pytest.mark.parametrize(
    ("section", "check", "says"),
    [
        ("summary", "summary", "Write the summary"),
        ("impact", "impact", "Write the impact"),
        ("contributing_factors", "contributing_factors", "Write the contributing factors"),
        ("went_well", "reflection", "Answer “what went well”."),
        ("got_lucky", "reflection", "Answer “where we got lucky”."),
    ],
)
def test_an_empty_section_fails_its_check_and_says_what_to_write(complete, section, check, says):
    setattr(complete, section, "  \n")
    complete.save()
    result = _result(complete, check)
    assert not result.passed
    assert says in result.message
    assert result.anchor == f"#section-{section}"


def test_the_reflection_check_names_every_unanswered_question(complete):
    complete.went_well = complete.went_wrong = ""
    complete.save()
    result = _result(complete, "reflection")
    assert result.message == "Answer “what went well” and “what went wrong”."
    assert result.anchor == "#section-went_well"


@pytest.mark.parametrize(
    ("impact", "passes"),
    [
        ("About 4% of checkouts failed for 38 minutes.", True),
        ("Checkout was slow for many users.", True),
        ("Sign-in failed for two hours.", True),
        ("Checkout was slow and people were unhappy.", False),
        ("It was bad.", False),
    ],
)
def test_impact_needs_numbers_or_durations(complete, impact, passes):
    complete.impact = impact
    complete.save()
    result = _result(complete, "impact")
    assert result.passed is passes
    if not passes:
        assert "no numbers or durations" in result.message


def test_the_timeline_check_names_the_missing_kinds(complete):
    TimelineEvent.objects.filter(postmortem=complete, kind__in=["mitigation", "resolution"]).update(
        kind="action"
    )
    result = _result(complete, "timeline")
    assert not result.passed
    assert result.message.startswith("The timeline has no mitigation or resolution event")
    assert result.anchor == "#timeline"
    TimelineEventFactory(postmortem=complete, kind="mitigation")
    TimelineEventFactory(postmortem=complete, kind="resolution")
    assert _result(complete, "timeline").passed


def test_at_least_one_action_item_not_counting_wont_do(complete):
    item = complete.action_items.get()
    item.status, item.wont_do_reason = "wont_do", "Replaced by a platform change."
    item.completed_at = item.created_at
    item.save()
    result = _result(complete, "action_items")
    assert not result.passed
    assert "Add at least one action item" in result.message
    assert result.anchor == "#actions-new"


def test_the_actionable_check_lists_each_flagged_item_and_links_the_first(complete):
    vague = ActionItemFactory(postmortem=complete, title="Improve monitoring", owner=None)
    ActionItemFactory(postmortem=complete, title="Look into retries", type="")
    result = _result(complete, "actionable_items")
    assert not result.passed
    assert result.message == (
        "2 action items need work: “Improve monitoring”: vague: “improve”, no owner; "
        "“Look into retries”: vague: “look into”, no type."
    )
    assert result.anchor == f"#item-{vague.code}"
    vague.title, vague.owner = "Add an alert on replication lag above 30 s", UserFactory()
    vague.save()
    result = _result(complete, "actionable_items")
    assert (
        result.message
        == "1 action item needs work: “Look into retries”: vague: “look into”, no type."
    )


def test_a_commitment_without_a_verification_plan_fails_the_actionable_check(complete):
    item = complete.action_items.get()
    item.verification, item.verification_plan = "", ""
    item.save()
    result = _result(complete, "actionable_items")
    assert not result.passed
    assert f"“{item.title}”: no way to know it worked" in result.message
    item.verification, item.verification_plan = "none", "A config typo: nothing to measure."
    item.save()
    assert _result(complete, "actionable_items").passed


def test_ideas_neither_count_as_action_items_nor_fail_the_actionable_check(complete):
    ActionItemFactory(
        postmortem=complete, title="Improve monitoring", status="idea", owner=None,
        due_date=None, type="", verification="", verification_plan="",
    )  # fmt: skip
    assert _result(complete, "actionable_items").passed
    complete.action_items.exclude(status="idea").delete()
    result = _result(complete, "action_items")
    assert not result.passed
    assert "or commit an idea" in result.message


@pytest.mark.parametrize("severity", ["SEV1", "SEV2"])
def test_by_default_the_severe_incidents_require_every_check(severity):
    assert required_checks(severity) == frozenset(CHECKS)


def test_by_default_minor_and_low_incidents_require_a_lighter_set():
    assert required_checks("SEV3") == DEFAULT_REQUIRED["SEV3"]
    assert "reflection" not in required_checks("SEV3")
    assert "action_items" not in required_checks("SEV3")
    assert required_checks("SEV4") == {"summary", "actionable_items", "blameless"}


def test_a_policy_row_replaces_the_default_and_always_keeps_the_summary():
    ReadinessPolicy.objects.create(severity="SEV1", required_checks=["timeline", "gone-check"])
    assert required_checks("SEV1") == {"summary", "timeline"}
    assert required_checks("SEV2") == frozenset(CHECKS)


def test_checks_not_required_show_as_advice_and_do_not_block():
    postmortem = PostmortemFactory(incident=IncidentFactory(severity="SEV4"))
    ActionItemFactory(postmortem=postmortem)
    readiness = postmortem_readiness(postmortem=postmortem)
    assert readiness.ready
    advised = {r.name for r in readiness.advice}
    assert advised == {"timeline", "contributing_factors", "reflection", "detection"}
    assert all(r.advisory for r in readiness.advice)


@pytest.mark.parametrize("rows", [1, 6])
def test_readiness_costs_the_same_queries_however_long_the_review(rows, django_assert_num_queries):
    postmortem = complete_postmortem(items=rows)
    TimelineEventFactory.create_batch(rows, postmortem=postmortem)
    postmortem = Postmortem.objects.select_related("incident").get(pk=postmortem.pk)
    # events, items, policy, blameless dismissals, the detection review with its answers
    with django_assert_num_queries(5):
        readiness = postmortem_readiness(postmortem=postmortem)
    assert readiness.ready


# Publishing: the service decides, the views follow.


def test_the_service_refuses_to_publish_and_lists_what_is_missing():
    postmortem = PostmortemFactory(impact="", went_well="")
    with pytest.raises(NotReadyToPublish) as refused:
        postmortem_set_status(postmortem=postmortem, status="published")
    text = " ".join(refused.value.messages)
    assert "not ready to publish" in text
    assert "Impact written with numbers: Write the impact" in text
    assert "At least one action item" in text
    assert isinstance(refused.value, ValidationError)
    postmortem.refresh_from_db()
    assert postmortem.status == "draft"
    assert postmortem.published_at is None


def test_the_service_decides_from_the_rows_not_from_a_stale_object(complete):
    stale = Postmortem.objects.get(pk=complete.pk)
    Postmortem.objects.filter(pk=complete.pk).update(summary="")
    with pytest.raises(NotReadyToPublish, match="Write the summary"):
        postmortem_set_status(postmortem=stale, status="published")


def test_moving_to_review_needs_no_readiness():
    postmortem = PostmortemFactory(summary="", impact="")
    postmortem_set_status(postmortem=postmortem, status="in_review")
    postmortem.refresh_from_db()
    assert postmortem.status == "in_review"


def test_a_ready_postmortem_is_published_by_an_author_who_is_not_a_lead(client, postmortem, author):
    complete_postmortem(postmortem)
    client.force_login(author)
    url = reverse("pm-postmortem-status", args=[postmortem.incident.number])
    response = client.post(url, {"status": "published"})
    assert response["Location"] == reverse(
        "pm-postmortem-detail", args=[postmortem.incident.number]
    )
    postmortem.refresh_from_db()
    assert postmortem.status == "published"


def test_the_view_refuses_an_unready_postmortem_and_says_why(client, postmortem, owner):
    ActionItemFactory(postmortem=postmortem, title="Be more careful", owner=None)
    client.force_login(owner)
    url = reverse("pm-postmortem-status", args=[postmortem.incident.number])
    response = client.post(url, {"status": "published"}, follow=True)
    body = response.content.decode()
    assert "This postmortem is not ready to publish yet." in body
    assert "Contributing factors written: Write the contributing factors" in body
    assert "“Be more careful”: relies on people being careful, no owner" in body
    postmortem.refresh_from_db()
    assert postmortem.status == "draft"


# The pages.


def _edit(postmortem):
    return reverse("pm-postmortem-edit", args=[postmortem.incident.number])


def test_the_editor_disables_publish_and_shows_the_checklist_until_ready(client, postmortem, owner):
    client.force_login(owner)
    body = client.get(_edit(postmortem)).content.decode()
    assert 'disabled aria-describedby="readiness-verdict">Publish</button>' in body
    assert "Not ready to publish." in body
    assert 'href="#section-contributing_factors">Fix this' in body
    assert "Ask for review" in body

    complete_postmortem(postmortem)
    body = client.get(_edit(postmortem)).content.decode()
    assert "disabled" not in body.split('id="status-actions"')[1].split("</div>")[0]
    assert "Ready to publish." in body


def test_the_read_view_shows_the_checklist_and_item_flags_until_published(
    client, postmortem, owner, outsider
):
    ActionItemFactory(postmortem=postmortem, title="Improve monitoring")
    client.force_login(owner)
    detail = reverse("pm-postmortem-detail", args=[postmortem.incident.number])
    body = client.get(detail).content.decode()
    assert 'id="readiness"' in body
    assert f'href="{_edit(postmortem)}#section-contributing_factors"' in body
    assert 'data-flag="vague-improve"' in body
    # Readers who may not edit see the checklist without links into the editor.
    client.force_login(outsider)
    body = client.get(detail).content.decode()
    assert "Not ready to publish." in body
    assert "Fix this" not in body

    complete_postmortem(postmortem, contributing_factors="Defaults nobody had revisited.")
    postmortem.action_items.filter(title="Improve monitoring").delete()
    postmortem_set_status(postmortem=postmortem, status="published")
    body = client.get(detail).content.decode()
    assert 'id="readiness"' not in body


def test_saves_in_the_editor_tell_the_checklist_to_refresh(client, postmortem, owner):
    client.force_login(owner)
    number = postmortem.incident.number
    section = client.post(
        reverse("pm-section-save", args=[number, "impact"]),
        {"text": "5% of users for 12 minutes.", "base": text_fingerprint(postmortem.impact)},
        **HTMX,
    )
    event = client.post(
        reverse("pm-event-add", args=[number]),
        {
            "new-event-occurred_at": "2026-11-02T09:10",
            "new-event-kind": "detection",
            "new-event-text": "Alert fired.",
        },
        **HTMX,
    )
    item = client.post(
        reverse("pm-action-add", args=[number]),
        {
            "new-item-title": "Add a pool alert",
            "new-item-priority": "high",
            "new-item-status": "open",
        },
        **HTMX,
    )
    for response in (section, event, item):
        assert response.status_code == 200
        assert response["HX-Trigger"] == '{"readiness-changed": {}}'
    # A form with errors changes nothing: no refresh.
    invalid = client.post(reverse("pm-event-add", args=[number]), {}, **HTMX)
    assert "HX-Trigger" not in invalid


@pytest.mark.parametrize("rows", [1, 6])
def test_the_checklist_refresh_answers_with_the_checklist_and_the_buttons(
    client, postmortem, teammate, rows, django_assert_num_queries
):
    ActionItemFactory.create_batch(rows, postmortem=postmortem)
    TimelineEventFactory.create_batch(rows, postmortem=postmortem)
    client.force_login(teammate)
    url = reverse("pm-postmortem-readiness", args=[postmortem.incident.number])
    # session, user, incident with postmortem, membership, events, items, policy,
    # blameless dismissals, the detection review
    with django_assert_num_queries(9):
        response = client.get(url, **HTMX)
    body = response.content.decode()
    assert body.count('id="readiness"') == 1
    assert 'id="status-actions" hx-swap-oob="true"' in body
    assert "disabled" in body.split('id="status-actions"')[1]
    assert "HX-Request" in response["Vary"]


def test_without_htmx_the_checklist_url_leads_to_the_page_that_shows_it(
    client, postmortem, owner, outsider
):
    url = reverse("pm-postmortem-readiness", args=[postmortem.incident.number])
    client.force_login(owner)
    assert client.get(url)["Location"] == _edit(postmortem) + "#readiness"
    client.force_login(outsider)
    detail = reverse("pm-postmortem-detail", args=[postmortem.incident.number])
    assert client.get(url)["Location"] == detail + "#readiness"


def test_admins_set_the_required_checks_per_severity_in_the_admin(client, admin_user):
    client.force_login(admin_user)
    add = reverse("admin:postmortems_readinesspolicy_add")
    page = client.get(add).content.decode()
    assert "Every action item has an owner, a due date, a type and a way to know it worked" in page
    response = client.post(add, {"severity": "SEV3", "required_checks": ["summary", "timeline"]})
    assert response.status_code == 302
    assert ReadinessPolicy.objects.get(severity="SEV3").required_checks == ["summary", "timeline"]
    assert required_checks("SEV3") == {"summary", "timeline"}
    unknown = client.post(add, {"severity": "SEV1", "required_checks": ["bogus"]})
    assert "Select a valid choice" in unknown.content.decode()
    twice = client.post(add, {"severity": "SEV3", "required_checks": ["summary"]})
    assert "already exists" in twice.content.decode()
    assert ReadinessPolicy.objects.count() == 1


def test_blaming_language_fails_the_check_until_reworded_or_dismissed(complete, author):
    complete.contributing_factors = "Bob should have checked the config before the deploy."
    complete.save()
    result = _result(complete, "blameless")
    assert not result.passed
    assert "1 passage to reword or dismiss" in result.message
    assert "contributing factors" in result.message
    assert result.anchor == "#section-contributing_factors"

    TimelineEventFactory(postmortem=complete, text="The on-call was careless with the flag.")
    result = _result(complete, "blameless")
    assert "2 passages" in result.message
    assert "contributing factors and the timeline" in result.message

    complete.contributing_factors = "The config check was not part of the deploy pipeline."
    complete.save()
    TimelineEvent.objects.filter(postmortem=complete, text__contains="careless").delete()
    assert _result(complete, "blameless").passed

    complete.summary += " As the vendor wrote: “you should have read the manual”."
    complete.impact = "Obviously, checkout failed for 12 minutes."
    complete.save()
    found = _result(complete, "blameless")
    assert not found.passed  # "obviously" is a judgement, outside the quote
    for item in open_findings(Postmortem.objects.get(pk=complete.pk)):
        blameless_dismissal_create(
            postmortem=complete,
            section=item.section,
            category=item.finding.category,
            excerpt=item.excerpt,
            reason="Quoted from the vendor's ticket",
            by=author,
        )
    assert _result(complete, "blameless").passed


def test_the_blameless_check_reuses_the_dismissals_and_findings_it_is_given(
    complete, author, django_assert_num_queries
):
    complete.impact = "Obviously, checkout failed for 12 minutes."
    complete.save()
    TimelineEventFactory(postmortem=complete, text="The on-call was careless with the flag.")
    blameless_dismissal_create(
        postmortem=complete,
        section="impact",
        category=open_findings(complete)[0].finding.category,
        excerpt=open_findings(complete)[0].excerpt,
        reason="Quoted",
        by=author,
    )
    postmortem = Postmortem.objects.get(pk=complete.pk)
    events = list(postmortem.timeline_events.all())
    dismissed = dismissed_keys(postmortem)
    found = timeline_findings(events, dismissed)
    alone = postmortem_readiness(postmortem=postmortem, events=events)
    with django_assert_num_queries(0):
        given = CHECKS["blameless"].run(ReadinessInput(postmortem, events, [], dismissed, found))
    expected = next(result for result in alone.results if result.name == "blameless")
    assert (given.passed, given.message) == (expected.passed, expected.message)
    assert "1 passage" in expected.message
    assert "the timeline" in expected.message

"""Review templates per team and severity: the templates, the layout a review keeps,
custom sections written like built-in ones, and every reader following the layout."""

import json

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from audit.models import AuditEvent
from postmortems.api.tokens import api_token_create
from postmortems.archive.search import SearchParams, search_postmortems
from postmortems.models import (
    ApiToken,
    Postmortem,
    ReviewSectionText,
    ReviewTemplate,
    SectionRevision,
)
from postmortems.models.review_templates import review_sections
from postmortems.models.reviews import builtin_layout
from postmortems.readiness.checks import postmortem_readiness
from postmortems.services.postmortems import (
    SectionConflict,
    postmortem_set_status,
    postmortem_start,
    postmortem_update_section,
    text_fingerprint,
)
from postmortems.services.review_templates import (
    postmortem_switch_template,
    review_template_create,
    review_template_section_add,
    review_template_section_move,
    review_template_section_remove,
    review_template_section_update,
    review_template_update,
    template_for,
)
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db

BLAMEFUL = "Bob should have checked the config."
WORD = "zanzibarite"  # only ever written in the custom section


def short_template(team, lead) -> ReviewTemplate:
    """A "Short SEV4" template: the summary and one section of its own."""
    template = review_template_create(
        team=team,
        name="Short SEV4",
        description="A few lines.",
        severities=["SEV4"],
        checks=["summary", "actionable_items", "blameless"],
        by=lead,
    )
    for section in list(template.sections.all()):
        if section.key != "summary":
            review_template_section_remove(section=section, by=lead)
    review_template_section_add(
        template=template, label="What we changed", question="What is different now?", by=lead
    )
    return template


def test_a_new_template_starts_from_the_built_in_sections_and_is_audited(team, lead):
    template = review_template_create(team=team, name="Security", by=lead)
    assert [s.key for s in template.sections.all()] == list(Postmortem.SECTION_NAMES)
    assert AuditEvent.objects.filter(action="review_template_changed").count() == 1


def test_custom_sections_get_stable_keys_and_sections_reorder(team, lead):
    template = short_template(team, lead)
    custom = template.sections.get(key="c_what_we_changed")
    review_template_section_update(
        section=custom, label="What changed", question="Now what?", by=lead
    )
    assert template.sections.get(key="c_what_we_changed").label == "What changed"
    review_template_section_move(section=custom, up=True, by=lead)
    assert [s.key for s in template.sections.all()] == ["c_what_we_changed", "summary"]
    review_template_section_move(section=custom, up=True, by=lead)  # already first
    assert [s.key for s in template.sections.all()] == ["c_what_we_changed", "summary"]
    again = review_template_section_add(
        template=template, label="What we changed", question="", by=lead
    )
    assert again.key == "c_what_we_changed_2"


def test_the_last_section_cannot_be_removed(team, lead):
    template = short_template(team, lead)
    review_template_section_remove(section=template.sections.get(key="summary"), by=lead)
    with pytest.raises(ValidationError):
        review_template_section_remove(section=template.sections.get(), by=lead)


def test_a_severity_belongs_to_one_template_and_a_team_has_one_default(team, lead):
    short_template(team, lead)
    with pytest.raises(ValidationError):
        review_template_create(team=team, name="Other", severities=["SEV4"], by=lead)
    first = review_template_create(team=team, name="A", is_team_default=True, by=lead)
    second = review_template_create(team=team, name="B", is_team_default=True, by=lead)
    first.refresh_from_db()
    assert (first.is_team_default, second.is_team_default) == (False, True)


def test_a_review_starts_with_the_template_for_its_severity_else_the_default_else_built_in(
    team, lead, owner
):
    assert template_for(IncidentFactory(team=team, severity="SEV4")) is None
    short = short_template(team, lead)
    default = review_template_create(team=team, name="Standard", is_team_default=True, by=lead)
    assert template_for(IncidentFactory(team=team, severity="SEV4")) == short
    assert template_for(IncidentFactory(team=team, severity="SEV2")) == default
    postmortem = postmortem_start(incident=IncidentFactory(team=team, severity="SEV4"), by=owner)
    assert postmortem.template == short
    assert [part["key"] for part in postmortem.layout] == ["summary", "c_what_we_changed"]


def test_template_edits_never_change_reviews_already_started(team, lead, owner):
    short = short_template(team, lead)
    postmortem = postmortem_start(incident=IncidentFactory(team=team, severity="SEV4"), by=owner)
    review_template_section_update(
        section=short.sections.get(key="summary"), label="TL;DR", question="", by=lead
    )
    review_template_update(
        template=short, name="Tiny", description="", severities=[], checks=[],
        is_team_default=False, by=lead,
    )  # fmt: skip
    postmortem.refresh_from_db()
    assert [s.label for s in review_sections(postmortem)] == ["Summary", "What we changed"]


def test_a_review_without_a_team_template_has_the_built_in_layout(postmortem):
    assert postmortem.layout == builtin_layout()
    assert [s.key for s in review_sections(postmortem)] == list(Postmortem.SECTION_NAMES)


def test_a_fresh_draft_may_switch_template_until_something_is_written(team, lead, owner):
    short = short_template(team, lead)
    postmortem = postmortem_start(incident=IncidentFactory(team=team, severity="SEV2"), by=owner)
    postmortem_switch_template(postmortem=postmortem, template=short, by=owner)
    assert postmortem.layout[1]["key"] == "c_what_we_changed"
    postmortem_update_section(
        postmortem=postmortem, section="c_what_we_changed", text="x",
        base_fingerprint=text_fingerprint(""), by=owner,
    )  # fmt: skip
    with pytest.raises(ValidationError):
        postmortem_switch_template(postmortem=postmortem, template=None, by=owner)


def test_the_switch_form_in_the_editor_works_without_javascript(client, team, lead, owner):
    short = short_template(team, lead)
    incident = IncidentFactory(team=team, severity="SEV2", owner=owner)
    postmortem = postmortem_start(incident=incident, by=owner)
    client.force_login(owner)
    page = client.get(reverse("pm-postmortem-edit", args=[incident.number])).content.decode()
    assert 'action="' + reverse("pm-postmortem-template", args=[incident.number]) in page
    response = client.post(
        reverse("pm-postmortem-template", args=[incident.number]), {"template": str(short.code)}
    )
    assert response.status_code == 302
    postmortem.refresh_from_db()
    assert postmortem.template == short
    page = client.get(reverse("pm-postmortem-edit", args=[incident.number])).content.decode()
    assert 'id="section-c_what_we_changed"' in page
    assert "What is different now?" in page


def test_a_custom_section_save_conflicts_and_keeps_history_like_a_built_in_one(
    team, lead, owner, teammate
):
    short_template(team, lead)
    postmortem = postmortem_start(incident=IncidentFactory(team=team, severity="SEV4"), by=owner)
    key = "c_what_we_changed"
    empty = text_fingerprint("")
    postmortem_update_section(
        postmortem=postmortem, section=key, text="Mine.", base_fingerprint=empty, by=owner
    )
    with pytest.raises(SectionConflict) as conflict:
        postmortem_update_section(
            postmortem=postmortem, section=key, text="Theirs.", base_fingerprint=empty, by=teammate
        )
    assert conflict.value.current_text == "Mine."
    assert ReviewSectionText.objects.get(postmortem=postmortem, key=key).text == "Mine."
    revisions = SectionRevision.objects.filter(postmortem=postmortem, section=key)
    assert [r.text for r in revisions] == ["Mine."]
    with pytest.raises(ValueError, match="no section"):  # not a section of this review
        postmortem_update_section(
            postmortem=postmortem, section="impact", text="x", base_fingerprint=empty, by=owner
        )


def test_a_teams_template_is_used_end_to_end(client, team, lead, owner):
    """SEV4 on the team -> start -> the template's layout -> write the custom section
    (htmx and plain post) -> blameless flags it -> readiness is the template's ->
    publish -> search, Markdown export and API all have the custom section."""
    short_template(team, lead)
    incident = IncidentFactory(team=team, severity="SEV4", owner=owner, title="Cron drift")
    client.force_login(owner)
    number = incident.number
    assert client.post(reverse("pm-postmortem-start", args=[number])).status_code == 302
    postmortem = Postmortem.objects.get(incident=incident)
    assert [s.label for s in review_sections(postmortem)] == ["Summary", "What we changed"]
    page = client.get(reverse("pm-postmortem-edit", args=[number])).content.decode()
    assert "What is different now?" in page
    assert 'id="section-impact"' not in page

    key = "c_what_we_changed"
    url = reverse("pm-section-save", args=[number, key])
    htmx = client.post(
        url, {"text": BLAMEFUL, "base": text_fingerprint(""), "editor": "e1"},
        HTTP_HX_REQUEST="true",
    )  # fmt: skip
    assert htmx.status_code == 200
    assert "Saved" in htmx.content.decode()
    check = client.post(reverse("pm-blameless-check", args=[number, key]), {"text": BLAMEFUL})
    assert "Blameless language: 1 to look at" in check.content.decode()  # the custom section
    postmortem = Postmortem.objects.get(pk=postmortem.pk)
    readiness = postmortem_readiness(postmortem=postmortem)
    assert [r.name for r in readiness.results] == ["summary", "actionable_items", "blameless"]
    blameless = next(r for r in readiness.results if r.name == "blameless")
    assert not blameless.passed
    assert "what we changed" in blameless.message

    plain = client.post(
        url, {"text": f"We pinned the {WORD} clock.", "base": text_fingerprint(BLAMEFUL)}
    )
    assert plain.status_code == 302
    summary = reverse("pm-section-save", args=[number, "summary"])
    client.post(summary, {"text": "The nightly job ran late.", "base": text_fingerprint("")})
    postmortem = Postmortem.objects.get(pk=postmortem.pk)
    assert postmortem_readiness(postmortem=postmortem).ready
    postmortem_set_status(postmortem=postmortem, status="published", by=owner)

    hits = search_postmortems(user=owner, params=SearchParams(q=WORD)).page.object_list
    assert [pm.incident.title for pm in hits] == ["Cron drift"]
    markdown = client.get(reverse("pm-postmortem-markdown", args=[number])).content.decode()
    assert f"## What we changed\n\nWe pinned the {WORD} clock." in markdown
    assert "## Impact" not in markdown
    read = client.get(reverse("pm-postmortem-detail", args=[number])).content.decode()
    assert WORD in read
    assert "What we changed" in read

    secret = api_token_create(user=owner, name="cli", scope=ApiToken.Scope.READ_WRITE)[1]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    body = client.get(f"/api/v1/incidents/{number}/postmortem", **auth).json()
    custom = body["sections"][1]
    assert (custom["key"], custom["label"], custom["question"]) == (
        key, "What we changed", "What is different now?",
    )  # fmt: skip
    assert WORD in custom["text"]
    stale = client.put(
        f"/api/v1/incidents/{number}/postmortem/sections/{key}",
        json.dumps({"text": "Other words.", "base": text_fingerprint("")}),
        content_type="application/json",
        **auth,
    )
    assert stale.status_code == 409
    assert WORD in stale.json()["current_text"]
    saved = client.put(
        f"/api/v1/incidents/{number}/postmortem/sections/{key}",
        json.dumps({"text": "Other words.", "base": custom["fingerprint"]}),
        content_type="application/json",
        **auth,
    )
    assert saved.status_code == 200
    assert saved.json()["text"] == "Other words."
    missing = client.put(
        f"/api/v1/incidents/{number}/postmortem/sections/impact",
        json.dumps({"text": "x", "base": ""}),
        content_type="application/json",
        **auth,
    )
    assert missing.status_code == 404
    history = client.get(
        reverse("pm-postmortem-history", args=[number]) + f"?section={key}"
    ).content.decode()
    assert "What we changed: revisions" in history


def test_the_management_pages_list_create_and_change_templates(client, team, lead):
    client.force_login(lead)
    response = client.post(reverse("pm-review-templates", args=[team.slug]), {"name": "Near miss"})
    template = ReviewTemplate.objects.get(team=team)
    page = reverse("pm-review-template", args=[team.slug, template.code])
    assert response["Location"] == page
    client.post(
        page,
        {"name": "Near miss", "description": "Almost.", "severities": ["SEV4"],
         "checks": ["summary", "blameless"]},
    )  # fmt: skip
    template.refresh_from_db()
    assert (template.severities, template.checks) == (["SEV4"], ["summary", "blameless"])
    add = reverse("pm-review-template-section-add", args=[team.slug, template.code])
    client.post(add, {"add-label": "What stopped it", "add-question": "Who caught it?"})
    section = reverse("pm-review-template-section", args=[team.slug, template.code, "summary"])
    client.post(section, {"s-summary-label": "Summary", "s-summary-action": "down"})
    assert [s.key for s in template.sections.all()][:2] == ["impact", "summary"]
    client.post(section, {"s-summary-label": "Summary", "s-summary-action": "remove"})
    assert [s.key for s in template.sections.all()][-1] == "c_what_stopped_it"
    assert "summary" not in [s.key for s in template.sections.all()]


def test_management_pages_take_a_fixed_number_of_queries(
    client, team, lead, django_assert_num_queries
):
    for n in range(3):
        short = review_template_create(team=team, name=f"T{n}", by=lead)
    client.force_login(lead)
    client.get(reverse("pm-review-templates", args=[team.slug]))  # warm the session
    with django_assert_num_queries(6):
        assert client.get(reverse("pm-review-templates", args=[team.slug])).status_code == 200
    with django_assert_num_queries(6):
        page = reverse("pm-review-template", args=[team.slug, short.code])
        assert client.get(page).status_code == 200

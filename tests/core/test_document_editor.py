"""The editor as one document, without JavaScript and through htmx: sections read as
published, one opens as its form on request (?edit=, or the section-form partial)."""

import pytest
from django.urls import reverse

from postmortems.models import Postmortem
from postmortems.services.postmortems import postmortem_set_status, text_fingerprint
from tests.factories import complete_postmortem

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def _url(name, postmortem, *extra):
    return reverse(name, args=[postmortem.incident.number, *extra])


def test_the_editor_shows_every_section_as_it_reads_with_a_presence_slot(signed_in, postmortem):
    postmortem.summary = "A deploy **shrank** the pool."
    postmortem.save()
    page = signed_in.get(_url("pm-postmortem-edit", postmortem)).content.decode()
    for name in Postmortem.SECTION_NAMES:
        assert f'data-section="{name}"' in page
        assert f'<span class="presence-slot" id="presence-{name}"></span>' in page
        assert f'id="id_{name}_text"' not in page  # no section opens as a form on load
    assert '<div class="prose doc-section__body" tabindex="0"' in page
    assert "<strong>shrank</strong>" in page
    assert 'href="?edit=summary#section-summary"' in page  # a real link, no JavaScript needed


def test_an_empty_section_is_a_short_prompt_with_its_question(signed_in, postmortem):
    postmortem.lessons = ""
    postmortem.save()
    page = signed_in.get(_url("pm-postmortem-edit", postmortem)).content.decode()
    section = page[page.index('id="section-lessons"') :]
    section = section[: section.index("</section>")]
    assert "doc-section--empty" in section
    assert {n: h for n, _l, h in Postmortem.SECTIONS}["lessons"] in section
    assert 'href="?edit=lessons#section-lessons"' in section
    assert "Write lessons" in section
    assert "<textarea" not in section


def test_without_javascript_edit_opens_one_section_as_its_form_and_save_returns(
    signed_in, postmortem
):
    page = signed_in.get(_url("pm-postmortem-edit", postmortem) + "?edit=impact").content.decode()
    assert 'id="id_impact_text"' in page
    assert 'id="id_summary_text"' not in page
    assert 'id="blameless-impact"' in page
    response = signed_in.post(
        _url("pm-section-save", postmortem, "impact"),
        {"text": "4% of checkouts failed.", "base": text_fingerprint(postmortem.impact)},
    )
    assert response.status_code == 302
    assert response["Location"].endswith("/postmortem/edit/#section-impact")
    page = signed_in.get(response["Location"]).content.decode()
    assert "4% of checkouts failed." in page
    assert 'id="id_impact_text"' not in page


def test_an_unknown_section_to_edit_is_ignored(signed_in, postmortem):
    response = signed_in.get(_url("pm-postmortem-edit", postmortem) + "?edit=nonsense")
    assert response.status_code == 200
    assert '<textarea name="text" id="id_' not in response.content.decode()


def test_the_section_form_answers_htmx_with_one_section_as_its_form(
    signed_in, postmortem, django_assert_num_queries
):
    url = _url("pm-section-form", postmortem, "impact")
    # session, user, the review (with its incident and team), the blameless dismissals
    with django_assert_num_queries(4):
        response = signed_in.get(url, **HTMX)
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="section-impact"')
    assert 'data-section="impact"' in body
    assert 'id="presence-impact"' in body
    assert 'id="id_impact_text"' in body
    assert 'name="base"' in body  # autosave's fingerprint
    assert "data-autosave" in body
    assert "Check language" in body
    assert response["Vary"].count("HX-Request") == 1

    reading = signed_in.get(url + "?mode=read", **HTMX).content.decode()
    assert 'id="id_impact_text"' not in reading
    assert "Edit<span" in reading


def test_the_section_form_without_htmx_is_the_editor_page(signed_in, postmortem):
    url = _url("pm-section-form", postmortem, "impact")
    response = signed_in.get(url)
    assert response.status_code == 302
    assert response["Location"].endswith("/postmortem/edit/?edit=impact#section-impact")
    response = signed_in.get(url + "?mode=read")
    assert response["Location"].endswith("/postmortem/edit/#section-impact")
    assert signed_in.get(_url("pm-section-form", postmortem, "nonsense"), **HTMX).status_code == 404


def test_preview_with_htmx_keeps_the_section_open_with_the_typed_text(signed_in, postmortem):
    response = signed_in.post(
        _url("pm-section-save", postmortem, "summary"),
        {"text": "Typed *here*", "base": "", "action": "preview"},
        **HTMX,
    )
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="section-summary"')
    assert "<em>here</em>" in body
    assert 'id="id_summary_text"' in body


def test_readiness_is_in_the_side_panel_after_the_document_and_folded_when_published(
    signed_in, postmortem, owner
):
    page = signed_in.get(_url("pm-postmortem-edit", postmortem)).content.decode()
    assert page.index('id="section-summary"') < page.index('id="readiness"')
    assert '<details class="doc-panel__part" open>' in page
    complete_postmortem(postmortem)
    postmortem_set_status(postmortem=postmortem, status="published", by=owner)
    page = signed_in.get(_url("pm-postmortem-edit", postmortem)).content.decode()
    panel = page[page.index('id="review-panel"') :]
    assert panel.index('<details class="doc-panel__part">') < panel.index('id="readiness"')


def test_blameless_findings_are_counted_per_section_in_the_panel(signed_in, postmortem):
    postmortem.went_wrong = "Bob should have checked the config."
    postmortem.save()
    page = signed_in.get(_url("pm-postmortem-edit", postmortem)).content.decode()
    panel = page[page.index('id="review-panel"') :]
    assert 'href="?edit=went_wrong#blameless-went_wrong"' in panel
    assert "1 to look at" in panel

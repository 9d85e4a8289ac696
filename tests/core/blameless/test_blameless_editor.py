"""Blameless findings in the editor: live list, "Check language" without JavaScript,
dismissals with a reason, and who may dismiss."""

import pytest
from django.urls import reverse

from postmortems.blameless.findings import open_findings
from postmortems.models import BlamelessDismissal, Postmortem
from postmortems.services.postmortems import text_fingerprint
from tests.factories import TimelineEventFactory

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
BLAMEFUL = "Bob should have checked the config."


def _url(name, postmortem, *extra):
    return reverse(name, args=[postmortem.incident.number, *extra])


def _dismiss(client, postmortem, section="summary", **data):
    fields = {"category": "counterfactual", "excerpt": "should have checked", "reason": "quote"}
    return client.post(_url("pm-blameless-dismiss", postmortem, section), fields | data, **HTMX)


def test_typing_returns_the_findings_partial_with_highlight_and_suggestion(
    signed_in, postmortem, django_assert_num_queries
):
    # session, user, incident with its postmortem (the owner may edit), dismissals
    with django_assert_num_queries(4):
        response = signed_in.post(
            _url("pm-blameless-check", postmortem, "summary"), {"text": BLAMEFUL}, **HTMX
        )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="blameless-summary"')
    assert '<mark title="Hindsight: Says what someone should have done' in html
    assert "Hindsight: Hindsight" not in html
    assert ">should have checked</mark>" in html
    assert "Suggestion: Say what people knew" in html
    assert 'name="excerpt" value="should have checked"' in html


def test_neutral_text_returns_an_empty_findings_region(signed_in, postmortem):
    response = signed_in.post(
        _url("pm-blameless-check", postmortem, "summary"),
        {"text": "The config check was not part of the deploy pipeline."},
        **HTMX,
    )
    assert "<mark" not in response.content.decode()
    assert 'id="blameless-summary"' in response.content.decode()


def test_check_language_without_javascript_renders_the_page_for_the_typed_text(
    signed_in, postmortem
):
    saved = postmortem.summary
    response = signed_in.post(
        _url("pm-section-save", postmortem, "summary"),
        {"text": BLAMEFUL, "base": text_fingerprint(saved), "action": "check"},
    )
    assert response.status_code == 200
    assert ">should have checked</mark>" in response.content.decode()
    postmortem.refresh_from_db()
    assert postmortem.summary == saved  # checked, not saved


def test_the_editor_shows_saved_findings_of_sections_and_timeline(signed_in, postmortem):
    Postmortem.objects.filter(pk=postmortem.pk).update(impact="Dave broke prod.")
    TimelineEventFactory(postmortem=postmortem, text="The on-call forgot to page the DBA.")
    html = signed_in.get(_url("pm-postmortem-edit", postmortem)).content.decode()
    # The document counts a section's findings and links to them; the list itself
    # shows beside the section's form.
    assert 'href="?edit=impact#blameless-impact"' in html
    assert ">Dave broke</mark>" not in html
    assert ">forgot to</mark>" in html
    html = signed_in.get(_url("pm-postmortem-edit", postmortem) + "?edit=impact").content.decode()
    assert ">Dave broke</mark>" in html
    assert 'action="{}"'.format(_url("pm-blameless-dismiss", postmortem, "timeline")) in html


def test_a_dismissed_excerpt_stays_dismissed_after_edits_elsewhere(signed_in, owner, postmortem):
    response = _dismiss(signed_in, postmortem, text=BLAMEFUL, reason="direct quote")
    assert response.status_code == 200
    assert "<mark" not in response.content.decode()
    dismissal = BlamelessDismissal.objects.get()
    assert (dismissal.section, dismissal.category, dismissal.excerpt) == (
        "summary",
        "counterfactual",
        "should have checked",
    )
    assert (dismissal.reason, dismissal.dismissed_by) == ("direct quote", owner)

    edited = "Deploy 4812 went out at 10:00. " + BLAMEFUL + " It was the root cause."
    html = signed_in.post(
        _url("pm-blameless-check", postmortem, "summary"), {"text": edited}, **HTMX
    ).content.decode()
    assert ">root cause</mark>" in html
    assert "should have checked</mark>" not in html
    # The same words in another section are not dismissed.
    html = signed_in.post(
        _url("pm-blameless-check", postmortem, "impact"), {"text": BLAMEFUL}, **HTMX
    ).content.decode()
    assert ">should have checked</mark>" in html


def test_dismissing_a_finding_tells_the_editor_to_refresh_its_readiness(signed_in, postmortem):
    response = _dismiss(signed_in, postmortem, text=BLAMEFUL, reason="direct quote")

    assert response.status_code == 200
    assert response["HX-Trigger"] == '{"readiness-changed": {}}'


def test_dismissing_without_javascript_redirects_with_a_message(signed_in, postmortem):
    response = signed_in.post(
        _url("pm-blameless-dismiss", postmortem, "timeline"),
        {"category": "blame", "excerpt": "Bob broke", "reason": "direct quote"},
    )
    assert response.status_code == 302
    assert response["Location"].endswith("/edit/#blameless-timeline")
    assert BlamelessDismissal.objects.filter(section="timeline").exists()


def test_a_dismissal_needs_a_reason(signed_in, postmortem):
    response = _dismiss(signed_in, postmortem, reason="  ")
    assert response.status_code == 400
    assert not BlamelessDismissal.objects.exists()


def test_dismissing_twice_keeps_one_dismissal(signed_in, postmortem):
    _dismiss(signed_in, postmortem, reason="direct quote")
    _dismiss(signed_in, postmortem, reason="again")
    assert list(BlamelessDismissal.objects.values_list("reason", flat=True)) == ["direct quote"]


@pytest.mark.parametrize("persona", ["outsider"])
def test_people_who_may_only_read_cannot_dismiss(client, request, postmortem, persona):
    client.force_login(request.getfixturevalue(persona))
    assert _dismiss(client, postmortem).status_code == 403
    postmortem.incident.restricted = True
    postmortem.incident.save()
    assert _dismiss(client, postmortem).status_code == 404
    assert not BlamelessDismissal.objects.exists()


def test_unknown_sections_are_not_found(signed_in, postmortem):
    assert _dismiss(signed_in, postmortem, section="nonsense").status_code == 404
    url = _url("pm-blameless-check", postmortem, "timeline")
    assert signed_in.post(url, {"text": "x"}).status_code == 404


def test_open_findings_lists_sections_and_timeline_without_dismissed_ones(owner, postmortem):
    Postmortem.objects.filter(pk=postmortem.pk).update(
        summary="The root cause was a missing index.", lessons="Bob broke prod."
    )
    postmortem.refresh_from_db()
    TimelineEventFactory(postmortem=postmortem, text="> bob: I broke it\n\nAlice was careless.")
    BlamelessDismissal.objects.create(
        postmortem=postmortem, section="lessons", category="blame", excerpt="Bob broke",
        reason="agreed with Bob", dismissed_by=owner,
    )  # fmt: skip
    found = [(f.section, f.finding.category, f.excerpt) for f in open_findings(postmortem)]
    assert found == [
        ("summary", "root_cause", "root cause"),
        ("timeline", "judgement", "careless"),
    ]

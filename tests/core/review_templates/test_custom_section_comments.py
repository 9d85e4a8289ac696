"""Review comments on a team template's custom sections: posted, listed and resolved as
on built-in ones, through the forms with and without JavaScript; a part the review does
not have is refused; a section taken out of the layout keeps its comments."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from postmortems.models import Postmortem, ReviewComment
from postmortems.services.comments import review_comment_add
from postmortems.services.postmortems import postmortem_start
from tests.core.review_templates.test_review_templates import short_template
from tests.factories import IncidentFactory, ReviewCommentFactory, complete_postmortem

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
CUSTOM = "c_what_we_changed"  # "What we changed", the short template's own section


@pytest.fixture
def short_review(team, lead, owner) -> Postmortem:
    """A SEV4 review in review, laid out by the short template: summary, What we changed."""
    short_template(team, lead)
    postmortem = postmortem_start(incident=IncidentFactory(team=team, severity="SEV4"), by=owner)
    postmortem.status = Postmortem.Status.IN_REVIEW
    postmortem.save()
    return postmortem


def _url(name, postmortem, *extra):
    return reverse(name, args=[postmortem.incident.number, *extra])


def _panel(page: str) -> str:
    return page[page.index('id="review-panel"') :]


def test_a_reader_comments_on_a_custom_section_without_javascript(client, short_review, outsider):
    client.force_login(outsider)
    response = client.post(
        _url("pm-comment-add", short_review),
        {"section": CUSTOM, "text": "Which **alert** changed?", "back": "read"},
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"/postmortem/#comments-{CUSTOM}")
    comment = ReviewComment.objects.get()
    assert (comment.section, comment.author) == (CUSTOM, outsider)
    assert str(comment) == "Comment on What we changed"

    page = client.get(response["Location"]).content.decode()
    assert "Comment posted." in page
    panel = _panel(page)
    # Listed under the section's own name, linking to it in the document.
    assert f'<a href="#section-{CUSTOM}">What we changed</a> · 1 open' in panel
    assert panel.index(f'id="comments-{CUSTOM}"') < panel.index("<strong>alert</strong>")
    assert f'id="section-{CUSTOM}"' in page
    assert 'id="comments-impact"' not in page  # not a section of this review


def test_a_custom_sections_comment_posted_with_htmx_returns_its_thread(
    client, short_review, outsider
):
    client.force_login(outsider)
    response = client.post(
        _url("pm-comment-add", short_review),
        {"section": CUSTOM, "text": "Which alert changed?", "back": "read"},
        **HTMX,
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith(f'<aside id="comments-{CUSTOM}"')
    assert 'aria-label="Review comments on What we changed"' in body
    assert "1 open comment" in body
    assert "Which alert changed?" in body
    assert ReviewComment.objects.get().section == CUSTOM


def test_an_empty_comment_on_a_custom_section_shows_the_error_in_its_thread(
    client, short_review, outsider
):
    client.force_login(outsider)
    response = client.post(
        _url("pm-comment-add", short_review), {"section": CUSTOM, "text": " "}, **HTMX
    )
    body = response.content.decode()
    assert body.lstrip().startswith(f'<aside id="comments-{CUSTOM}"')
    assert "This field is required." in body
    assert not ReviewComment.objects.exists()


def test_the_editor_lists_a_custom_sections_comments_and_resolves_them_with_and_without_js(
    client, short_review, owner
):
    first = ReviewCommentFactory(postmortem=short_review, section=CUSTOM, text="First remark")
    second = ReviewCommentFactory(postmortem=short_review, section=CUSTOM, text="Second remark")
    client.force_login(owner)
    panel = _panel(client.get(_url("pm-postmortem-edit", short_review)).content.decode())
    assert f'<a href="#section-{CUSTOM}">What we changed</a> · 2 open' in panel
    assert "First remark" in panel
    assert _url("pm-comment-resolve", short_review, first.code) in panel

    response = client.post(
        _url("pm-comment-resolve", short_review, first.code), {"back": "edit"}, **HTMX
    )
    body = response.content.decode()
    assert body.lstrip().startswith(f'<aside id="comments-{CUSTOM}"')
    assert "1 resolved comment" in body
    assert "1 open comment" in body

    response = client.post(_url("pm-comment-resolve", short_review, second.code), {"back": "edit"})
    assert response.status_code == 302
    assert response["Location"].endswith(f"/postmortem/edit/#comments-{CUSTOM}")
    assert ReviewComment.objects.filter(resolved_by=owner).count() == 2
    panel = _panel(client.get(response["Location"]).content.decode())
    assert "2 resolved comments" in panel


@pytest.mark.parametrize("section", ["impact", "c_nope", "password"])
def test_a_part_the_review_does_not_have_is_refused_with_a_message(
    client, short_review, outsider, section
):
    """The built-in "impact" is not a section of this review."""
    client.force_login(outsider)
    response = client.post(
        _url("pm-comment-add", short_review),
        {"section": section, "text": "Hm", "back": "read"},
        follow=True,
    )
    assert f"This review has no section “{section}”." in response.content.decode()
    with_js = client.post(
        _url("pm-comment-add", short_review), {"section": section, "text": "Hm"}, **HTMX
    )
    assert with_js["HX-Redirect"] == _url("pm-postmortem-detail", short_review)
    assert not ReviewComment.objects.exists()
    with pytest.raises(ValidationError, match="no section"):
        review_comment_add(postmortem=short_review, section=section, text="Hm", by=outsider)


def test_the_timeline_and_action_items_take_comments_in_every_layout(short_review, outsider):
    for part in ("timeline", "action_items", "summary", CUSTOM):
        review_comment_add(postmortem=short_review, section=part, text="Hm", by=outsider)
    assert ReviewComment.objects.count() == 4


def test_a_section_taken_out_of_the_layout_keeps_its_comments(client, short_review, owner):
    ReviewCommentFactory(postmortem=short_review, section=CUSTOM, text="Still here")
    ReviewCommentFactory(postmortem=short_review, section="impact", text="Impact remark")
    short_review.layout = [part for part in short_review.layout if part["key"] != CUSTOM]
    short_review.save()
    client.force_login(owner)
    for page in ("pm-postmortem-edit", "pm-postmortem-detail"):
        panel = _panel(client.get(_url(page, short_review)).content.decode())
        assert f'<a href="#comments-{CUSTOM}">Other ({CUSTOM})</a> · 1 open' in panel
        assert '<a href="#comments-impact">Impact</a> · 1 open' in panel
        assert "Still here" in panel
        assert "Impact remark" in panel
        # Readable and resolvable, but no new comments on a part that is gone.
        thread = panel[panel.index(f'id="comments-{CUSTOM}"') :]
        thread = thread[: thread.index("</aside>")]
        assert "comments__form" not in thread
        assert "Resolve" in thread


def test_publishing_counts_and_names_open_comments_on_custom_sections(client, short_review, owner):
    complete_postmortem(short_review)
    ReviewCommentFactory(postmortem=short_review, section=CUSTOM, text="Custom remark")
    ReviewCommentFactory(postmortem=short_review, section="summary", text="Summary remark")
    client.force_login(owner)
    response = client.post(_url("pm-postmortem-status", short_review), {"status": "published"})
    body = response.content.decode()
    assert "2 review comments are still open" in body
    assert '<span class="badge">What we changed</span>' in body
    assert "Custom remark" in body
    short_review.refresh_from_db()
    assert short_review.status == Postmortem.Status.IN_REVIEW

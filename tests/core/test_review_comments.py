"""Review comments: readers comment on a section while a review is in review, authors
resolve them, and publishing with open comments asks for a confirmation."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from postmortems.models import OutboundMessage, Postmortem, ReviewComment
from postmortems.services.comments import review_comment_add, review_comment_resolve
from postmortems.services.postmortems import OpenComments, postmortem_set_status
from tests.factories import ReviewCommentFactory, complete_postmortem

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
NOW = dt.datetime(2026, 11, 20, 14, 30, tzinfo=dt.UTC)


@pytest.fixture
def in_review(postmortem):
    postmortem.status = Postmortem.Status.IN_REVIEW
    postmortem.save()
    return postmortem


@pytest.fixture
def ready(in_review):
    """In review and passing every readiness check: only the comments stand in the way."""
    return complete_postmortem(in_review)


def _url(name, postmortem, *extra):
    return reverse(name, args=[postmortem.incident.number, *extra])


def test_a_reader_comments_on_a_section_and_an_author_resolves_it(in_review, outsider, author):
    comment = review_comment_add(
        postmortem=in_review, section="impact", text="  How many users?  ", by=outsider
    )
    assert (comment.section, comment.text, comment.author) == (
        "impact",
        "How many users?",
        outsider,
    )
    assert not comment.is_resolved

    review_comment_resolve(comment=comment, by=author)
    first = ReviewComment.objects.get(pk=comment.pk)
    assert first.resolved_by == author
    assert first.resolved_at is not None
    review_comment_resolve(comment=comment, by=outsider)  # a second resolve changes nothing
    assert ReviewComment.objects.get(pk=comment.pk).resolved_by == author


@pytest.mark.parametrize("status", ["draft", "published"])
def test_comments_are_open_only_while_in_review(postmortem, outsider, status):
    postmortem.status = status
    postmortem.published_at = NOW if status == "published" else None
    postmortem.save()
    with pytest.raises(ValidationError, match="only while the postmortem is in review"):
        review_comment_add(postmortem=postmortem, section="summary", text="Hm", by=outsider)
    assert not ReviewComment.objects.exists()


def test_a_comment_names_a_real_section(in_review, outsider):
    with pytest.raises(ValidationError):
        review_comment_add(postmortem=in_review, section="password", text="x", by=outsider)


@time_machine.travel(NOW, tick=False)
def test_posting_with_htmx_returns_the_thread_with_author_time_and_markdown(
    client, in_review, outsider
):
    client.force_login(outsider)
    response = client.post(
        _url("pm-comment-add", in_review),
        {"section": "timeline", "text": "When did **paging** start?", "back": "read"},
        **HTMX,
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<aside id="comments-timeline"')
    assert "Oscar Outsider" in body
    assert "Nov 20, 14:30" in body
    assert "<strong>paging</strong>" in body
    assert "Resolve" not in body  # outsiders read and comment, they do not resolve
    assert "HX-Request" in response["Vary"]
    assert ReviewComment.objects.get().section == "timeline"


def test_comment_text_is_sanitised(client, in_review, outsider):
    client.force_login(outsider)
    client.post(
        _url("pm-comment-add", in_review),
        {"section": "summary", "text": "<script>alert(1)</script> [x](javascript:alert(1))"},
    )
    page = client.get(_url("pm-postmortem-detail", in_review)).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page
    assert 'href="javascript:' not in page


def test_posting_without_javascript_returns_to_the_page_it_came_from(client, in_review, teammate):
    client.force_login(teammate)
    response = client.post(
        _url("pm-comment-add", in_review),
        {"section": "lessons", "text": "Add the alert threshold.", "back": "edit"},
    )
    assert response.status_code == 302
    assert response["Location"].endswith("/postmortem/edit/#comments-lessons")
    editor = client.get(response["Location"]).content.decode()
    assert "Add the alert threshold." in editor
    assert "Comment posted." in editor


def test_an_empty_comment_with_htmx_shows_the_error_in_the_thread(client, in_review, outsider):
    client.force_login(outsider)
    response = client.post(
        _url("pm-comment-add", in_review), {"section": "impact", "text": " "}, **HTMX
    )
    assert "This field is required." in response.content.decode()
    assert not ReviewComment.objects.exists()


def test_commenting_on_a_draft_is_refused_with_a_message(client, postmortem, outsider):
    client.force_login(outsider)
    response = client.post(
        _url("pm-comment-add", postmortem), {"section": "impact", "text": "Hm"}, follow=True
    )
    assert "only while the postmortem is in review" in response.content.decode()
    assert not ReviewComment.objects.exists()


def test_only_editors_resolve_and_resolved_comments_collapse(client, in_review, outsider, teammate):
    comment = ReviewCommentFactory(postmortem=in_review, section="impact", author=outsider)
    url = _url("pm-comment-resolve", in_review, comment.code)
    client.force_login(outsider)
    assert client.post(url).status_code == 403
    client.force_login(teammate)
    response = client.post(url, {"back": "read"}, **HTMX)
    body = response.content.decode()
    assert "<details" in body
    assert "1 resolved comment" in body
    assert "Resolved by Tariq Teammate" in body
    assert comment.text in body  # still visible, collapsed
    assert ReviewComment.objects.get().resolved_by == teammate


def test_a_restricted_reviews_comments_are_not_found_by_outsiders(client, in_review, outsider):
    in_review.incident.restricted = True
    in_review.incident.save()
    comment = ReviewCommentFactory(postmortem=in_review)
    client.force_login(outsider)
    add = client.post(_url("pm-comment-add", in_review), {"section": "impact", "text": "x"})
    assert add.status_code == 404
    assert client.post(_url("pm-comment-resolve", in_review, comment.code)).status_code == 404


def test_a_comment_of_another_review_is_not_found(client, in_review, owner):
    other = ReviewCommentFactory()
    client.force_login(owner)
    response = client.post(_url("pm-comment-resolve", in_review, other.code))
    assert response.status_code == 404


def test_the_read_view_shows_each_thread_in_the_panel_linking_to_its_section(
    client, in_review, outsider
):
    ReviewCommentFactory(postmortem=in_review, section="impact", text="Impact remark")
    ReviewCommentFactory(postmortem=in_review, section="action_items", text="Items remark")
    client.force_login(outsider)
    page = client.get(_url("pm-postmortem-detail", in_review)).content.decode()
    panel = page[page.index('id="review-panel"') :]
    assert 'id="section-impact"' in page
    assert 'id="actions"' in page
    assert panel.index('href="#section-impact"') < panel.index("Impact remark")
    assert panel.index('href="#actions"') < panel.index("Items remark")
    assert 'id="comment-text-lessons"' in panel  # every section takes comments in review
    # Asked for, not an empty box beside every section.
    assert '<details class="comments__add">' in panel


def test_the_editor_shows_threads_with_resolve_buttons(client, in_review, owner):
    comment = ReviewCommentFactory(postmortem=in_review, section="summary")
    client.force_login(owner)
    page = client.get(_url("pm-postmortem-edit", in_review)).content.decode()
    assert comment.text in page
    assert reverse("pm-comment-resolve", args=[in_review.incident.number, comment.code]) in page


def test_a_published_review_shows_no_comment_forms(client, postmortem, owner):
    complete_postmortem(postmortem)
    postmortem_set_status(postmortem=postmortem, status="published", by=owner)
    client.force_login(owner)
    page = client.get(_url("pm-postmortem-detail", postmortem)).content.decode()
    assert "comments__form" not in page


def test_publishing_with_open_comments_is_refused_without_confirmation(ready, owner):
    ReviewCommentFactory(postmortem=ready, text="Open one")
    ReviewCommentFactory(postmortem=ready, created_at=NOW, resolved_at=NOW + dt.timedelta(hours=1))
    with pytest.raises(
        OpenComments, match=r"1 review comment is still open\. Resolve it,"
    ) as refused:
        postmortem_set_status(postmortem=ready, status="published", by=owner)
    assert [c.text for c in refused.value.comments] == ["Open one"]
    ready.refresh_from_db()
    assert ready.status == "in_review"
    assert ready.published_at is None
    assert not OutboundMessage.objects.exists()

    postmortem_set_status(
        postmortem=ready, status="published", by=owner, publish_with_open_comments=True
    )
    ready.refresh_from_db()
    assert ready.status == "published"


def test_the_status_form_asks_for_confirmation_and_publish_anyway_publishes(
    client, ready, owner, django_assert_num_queries
):
    for n in range(3):
        ReviewCommentFactory(postmortem=ready, section="impact", text=f"Open remark {n}")
    client.force_login(owner)
    url = _url("pm-postmortem-status", ready)
    # session, user, incident (+postmortem); in the service's savepoint: the status as
    # locked, the readiness check (postmortem locked for update, timeline, action items,
    # severity policy, blameless dismissals, detection review), open comments (+authors);
    # the rollback and release of the savepoint
    with django_assert_num_queries(14):
        response = client.post(url, {"status": "published"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "3 review comments are still open" in body
    assert "Open remark 0" in body
    assert "Open remark 2" in body
    assert "Publish anyway" in body
    ready.refresh_from_db()
    assert ready.status == "in_review"

    response = client.post(url, {"status": "published", "confirm": "on"})
    assert response.status_code == 302
    assert response["Location"] == _url("pm-postmortem-detail", ready)
    ready.refresh_from_db()
    assert ready.status == "published"


def test_publishing_after_every_comment_is_resolved_needs_no_confirmation(client, ready, owner):
    ReviewCommentFactory(postmortem=ready, created_at=NOW, resolved_at=NOW + dt.timedelta(hours=1))
    client.force_login(owner)
    response = client.post(_url("pm-postmortem-status", ready), {"status": "published"})
    assert response.status_code == 302
    ready.refresh_from_db()
    assert ready.status == "published"

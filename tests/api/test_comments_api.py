"""Review comments through the API: listed, added and resolved on any part of the
review's own layout, a team template's custom sections too."""

import pytest

from postmortems.models import Postmortem, ReviewComment
from postmortems.services.postmortems import postmortem_start
from tests.api.test_incidents_api import _warm
from tests.core.review_templates.test_review_templates import short_template
from tests.factories import IncidentFactory, ReviewCommentFactory, complete_postmortem

pytestmark = pytest.mark.django_db
CUSTOM = "c_what_we_changed"


@pytest.fixture
def short_review(team, lead, owner) -> Postmortem:
    short_template(team, lead)
    postmortem = postmortem_start(
        incident=IncidentFactory(team=team, severity="SEV4", owner=owner), by=owner
    )
    postmortem.status = Postmortem.Status.IN_REVIEW
    postmortem.save()
    return postmortem


def _path(postmortem: Postmortem, tail: str = "") -> str:
    return f"/api/v1/incidents/{postmortem.incident.number}/postmortem/comments{tail}"


def test_a_reader_comments_on_a_custom_section_and_an_editor_resolves_it(
    api_as, short_review, outsider, teammate
):
    added = api_as("outsider").post(
        _path(short_review), {"section": CUSTOM, "text": "Which alert changed?"}
    )
    assert added.status_code == 201, added.content
    body = added.json()
    assert (body["section"], body["label"], body["text"]) == (
        CUSTOM,
        "What we changed",
        "Which alert changed?",
    )
    assert body["author"]["email"] == outsider.email
    assert body["resolved_at"] is None

    listed = api_as("teammate").get(_path(short_review)).json()
    assert [(c["code"], c["section"], c["label"]) for c in listed] == [
        (body["code"], CUSTOM, "What we changed")
    ]

    resolve = _path(short_review, f"/{body['code']}/resolve")
    assert api_as("outsider").post(resolve).status_code == 403  # readers do not resolve
    resolved = api_as("teammate").post(resolve)
    assert resolved.status_code == 200
    assert resolved.json()["resolved_by"]["email"] == teammate.email
    assert ReviewComment.objects.get().resolved_by == teammate


@pytest.mark.parametrize("section", ["impact", "c_nope"])
def test_a_part_the_review_does_not_have_is_a_404(api_as, short_review, section):
    response = api_as("outsider").post(_path(short_review), {"section": section, "text": "Hm"})
    assert response.status_code == 404
    assert response.json()["detail"] == "This review has no such section."
    assert not ReviewComment.objects.exists()


def test_comments_wait_for_the_review_and_text_is_required(api_as, short_review):
    api = api_as("outsider")
    blank = api.post(_path(short_review), {"section": CUSTOM, "text": " "})
    assert blank.status_code == 422
    assert blank.json()["errors"] == {"text": ["This field is required."]}
    Postmortem.objects.filter(pk=short_review.pk).update(status=Postmortem.Status.DRAFT)
    draft = api.post(_path(short_review), {"section": CUSTOM, "text": "Hm"})
    assert draft.status_code == 422
    assert "only while the postmortem is in review" in draft.json()["detail"]
    assert not ReviewComment.objects.exists()


def test_the_open_comments_that_stop_publishing_name_their_custom_section(api_as, short_review):
    complete_postmortem(short_review)
    comment = ReviewCommentFactory(postmortem=short_review, section=CUSTOM)
    refused = api_as("owner").post(
        f"/api/v1/incidents/{short_review.incident.number}/postmortem/status",
        {"status": "published"},
    )
    assert refused.status_code == 409
    assert [(c["code"], c["section"], c["label"]) for c in refused.json()["open_comments"]] == [
        (str(comment.code), CUSTOM, "What we changed")
    ]


@pytest.mark.parametrize("rows", [1, 12])
def test_the_comment_list_costs_the_same_queries_however_many_rows(
    api_as, short_review, rows, django_assert_num_queries
):
    ReviewCommentFactory.create_batch(rows, postmortem=short_review, section=CUSTOM)
    api = api_as("owner")
    _warm(api)
    # Token, the incident (with its postmortem), the comments with their people.
    with django_assert_num_queries(3):
        assert len(api.get(_path(short_review)).json()) == rows

"""Comment writers on one custom section at the same moment, on PostgreSQL: every
comment posted is kept, and two editors resolving the same comment keep one resolution."""

import threading

import pytest
from django.test import Client
from django.urls import reverse

from postmortems.models import Postmortem, ReviewComment
from postmortems.services.postmortems import postmortem_start
from tests.core.review_templates.test_review_templates import short_template
from tests.factories import IncidentFactory, ReviewCommentFactory, UserFactory
from tests.threads import run_together

WRITERS = 6
CUSTOM = "c_what_we_changed"


def _browser(user) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


@pytest.mark.django_db(transaction=True)
def test_concurrent_comments_and_resolves_on_a_custom_section(
    postgres, team, lead, owner, teammate
):
    short_template(team, lead)
    incident = IncidentFactory(team=team, severity="SEV4", owner=owner)
    postmortem = postmortem_start(incident=incident, by=owner)
    Postmortem.objects.filter(pk=postmortem.pk).update(status=Postmortem.Status.IN_REVIEW)
    contested = ReviewCommentFactory(postmortem=postmortem, section=CUSTOM, text="Contested")
    readers = [UserFactory() for _ in range(WRITERS)]  # readers outside the team
    answers: list[tuple[str, int]] = []
    lock = threading.Lock()

    def comment(n: int):
        def write(barrier) -> None:
            browser = _browser(readers[n])
            url = reverse("pm-comment-add", args=[incident.number])
            barrier.wait(timeout=30)
            response = browser.post(url, {"section": CUSTOM, "text": f"Remark {n}"})
            with lock:
                answers.append(("comment", response.status_code))

        return write

    def resolve(user):
        def write(barrier) -> None:
            browser = _browser(user)
            url = reverse("pm-comment-resolve", args=[incident.number, contested.code])
            barrier.wait(timeout=30)
            response = browser.post(url, {"back": "edit"})
            with lock:
                answers.append(("resolve", response.status_code))

        return write

    writers = [comment(n) for n in range(WRITERS)] + [resolve(owner), resolve(teammate)]
    crashed = run_together(writers)
    assert crashed == []
    assert [status for _kind, status in answers] == [302] * (WRITERS + 2)
    posted = ReviewComment.objects.filter(postmortem=postmortem).exclude(pk=contested.pk)
    assert sorted(posted.values_list("text", flat=True)) == [f"Remark {n}" for n in range(WRITERS)]
    assert {c.section for c in posted} == {CUSTOM}
    assert {c.author for c in posted} == set(readers)
    contested.refresh_from_db()
    assert contested.resolved_by in {owner, teammate}
    assert contested.resolved_at is not None

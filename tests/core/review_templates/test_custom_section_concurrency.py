"""Writers of one custom section at the same moment, on PostgreSQL: the same rules as a
built-in section. One save from a base wins, the other is told of the conflict; saves
of different sections never conflict; every acknowledged save is a revision."""

import threading

import pytest
from django.test import Client
from django.urls import reverse

from postmortems.models import Postmortem, ReviewSectionText, SearchEntry, SectionRevision
from postmortems.services.postmortems import postmortem_start, text_fingerprint
from postmortems.services.review_templates import (
    review_template_create,
    review_template_section_add,
)
from tests.factories import IncidentFactory
from tests.threads import run_together

WRITERS = 6


def _browser(user) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


@pytest.mark.django_db(transaction=True)
def test_concurrent_saves_of_custom_sections_conflict_like_built_in_ones(
    postgres, team, lead, owner
):
    template = review_template_create(team=team, name="Near miss", severities=["SEV4"], by=lead)
    for label in ("What nearly happened", "What stopped it"):
        review_template_section_add(template=template, label=label, question="", by=lead)
    incident = IncidentFactory(team=team, severity="SEV4", owner=owner)
    postmortem = postmortem_start(incident=incident, by=owner)
    keys = ["c_what_nearly_happened", "c_what_stopped_it"]
    answers: list[tuple[str, int, str]] = []
    lock = threading.Lock()

    def save(key: str, n: int):
        def write(barrier) -> None:
            browser = _browser(owner)
            url = reverse("pm-section-save", args=[incident.number, key])
            text = f"{key} by writer {n}"
            barrier.wait(timeout=30)
            response = browser.post(url, {"text": text, "base": text_fingerprint("")})
            with lock:
                answers.append((key, response.status_code, text))

        return write

    crashed = run_together([save(keys[n % 2], n) for n in range(WRITERS)])
    assert crashed == []
    assert all(status in {200, 302} for _key, status, _text in answers)
    postmortem = Postmortem.objects.get(pk=postmortem.pk)
    for key in keys:
        won = [text for k, status, text in answers if k == key and status == 302]
        assert len(won) == 1  # the others started from the same base: a conflict each
        stored = ReviewSectionText.objects.get(postmortem=postmortem, key=key).text
        assert stored == won[0]
        revisions = SectionRevision.objects.filter(postmortem=postmortem, section=key)
        assert [(r.number, r.text) for r in revisions] == [(1, stored)]
    entry = SearchEntry.objects.get(postmortem=postmortem)
    assert entry.search_vector is not None
    assert all(
        text in postmortem.search_text
        for text in ReviewSectionText.objects.values_list("text", flat=True)
    )

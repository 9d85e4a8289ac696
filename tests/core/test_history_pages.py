"""The history page: who saved what when, diffs between revisions, restoring."""

import pytest
from django.urls import reverse

from postmortems.models import SectionRevision
from postmortems.services.postmortems import postmortem_update_section, text_fingerprint

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def _save(postmortem, section, text, by):
    postmortem_update_section(
        postmortem=postmortem,
        section=section,
        text=text,
        base_fingerprint=text_fingerprint(getattr(postmortem, section)),
        by=by,
    )


def _history(postmortem, **query):
    url = reverse("pm-postmortem-history", args=[postmortem.incident.number])
    return url, query


@pytest.mark.parametrize("saves", [1, 8])
def test_the_history_page_costs_the_same_queries_however_long_the_history(
    client, postmortem, owner, teammate, saves, django_assert_num_queries
):
    for n in range(saves):
        _save(postmortem, "summary", f"Summary version {n}", owner if n % 2 else teammate)
        _save(postmortem, "impact", f"Impact version {n}", owner)
    client.force_login(owner)
    url, _query = _history(postmortem)
    # session, user, incident (+postmortem, team), revisions (+authors); the incident
    # owner may edit without a membership lookup
    with django_assert_num_queries(4):
        response = client.get(url)
    assert response.status_code == 200
    assert len(response.context["rows"]) == 2 * (saves + 1)  # plus one baseline each
    # Comparing two revisions costs nothing more: both are in the listed rows.
    with django_assert_num_queries(4):
        response = client.get(url, {"section": "summary", "old": 1, "new": 2})
    assert response.context["new"].number == 2


def test_history_lists_who_saved_when_and_diffs_the_latest_two_by_default(
    client, postmortem, owner, teammate
):
    _save(postmortem, "lessons", "Pools need alerts.\nKeep <configs> reviewed.", owner)
    _save(postmortem, "lessons", "Pools need alerts.\nKeep <configs> & flags reviewed.", teammate)
    client.force_login(owner)
    url, _query = _history(postmortem)

    body = client.get(url, {"section": "lessons"}).content.decode()

    assert "Olivia Owner" in body
    assert "Tariq Teammate" in body
    assert "Lessons: revision 1 → revision 2" in body
    assert "<del>reviewed.</del>" not in body
    assert "<ins>&amp; flags </ins>" in body
    assert "<configs>" not in body


def test_history_filters_by_section_and_answers_htmx_with_the_partial(client, postmortem, owner):
    _save(postmortem, "lessons", "A lesson.", owner)
    _save(postmortem, "impact", "An impact.", owner)
    client.force_login(owner)
    url, _query = _history(postmortem)
    response = client.get(url, {"section": "lessons"}, **HTMX)
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="history">')
    assert [row.section for row in response.context["rows"]] == ["lessons"]
    assert "HX-Request" in response["Vary"]


def test_readers_see_history_without_restore_buttons(client, postmortem, owner, outsider):
    _save(postmortem, "lessons", "One.", owner)
    _save(postmortem, "lessons", "Two.", owner)
    client.force_login(outsider)
    url, _query = _history(postmortem)
    body = client.get(url).content.decode()
    assert "Restore" not in body
    client.force_login(owner)
    body = client.get(url).content.decode()
    # Every revision but the current one can be restored: here the first.
    assert body.count(">Restore<") == 1
    assert reverse("pm-revision-restore", args=[postmortem.incident.number, "lessons", 1]) in body


def test_restoring_a_revision_saves_it_as_a_new_one(client, postmortem, owner):
    _save(postmortem, "lessons", "One.", owner)
    _save(postmortem, "lessons", "Two.", owner)
    client.force_login(owner)
    url = reverse("pm-revision-restore", args=[postmortem.incident.number, "lessons", 1])

    response = client.post(url, {"base": text_fingerprint("Two.")}, follow=True)

    assert "revision 1 restored as revision 3" in response.content.decode()
    postmortem.refresh_from_db()
    assert postmortem.lessons == "One."
    latest = SectionRevision.objects.get(postmortem=postmortem, section="lessons", number=3)
    assert (latest.kind, latest.restored_from, latest.author) == ("restore", 1, owner)


def test_restoring_over_a_newer_save_shows_the_changes_instead(client, postmortem, owner, teammate):
    _save(postmortem, "lessons", "One.", owner)
    _save(postmortem, "lessons", "Two.", owner)
    seen = text_fingerprint("Two.")
    _save(postmortem, "lessons", "Three, by a teammate.", teammate)
    client.force_login(owner)
    url = reverse("pm-revision-restore", args=[postmortem.incident.number, "lessons", 1])

    response = client.post(url, {"base": seen})

    assert response.status_code == 302
    assert "section=lessons" in response["Location"]
    assert "old=1" in response["Location"]
    assert "new=3" in response["Location"]
    postmortem.refresh_from_db()
    assert postmortem.lessons == "Three, by a teammate."
    assert SectionRevision.objects.filter(postmortem=postmortem, section="lessons").count() == 3


def test_restoring_a_revision_that_does_not_exist_is_404(client, postmortem, owner):
    client.force_login(owner)
    url = reverse("pm-revision-restore", args=[postmortem.incident.number, "lessons", 9])
    assert client.post(url, {"base": "x"}).status_code == 404

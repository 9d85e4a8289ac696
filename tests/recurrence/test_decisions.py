"""Confirming and dismissing: the service, the page's forms (htmx and without), and
who may decide."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from audit.models import AuditEvent
from postmortems.models import Recurrence
from postmortems.recurrence.services import RecurrenceConflict, recurrence_decide
from postmortems.services.postmortems import postmortem_start
from tests.factories import ServiceFactory, UserFactory
from tests.recurrence.support import earlier_review, item, open_incident

pytestmark = pytest.mark.django_db


@pytest.fixture
def flagged(team, owner, django_capture_on_commit_callbacks):
    """INC later (owned by `owner`) possibly recurs an earlier published review."""
    checkout = ServiceFactory(name="Checkout")
    earlier = earlier_review(team=team, services=[checkout], title="Checkout pool exhausted")
    at = earlier.incident.started_at
    done = {"status": "done", "completed_at": at, "outcome_at": at}
    item(earlier, title="Raise the pool size", outcome="did_not_work", **done)
    item(earlier, title="Alert on pool saturation", status="open")
    item(earlier, title="Load test checkout", outcome="worked", **done)
    with django_capture_on_commit_callbacks(execute=True):
        later = open_incident(team=team, services=[checkout], owner=owner)
    return Recurrence.objects.get(incident=later)


def _url(recurrence, decision="confirm"):
    return reverse(
        "pm-recurrence-decide", args=[recurrence.incident.number, recurrence.code, decision]
    )


def test_confirming_records_who_when_and_why(flagged, owner):
    decided = recurrence_decide(
        recurrence=flagged, decision="confirm", by=owner, note=" Same pool "
    )
    assert (decided.status, decided.decided_by, decided.note, decided.revision) == (
        "confirmed",
        owner,
        "Same pool",
        1,
    )
    assert decided.decided_at is not None
    logged = AuditEvent.objects.get(action="recurrence_decided")
    assert (logged.actor, logged.details["decision"], logged.details["earlier"]) == (
        owner,
        "confirmed",
        flagged.earlier_id,
    )


def test_the_same_decision_again_changes_nothing_and_another_conflicts(flagged, owner, lead):
    recurrence_decide(recurrence=flagged, decision="confirm", by=owner)
    again = recurrence_decide(recurrence=flagged, decision="confirm", by=lead, note="me too")
    assert (again.decided_by, again.note, again.revision) == (owner, "", 1)
    with pytest.raises(RecurrenceConflict) as conflict:
        recurrence_decide(recurrence=flagged, decision="dismiss", by=lead, expected_revision=0)
    assert conflict.value.current.status == "confirmed"
    with pytest.raises(RecurrenceConflict):
        recurrence_decide(recurrence=flagged, decision="dismiss", by=lead)
    changed = recurrence_decide(
        recurrence=flagged, decision="dismiss", by=lead, expected_revision=1
    )
    assert (changed.status, changed.decided_by, changed.revision) == ("dismissed", lead, 2)


def test_a_bad_decision_or_a_long_note_is_refused(flagged, owner):
    with pytest.raises(ValidationError):
        recurrence_decide(recurrence=flagged, decision="maybe", by=owner)
    with pytest.raises(ValidationError):
        recurrence_decide(recurrence=flagged, decision="confirm", by=owner, note="x" * 2001)
    assert Recurrence.objects.get().status == "suggested"


def test_the_incident_page_shows_the_earlier_review_and_its_unsettled_items(
    client, flagged, owner, django_assert_num_queries
):
    client.force_login(owner)
    url = reverse("pm-incident-detail", args=[flagged.incident.number])
    response = client.get(url)
    page = response.content.decode()
    assert "Possible recurrence of" in page
    assert f"{flagged.earlier.reference} Checkout pool exhausted" in page
    assert "Checkout" in page
    assert "Raise the pool size — done, it did not work" in page
    assert "Alert on pool saturation — open" in page
    assert "Load test checkout" not in page  # done and worked
    assert _url(flagged) in page
    assert _url(flagged, "dismiss") in page
    # The earlier incident's page names the later one.
    earlier_page = client.get(reverse("pm-incident-detail", args=[flagged.earlier.number]))
    assert "Possibly recurred as" in earlier_page.content.decode()
    assert flagged.incident.reference in earlier_page.content.decode()


def test_the_panel_costs_the_same_queries_however_many_items(
    client, flagged, owner, django_assert_num_queries
):
    client.force_login(owner)
    url = reverse("pm-incident-detail", args=[flagged.incident.number])
    client.get(url)
    # The page's own 5, whether there is any recurrence (1), the recurrences both ways
    # (1), what they share (1: the three link tables in one) and the earlier review's
    # items (1).
    with django_assert_num_queries(9) as first:
        client.get(url)
    for n in range(5):
        item(flagged.earlier.postmortem, title=f"More {n}", status="open")
    with django_assert_num_queries(len(first.captured_queries)):
        client.get(url)


def test_confirming_without_javascript_redirects_back_with_a_message(client, flagged, owner):
    client.force_login(owner)
    response = client.post(_url(flagged), {"note": "Same pool", "revision": "0", "back": "read"})
    assert response.status_code == 302
    assert response["Location"] == reverse("pm-postmortem-detail", args=[flagged.incident.number])
    flagged.refresh_from_db()
    assert (flagged.status, flagged.note) == ("confirmed", "Same pool")


def test_dismissing_with_htmx_answers_the_panel(client, flagged, owner):
    client.force_login(owner)
    response = client.post(
        _url(flagged, "dismiss"), {"revision": "0"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert page.lstrip().startswith('<section class="card recurrence"')
    assert "Not a recurrence of" in page
    assert "Change to confirmed" in page
    assert response["Vary"] == "HX-Request" or "HX-Request" in response["Vary"]


def test_a_conflicting_decision_is_shown_and_changes_nothing(client, flagged, owner, lead):
    recurrence_decide(recurrence=flagged, decision="confirm", by=lead)
    client.force_login(owner)
    response = client.post(
        _url(flagged, "dismiss"), {"revision": "0"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 409
    assert "Someone else decided this recurrence first" in response.content.decode()
    flagged.refresh_from_db()
    assert flagged.status == "confirmed"
    response = client.post(_url(flagged, "dismiss"), {"revision": "0"}, follow=True)
    assert "Someone else decided" in response.content.decode()


def test_readers_who_may_not_edit_get_403_and_unknown_decisions_404(
    client, flagged, outsider, owner
):
    client.force_login(outsider)
    assert client.post(_url(flagged)).status_code == 403
    client.force_login(owner)
    assert client.post(_url(flagged, "maybe")).status_code == 404
    assert client.get(_url(flagged)).status_code == 302  # back to the incident


def test_a_restricted_earlier_incident_is_never_named_to_who_may_not_see_it(
    client, flagged, author, owner
):
    """The author of the later review (another team) sees the later incident, not the
    restricted earlier one: no panel naming it, no way to decide it."""
    postmortem = postmortem_start(incident=flagged.incident, by=owner)
    postmortem.authors.add(author)
    earlier = flagged.earlier
    earlier.restricted = True
    earlier.save()
    client.force_login(author)
    for name in ("pm-incident-detail", "pm-postmortem-detail", "pm-postmortem-edit"):
        page = client.get(reverse(name, args=[flagged.incident.number])).content.decode()
        assert earlier.title not in page, name
        assert earlier.reference not in page, name
    assert client.post(_url(flagged)).status_code == 404
    # And the other way round: a restricted later incident on the earlier one's page.
    earlier.restricted = False
    earlier.save()
    later = flagged.incident
    later.restricted = True
    later.save()
    client.force_login(UserFactory())
    page = client.get(reverse("pm-incident-detail", args=[earlier.number])).content.decode()
    assert later.reference not in page
    assert later.title not in page


def test_the_review_editor_and_read_view_show_the_panel_and_come_back_to_themselves(
    client, flagged, owner
):
    postmortem_start(incident=flagged.incident, by=owner)
    client.force_login(owner)
    for name, back in (("pm-postmortem-edit", "edit"), ("pm-postmortem-detail", "read")):
        page = client.get(reverse(name, args=[flagged.incident.number])).content.decode()
        assert "Possible recurrence of" in page, name
        assert f'name="back" value="{back}"' in page, name
    response = client.post(_url(flagged), {"back": "edit", "revision": "0"})
    assert response["Location"] == reverse("pm-postmortem-edit", args=[flagged.incident.number])

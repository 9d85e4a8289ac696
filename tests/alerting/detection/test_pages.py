"""The "Detection" section of the review editor and the read view: who sees it, what
it costs, and its forms without JavaScript."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from postmortems.alerting.detection.models import DetectionAnswer, DetectionReview
from postmortems.models import ActionItem, Firing
from tests.alerting.detection.support import STARTED, berlin_policy, incident_with_alert
from tests.factories import (
    AlertRuleFactory,
    FiringFactory,
    MembershipFactory,
    TimelineEventFactory,
)

pytestmark = pytest.mark.django_db

NOW = STARTED + dt.timedelta(days=1)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def reviewed(team, owner):
    """The review of an incident DiskAlmostFull paged for; its author is `owner`."""
    berlin_policy(team)
    postmortem, _rule = incident_with_alert(team, count=2)
    postmortem.incident.owner = owner
    postmortem.incident.save()
    return postmortem


def url(name, postmortem, *extra):
    return reverse(name, args=[postmortem.incident.number, *extra])


def answer(criterion):
    return DetectionAnswer.objects.get(criterion=criterion)


def test_the_editor_shows_the_prefilled_section(client, owner, reviewed):
    client.force_login(owner)
    response = client.get(url("pm-postmortem-edit", reviewed))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="detection"' in html
    assert "<code>DiskAlmostFull</code>" in html
    assert "2 of 2 firings carried a runbook link" in html
    assert "paged at 03:12 (out of hours) for an incident that ended SEV3" in html
    assert "Create action item" in html  # priority fails


@pytest.mark.parametrize("rules", [1, 5])
def test_the_editor_costs_the_same_queries_however_many_alerts(
    client, owner, reviewed, rules, django_assert_num_queries
):
    for n in range(rules - 1):
        FiringFactory(
            rule=AlertRuleFactory(integration__team=reviewed.incident.team, name=f"Rule{n}"),
            incident=reviewed.incident,
            fired_at=STARTED,
        )
    for n in range(3):
        TimelineEventFactory(postmortem=reviewed, occurred_at=STARTED + dt.timedelta(minutes=n))
    client.force_login(owner)
    client.get(url("pm-postmortem-edit", reviewed))  # the first visit writes the answers
    # The editor's (tests/core/test_editor_pages.py) with the section's: the
    # incident's firings, the team's policy, the review and its answers (with their
    # items), the alerts to link; its readiness check answers from that review. The
    # blameless dismissals are read once for the editor and its checklist.
    with django_assert_num_queries(18):
        response = client.get(url("pm-postmortem-edit", reviewed))
    assert response.status_code == 200
    assert DetectionAnswer.objects.count() == 4 * rules


def test_a_reviewed_section_names_who_marked_it_in_the_same_statements(
    client, owner, reviewed, django_assert_num_queries
):
    client.force_login(owner)
    client.get(url("pm-postmortem-edit", reviewed))  # the first visit writes the answers
    DetectionReview.objects.filter(postmortem=reviewed).update(reviewed_at=NOW, reviewed_by=owner)
    # As many as before it was marked: who marked it is read with the review.
    with django_assert_num_queries(18):
        response = client.get(url("pm-postmortem-edit", reviewed))
    assert "Reviewed by Olivia Owner" in response.content.decode()


def test_an_alert_storm_is_counted_not_listed(client, owner, team, django_assert_num_queries):
    """Three hundred firings of one rule tied to the incident: the editor lists the
    first five, says how many more there were, and reads them in the same statements
    as for two; the answers count every one of them."""
    berlin_policy(team)
    postmortem, _rule = incident_with_alert(team, count=300)
    postmortem.incident.owner = owner
    postmortem.incident.save()
    client.force_login(owner)
    client.get(url("pm-postmortem-edit", postmortem))  # the first visit writes the answers

    with django_assert_num_queries(18):  # as for two firings (the test above)
        response = client.get(url("pm-postmortem-edit", postmortem))

    section = response.content.decode().split('id="detection"', 1)[1].split("</section>", 1)[0]
    assert section.count("<li>Fired <time") == 5
    listed = [line for line in section.splitlines() if "<li>Fired <time" in line]
    assert [line.split("</time>")[0][-5:] for line in listed] == [
        "02:12",
        "02:13",
        "02:14",
        "02:15",
        "02:16",
    ]  # the first five, in UTC (the owner's zone)
    assert "and 295 later firings, counted in the answers below" in section
    assert "300 firings" in section
    assert "300 of 300 firings carried a runbook link" in section


def test_the_read_view_shows_what_the_authors_confirmed(client, owner, teammate, reviewed):
    client.force_login(owner)
    client.get(url("pm-postmortem-edit", reviewed))
    client.post(
        url("pm-detection-answer", reviewed, answer("runbook").pk),
        {
            f"answer-{answer('runbook').pk}-passed": "no",
            f"answer-{answer('runbook').pk}-note": "the runbook was out of date",
            f"answer-{answer('runbook').pk}-revision": "0",
        },
    )
    client.force_login(teammate)
    html = client.get(url("pm-postmortem-detail", reviewed)).content.decode()
    assert 'id="detection"' in html
    assert "Fails: the runbook was out of date" in html


@pytest.mark.parametrize(
    ("persona", "edit", "read", "post"),
    [
        ("owner", 200, 200, 302),
        ("teammate", 200, 200, 302),
        ("author", 200, 200, 302),
        ("reader", 403, 200, 403),
        ("outsider", 404, 404, 404),
    ],
)
def test_pages_by_persona_on_a_restricted_incident(
    client, team, owner, teammate, author, outsider, reviewed, persona, edit, read, post
):
    """A restricted incident's section: its team and the review's author from another
    team edit it, an outsider finds nothing; a member of another team reads an
    unrestricted one and may not answer (403)."""
    reviewed.authors.add(author)
    reader = MembershipFactory().user
    people = {
        "owner": owner,
        "teammate": teammate,
        "author": author,
        "reader": reader,
        "outsider": outsider,
    }
    if persona != "reader":
        reviewed.incident.restricted = True
        reviewed.incident.save()
    client.force_login(owner)
    client.get(url("pm-postmortem-edit", reviewed))
    runbook = answer("runbook")
    client.force_login(people[persona])

    assert client.get(url("pm-postmortem-edit", reviewed)).status_code == edit
    assert client.get(url("pm-postmortem-detail", reviewed)).status_code == read
    response = client.post(
        url("pm-detection-answer", reviewed, runbook.pk),
        {f"answer-{runbook.pk}-passed": "no", f"answer-{runbook.pk}-revision": "0"},
    )
    assert response.status_code == post
    assert answer("runbook").passed is (False if post == 302 else None)


def test_answering_without_javascript_redirects_to_the_section(client, owner, reviewed):
    client.force_login(owner)
    client.get(url("pm-postmortem-edit", reviewed))
    actionable = answer("actionable")

    response = client.post(
        url("pm-detection-answer", reviewed, actionable.pk),
        {
            f"answer-{actionable.pk}-passed": "no",
            f"answer-{actionable.pk}-note": "it cleans itself up",
            f"answer-{actionable.pk}-revision": "0",
        },
    )

    assert response.status_code == 302
    assert response["Location"].endswith("/edit/#detection")
    assert (answer("actionable").passed, answer("actionable").note) == (
        False,
        "it cleans itself up",
    )
    assert set(Firing.objects.values_list("judged_actionable", flat=True)) == {False}


def test_a_stale_answer_without_javascript_shows_both_and_keeps_what_was_typed(
    client, owner, teammate, reviewed
):
    client.force_login(owner)
    client.get(url("pm-postmortem-edit", reviewed))
    runbook = answer("runbook")
    prefix = f"answer-{runbook.pk}"
    client.post(
        url("pm-detection-answer", reviewed, runbook.pk),
        {f"{prefix}-passed": "no", f"{prefix}-note": "out of date", f"{prefix}-revision": "0"},
    )
    client.force_login(teammate)

    response = client.post(
        url("pm-detection-answer", reviewed, runbook.pk),
        {f"{prefix}-passed": "yes", f"{prefix}-note": "it was fine", f"{prefix}-revision": "0"},
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "Someone else saved the detection review" in html
    assert "Their answer: <strong>fails</strong> · “out of date”" in html
    assert 'value="it was fine"' in html
    assert f'name="{prefix}-revision" value="1"' in html
    assert answer("runbook").note == "out of date"


def test_answering_with_htmx_returns_the_section_and_refreshes_the_checklist(
    client, owner, reviewed
):
    client.force_login(owner)
    client.get(url("pm-postmortem-edit", reviewed))
    timely = answer("timely")

    response = client.post(
        url("pm-detection-answer", reviewed, timely.pk),
        {f"answer-{timely.pk}-passed": "yes", f"answer-{timely.pk}-revision": "0"},
        headers={"HX-Request": "true"},
    )

    html = response.content.decode()
    assert html.lstrip().startswith('<section id="detection"')
    assert "readiness-changed" in response["HX-Trigger"]
    assert f'name="answer-{answer("runbook").pk}-revision" value="1"' in html


def test_the_action_button_creates_one_item_and_links_it(client, owner, reviewed):
    client.force_login(owner)
    client.get(url("pm-postmortem-edit", reviewed))
    priority = answer("priority")

    first = client.post(url("pm-detection-action", reviewed, priority.pk))
    second = client.post(
        url("pm-detection-action", reviewed, priority.pk), headers={"HX-Request": "true"}
    )

    assert first.status_code == 302
    assert second["HX-Refresh"] == "true"
    item = ActionItem.objects.get()
    assert answer("priority").action_item == item
    html = client.get(url("pm-postmortem-edit", reviewed)).content.decode()
    assert f'<a href="#item-{item.code}">' in html


def test_found_and_mark_reviewed_without_javascript(client, owner):
    from tests.factories import IncidentFactory, PostmortemFactory

    postmortem = PostmortemFactory(incident=IncidentFactory(team=owner.memberships.get().team))
    client.force_login(owner)
    client.get(url("pm-postmortem-edit", postmortem))

    refused = client.post(url("pm-detection-mark", postmortem), {"revision": "0"})
    assert "Say how the incident was found." in refused.content.decode()
    client.post(
        url("pm-detection-found", postmortem),
        {
            "found_by": "customer",
            "suggested_alert": "Alert on `checkout` error rate",
            "notes": "",
            "revision": "0",
        },
    )
    response = client.post(url("pm-detection-mark", postmortem), {"revision": "1"})

    assert response.status_code == 302
    review = DetectionReview.objects.get()
    assert (review.found_by, review.reviewed_by) == ("customer", owner)
    assert review.suggested_alert == "Alert on `checkout` error rate"


def test_linking_an_alert_from_the_section(client, owner, reviewed):
    rule = AlertRuleFactory(integration__team=reviewed.incident.team, name="CheckoutErrors")
    firing = FiringFactory(rule=rule, fired_at=STARTED + dt.timedelta(minutes=3))
    client.force_login(owner)
    html = client.get(url("pm-postmortem-edit", reviewed)).content.decode()
    assert "This alert was about this incident" in html

    client.post(url("pm-detection-link", reviewed), {"firing": firing.pk})

    firing.refresh_from_db()
    assert firing.incident == reviewed.incident
    assert DetectionAnswer.objects.filter(rule_name="CheckoutErrors").count() == 4

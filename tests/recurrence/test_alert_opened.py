"""An incident opened by a real Alertmanager delivery (the recorded payload of
tests/alerting/payloads/) on an alert rule that fired for an earlier reviewed incident."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from postmortems.models import AlertRule, Incident, Recurrence
from postmortems.services.search_index import index_postmortem
from tests.alerting.support import make_hook
from tests.factories import FiringFactory, review

FIRED = dt.datetime(2026, 11, 2, 10, 42, tzinfo=dt.UTC)  # the payload's startsAt

pytestmark = pytest.mark.django_db


def test_an_alert_on_the_rule_of_an_earlier_review_is_flagged_on_both_pages(
    client, team, owner, django_capture_on_commit_callbacks
):
    hook = make_hook(team)
    rule = AlertRule.objects.create(integration=hook.integration, team=team, name="HighErrorRate")
    earlier = review(team=team, title="Checkout errors after a bad deploy", number=500,
                     started_at=FIRED - dt.timedelta(days=40))  # fmt: skip
    index_postmortem(earlier.pk)
    FiringFactory(rule=rule, incident=earlier.incident, fired_at=FIRED - dt.timedelta(days=40))

    with time_machine.travel(FIRED + dt.timedelta(seconds=5), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            assert hook.post(client, "alertmanager_firing").status_code < 300
        # The same alert delivered again (Alertmanager repeats): still one recurrence.
        with django_capture_on_commit_callbacks(execute=True):
            assert hook.post(client, "alertmanager_firing").status_code < 300

    later = Incident.objects.exclude(pk=earlier.incident.pk).get()
    found = Recurrence.objects.get()
    assert (found.incident, found.earlier) == (later, earlier.incident)
    assert [r.name for r in found.alert_rules.all()] == ["HighErrorRate"]
    client.force_login(owner)
    page = client.get(reverse("pm-incident-detail", args=[later.number])).content.decode()
    assert "Possible recurrence of" in page
    assert "<code>HighErrorRate</code>" in page
    page = client.get(reverse("pm-incident-detail", args=[earlier.incident.number]))
    assert "Possibly recurred as" in page.content.decode()

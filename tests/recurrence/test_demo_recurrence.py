"""The demo's fix that did not hold, and its confirmed recurrence."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.db import transaction
from django.urls import reverse

from accounts.models import User
from postmortems.demo.recurrence import EARLIER, LATER, POOL_FIX
from postmortems.demo.seed import LEAD_EMAIL, seed_demo
from postmortems.models import ActionItem, Recurrence

NOW = datetime(2025, 3, 14, 12, 0, tzinfo=UTC)


@pytest.mark.django_db(transaction=True)
def test_the_demo_has_a_fix_that_did_not_hold_and_its_confirmed_recurrence(client):
    with time_machine.travel(NOW, tick=False):
        with transaction.atomic():
            seed_demo(now=NOW)
        # After the commit every demo incident was looked at again (as after any
        # opening): the decision stays.
        found = Recurrence.objects.get(incident__title=LATER, earlier__title=EARLIER)
        assert found.status == "confirmed"
        assert found.decided_by == found.incident.owner
        assert {s.name for s in found.services.all()} == {"Checkout API", "Postgres"}
        assert [r.name for r in found.alert_rules.all()] == ["CheckoutErrorRateHigh"]
        fix = ActionItem.objects.get(title=POOL_FIX)
        assert (fix.status, fix.outcome) == ("done", "did_not_work")
        client.force_login(User.objects.get(email=LEAD_EMAIL))
        page = client.get(reverse("pm-incident-detail", args=[found.incident.number]))
        body = page.content.decode()
        assert "Recurrence of" in body
        assert (
            "Raise the checkout connection pool from 20 to 60 per node — done, it did not work"
            in body
        )
        assert "Alert when the checkout pool is over 80% in use — open" in body
        archive = client.get(reverse("pm-archive"), {"recurred": "1"})
        assert [hit.incident for hit in archive.context["page"].object_list] == [found.earlier]

"""Two people recording the outcome of one fix at the same moment, on PostgreSQL: one
wins, the other is told of the conflict; no 5xx, nothing half-written, nothing lost."""

import datetime as dt
import threading

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from postmortems.models import ActionItem, ActionItemChange
from postmortems.services.action_changes import action_item_mark_done
from tests.factories import ActionItemFactory, MembershipFactory
from tests.threads import start_together

NOW = dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC)
ROUNDS = 4


@pytest.mark.django_db(transaction=True)
def test_two_people_recording_at_once_one_wins_and_the_other_sees_the_conflict(
    postgres, postmortem, owner, team
):
    other = MembershipFactory(team=team).user
    with time_machine.travel(NOW, tick=True):
        items = []
        for n in range(ROUNDS):
            item = ActionItemFactory(postmortem=postmortem, owner=owner, title=f"Fix {n}")
            action_item_mark_done(item=item, by=owner, expected_revision=0)
            items.append(item)
        number = postmortem.incident.number
        answers: list[tuple[str, int, str]] = []
        lock = threading.Lock()

        def writer(user, item, body, name):
            def write():
                client = Client()
                client.force_login(user)
                url = reverse("pm-action-outcome", args=[number, item.code])
                response = client.post(url, {"revision": 1, **body}, HTTP_HX_REQUEST="true")
                with lock:
                    answers.append((name, response.status_code, response.content.decode()))

            return write

        for item in items:
            answers.clear()
            crashed = start_together(
                [
                    writer(owner, item, {"outcome": "worked", "note": "Quiet since."}, "worked"),
                    writer(
                        other,
                        item,
                        {"outcome": "did_not_work", "then": "follow_up", "note": "502s again"},
                        "did_not_work",
                    ),
                ]
            )
            assert crashed == []
            assert sorted(code for _name, code, _body in answers) == [200, 200]
            won = [name for name, _code, body in answers if "Recorded" in body]
            lost = [name for name, _code, body in answers if "Someone else changed" in body]
            assert len(won) == 1
            assert len(lost) == 1
            item.refresh_from_db()
            assert item.outcome == won[0]
            assert item.revision == 2
            outcomes = item.changes.filter(field=ActionItemChange.Field.OUTCOME)
            assert outcomes.count() == 1
            follow_ups = ActionItem.objects.filter(follow_up_of=item).count()
            assert follow_ups == (1 if won[0] == "did_not_work" else 0)

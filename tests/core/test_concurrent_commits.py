"""Two people committing the same idea at the same moment, on PostgreSQL: one commit
wins, the other is told of the conflict; no 5xx, one commitment, one history."""

import datetime as dt
import threading

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.urls import reverse

from postmortems.models import ActionItem, ActionItemChange
from postmortems.services.actions import idea_create

NOW = dt.datetime(2026, 11, 12, 12, 0, tzinfo=dt.UTC)
WRITERS = 4


@pytest.mark.django_db(transaction=True)
def test_of_concurrent_commits_of_one_idea_one_wins_and_the_others_see_the_conflict(
    postgres, postmortem, author, owner
):
    with time_machine.travel(NOW, tick=True):
        idea = idea_create(postmortem=postmortem, by=author, title="Shard the sessions table")
        url = reverse("pm-action-commit", args=[postmortem.incident.number, idea.code])
        prefix = str(idea.code)
        answers: list[tuple[int, str]] = []
        crashed: list[BaseException] = []
        barrier = threading.Barrier(WRITERS)

        def commit(n: int) -> None:
            try:
                client = Client()
                client.force_login(author)
                body = {
                    f"{prefix}-revision": "0",
                    f"{prefix}-owner": str(owner.pk),
                    f"{prefix}-due_date": "2026-11-30",
                    f"{prefix}-type": "prevent",
                    f"{prefix}-priority": "medium",
                    f"{prefix}-verification": "test",
                    f"{prefix}-verification_plan": f"Load test {n} holds p99 under 200 ms.",
                }
                barrier.wait(timeout=30)
                response = client.post(url, body, HTTP_HX_REQUEST="true")
                answers.append((response.status_code, response.content.decode()))
            except BaseException as error:
                crashed.append(error)
                barrier.abort()
            finally:
                connection.close()

        threads = [threading.Thread(target=commit, args=(n,)) for n in range(WRITERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)

    assert not crashed
    assert all(status == 200 for status, _ in answers), answers
    won = [body for _, body in answers if 'id="actions"' in body]
    lost = [body for _, body in answers if "Someone else changed this idea" in body]
    assert (len(won), len(lost)) == (1, WRITERS - 1)
    item = ActionItem.objects.get(pk=idea.pk)
    assert (item.status, item.revision) == ("open", 1)
    changes = ActionItemChange.objects.filter(action_item=item)
    assert changes.filter(field=ActionItemChange.Field.COMMITMENT).count() == 1
    assert changes.filter(field=ActionItemChange.Field.VERIFICATION).count() == 1

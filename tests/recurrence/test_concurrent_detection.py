"""Detection and decisions at the same moment on PostgreSQL: threads with their own
connections, started together by a barrier."""

import threading
from collections.abc import Callable

import pytest
from django.db import connection

from postmortems.models import Recurrence
from postmortems.recurrence.detection import recurrences_detect_by_id
from postmortems.recurrence.services import RecurrenceConflict, recurrence_decide
from tests.factories import MembershipFactory, ServiceFactory, TeamFactory
from tests.recurrence.support import earlier_review, open_incident

THREADS = 4


def _together(work: Callable[[], object], count: int = THREADS) -> tuple[list, list]:
    barrier = threading.Barrier(count)
    results: list = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run() -> None:
        try:
            barrier.wait(timeout=30)
            result = work()
            with lock:
                results.append(result)
        except BaseException as error:
            with lock:
                errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results, errors


@pytest.mark.django_db(transaction=True)
def test_detections_at_once_make_one_row_per_pair(postgres):
    """Two alert deliveries (or an edit during the opening) detect for the same incident
    at the same moment: the unique pair makes one row each, and none of them fails."""
    team = TeamFactory()
    api, db = ServiceFactory(), ServiceFactory()
    earlier_review(team=team, services=[api], days_before=20)
    earlier_review(team=team, services=[api, db], days_before=40)
    later = open_incident(team=team, services=[api, db])  # committed: no test transaction
    Recurrence.objects.all().delete()  # its own detection ran at the commit: start over

    _results, errors = _together(lambda: recurrences_detect_by_id(later.pk))

    assert errors == []
    assert Recurrence.objects.filter(incident=later).count() == 2
    strongest = Recurrence.objects.filter(incident=later).order_by("-strength").first()
    assert strongest is not None
    assert strongest.services.count() == 2


@pytest.mark.django_db(transaction=True)
def test_opposite_decisions_at_once_one_wins_the_other_is_told(postgres):
    team = TeamFactory()
    api = ServiceFactory()
    earlier_review(team=team, services=[api])
    later = open_incident(team=team, services=[api])
    recurrence = Recurrence.objects.get(incident=later)
    people = [MembershipFactory(team=team).user for _ in range(THREADS)]
    turns = iter(range(THREADS))
    lock = threading.Lock()

    def decide() -> str:
        with lock:
            n = next(turns)
        decision = "confirm" if n % 2 else "dismiss"
        try:
            recurrence_decide(
                recurrence=recurrence, decision=decision, by=people[n], expected_revision=0
            )
        except RecurrenceConflict:
            return "conflict"
        return decision

    results, errors = _together(decide)

    assert errors == []
    recurrence.refresh_from_db()
    winners = [r for r in results if r != "conflict"]
    # The first decision wins; those deciding the same way are told it is done, the
    # others get the conflict. Nothing is decided twice.
    assert recurrence.revision == 1
    expected = "confirm" if recurrence.status == "confirmed" else "dismiss"
    assert set(winners) == {expected}
    assert results.count("conflict") == THREADS // 2

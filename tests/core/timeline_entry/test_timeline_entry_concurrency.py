"""Two writers add quick timeline lines at the same moment on PostgreSQL: both land."""

import pytest
from django.test import Client
from django.urls import reverse

from postmortems.models import TimelineEvent
from tests.factories import MembershipFactory
from tests.threads import start_together

ROUNDS = 5


@pytest.mark.django_db(transaction=True)
def test_two_writers_adding_lines_at_once_both_land_without_a_server_error(
    postgres, team, owner, postmortem
):
    other = MembershipFactory(team=team).user
    url = reverse("pm-event-quick", args=[postmortem.incident.number])
    answers: list[int] = []

    def writer(user, minute: int):
        def write() -> None:
            client = Client(raise_request_exception=False)
            client.force_login(user)
            for n in range(ROUNDS):
                line = f"10:{minute + n:02} line {n} from {user.email}"
                answers.append(
                    client.post(url, {"entry-entry": line}, HTTP_HX_REQUEST="true").status_code
                )
            paste = "\n".join(f"11:{minute + n:02} pasted {n} by {user.email}" for n in range(3))
            answers.append(
                client.post(url, {"entry-lines": paste}, HTTP_HX_REQUEST="true").status_code
            )

        return write

    crashed = start_together([writer(owner, 0), writer(other, 30)])
    assert not crashed
    assert answers == [200] * (2 * (ROUNDS + 1))
    texts = set(TimelineEvent.objects.filter(postmortem=postmortem).values_list("text", flat=True))
    assert len(texts) == 2 * (ROUNDS + 3)

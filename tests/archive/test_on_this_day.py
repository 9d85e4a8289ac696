"""The archive's "Today in postmortem history": reviews published on this date in past years."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from postmortems.models import Postmortem
from tests.factories import review

pytestmark = pytest.mark.django_db


def _published(when: dt.datetime, **extra) -> Postmortem:
    postmortem = review(**extra)
    Postmortem.objects.filter(pk=postmortem.pk).update(published_at=when)
    return postmortem


def _on_this_day(client, user, now: dt.datetime) -> list[str]:
    with time_machine.travel(now, tick=False):
        client.force_login(user)
        response = client.get(reverse("pm-archive"))
    return [pm.incident.title for pm in response.context["on_this_day"]]


def test_reviews_of_this_local_date_in_past_years_newest_first(client, outsider, other_team):
    outsider.time_zone = "America/New_York"
    outsider.save(update_fields=["time_zone"])
    utc = dt.UTC
    # 04:30 UTC is 23:30 the evening before in New York.
    _published(dt.datetime(2025, 12, 1, 4, 30, tzinfo=utc), title="Late on the 30th")
    _published(dt.datetime(2025, 11, 30, 4, 30, tzinfo=utc), title="Still the 29th")
    _published(dt.datetime(2023, 11, 30, 15, 0, tzinfo=utc), title="Three years ago")
    _published(dt.datetime(2026, 11, 30, 9, 0, tzinfo=utc), title="This year")
    _published(dt.datetime(1990, 11, 30, 15, 0, tzinfo=utc), title="Before the lookback")
    _published(dt.datetime(2024, 11, 30, 15, 0, tzinfo=utc), title="Restricted", restricted=True)

    titles = _on_this_day(client, outsider, dt.datetime(2026, 11, 30, 15, 0, tzinfo=utc))

    assert titles == ["Late on the 30th", "Three years ago"]


def test_at_most_five(client, owner):
    for year in range(2015, 2023):
        _published(dt.datetime(year, 6, 1, 12, 0, tzinfo=dt.UTC), title=str(year))

    titles = _on_this_day(client, owner, dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC))

    assert titles == ["2022", "2021", "2020", "2019", "2018"]


def test_the_29th_of_february_looks_only_at_leap_years(client, owner):
    _published(dt.datetime(2024, 2, 29, 12, 0, tzinfo=dt.UTC), title="Leap day")
    _published(dt.datetime(2027, 2, 28, 12, 0, tzinfo=dt.UTC), title="Not a leap year")

    titles = _on_this_day(client, owner, dt.datetime(2028, 2, 29, 12, 0, tzinfo=dt.UTC))

    assert titles == ["Leap day"]

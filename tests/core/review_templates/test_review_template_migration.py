"""The upgrade to review templates keeps every review, its text, and gives it the
built-in layout."""

import datetime as dt

import pytest

from postmortems.models.reviews import builtin_layout
from tests.migrations import migrate_to, migrate_to_latest

STARTED = dt.datetime(2026, 11, 2, 10, 42, tzinfo=dt.UTC)
BEFORE = [("postmortems", "0041_presence_review_presence")]
AFTER = [("postmortems", "0042_review_templates")]


@pytest.mark.django_db(transaction=True)
def test_existing_reviews_keep_their_text_and_get_the_built_in_layout():
    apps = migrate_to(BEFORE)
    try:
        team = apps.get_model("accounts", "Team").objects.create(name="Platform", slug="platform")
        Incident = apps.get_model("postmortems", "Incident")
        Postmortem = apps.get_model("postmortems", "Postmortem")
        for n in (1, 2):
            incident = Incident.objects.create(
                number=n, title=f"I{n}", team=team, started_at=STARTED
            )
            Postmortem.objects.create(
                incident=incident, summary=f"Summary {n}", lessons=f"Lesson {n}"
            )
        apps = migrate_to(AFTER)
        rows = apps.get_model("postmortems", "Postmortem").objects.order_by("incident__number")
        assert [(p.summary, p.lessons, p.template_id) for p in rows] == [
            ("Summary 1", "Lesson 1", None),
            ("Summary 2", "Lesson 2", None),
        ]
        assert all(p.layout == builtin_layout() for p in rows)
    finally:
        migrate_to_latest()

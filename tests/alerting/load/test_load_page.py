"""The on-call load page and its CSV: who may open them, what they show."""

import csv
import io

import pytest
import time_machine
from django.urls import reverse

from tests.alerting.load.support import NOW, berlin, build, lead_of, page, staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield NOW


@pytest.fixture
def oncall(team):
    found = build(team)
    for hour, day in ((23, 24), (1, 25), (2, 25), (4, 25)):
        page(found, found.ana, berlin(2026, 10, day, hour))
    page(found, found.bo, berlin(2026, 10, 6, 19), minutes=31)
    return found


def _url(name="pm-oncall-load", **query):
    path = reverse(name, kwargs={"team": "platform"})
    return path + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


@pytest.mark.parametrize(
    ("persona", "status"), [("lead", 200), ("staff", 200), ("member", 403), ("outsider", 404)]
)
@pytest.mark.parametrize("name", ["pm-oncall-load", "pm-oncall-load-csv"])
def test_leads_and_staff_only(client, frozen, oncall, other_team, persona, status, name):
    user = {
        "lead": lambda: lead_of(oncall.team),
        "staff": staff,
        "member": lambda: oncall.ana,
        "outsider": lambda: lead_of(other_team),
    }[persona]()
    client.force_login(user)
    assert client.get(_url(name)).status_code == status


def test_signed_out_people_go_to_sign_in(client, oncall):
    response = client.get(_url())
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_the_page_shows_warnings_first_then_people_chart_and_shifts(
    client, frozen, oncall, django_assert_num_queries
):
    client.force_login(lead_of(oncall.team))
    # session, user, team, role, policy, rotations, members, shifts, latest shifts,
    # pages per person, out-of-hours pages, names
    with django_assert_num_queries(12):
        response = client.get(_url())
    body = response.content.decode()
    assert "· October 2026</span>" in body
    warnings = body.index("Rotation Primary has 3 people: each is on call every third week.")
    assert (
        warnings < body.index('id="people"') < body.index('id="chart"') < body.index('id="shifts"')
    )
    assert "Ana Alvarez got 4 out-of-hours pages in the 12 hours from Sat 24 Oct 22:00" in body
    assert "Ana Alvarez was primary 2 weeks in a row, until Mon 02 Nov 10:00." in body
    assert '<th scope="col">Person</th><th scope="col">pages</th>' in body  # the chart's table
    assert "<title>Ana, out-of-hours pages: 4</title>" in body
    # Times in the team's zone: the DST week's primary shift from Monday 10:00 CEST.
    assert "Mon 19 Oct 10:00" in body
    assert "4 from Sat 24 Oct 22:00" in body


def test_another_month_and_a_bad_month(client, frozen, oncall):
    client.force_login(lead_of(oncall.team))
    september = client.get(_url(month="2026-09")).content.decode()
    assert "· September 2026</span>" in september
    assert '<option value="2026-09" selected>September 2026</option>' in september
    assert "Ana Alvarez got" not in september
    assert "· October 2026</span>" in client.get(_url(month="2026-13")).content.decode()


def test_the_compensation_csv(client, frozen, oncall):
    client.force_login(lead_of(oncall.team))
    oncall.cy.display_name = "=HYPERLINK(1)"
    oncall.cy.save()
    response = client.get(_url("pm-oncall-load-csv", month="2026-10"))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="oncall-platform-2026-10.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == [
        "month", "person", "email", "primary shifts", "secondary shifts", "on-call hours",
        "pages", "out-of-hours pages", "nights interrupted", "out-of-hours hours worked",
        "suggested time off in lieu (h)",
    ]  # fmt: skip
    by_name = {row[1]: row for row in rows[1:]}
    assert by_name["Ana Alvarez"][0] == "2026-10"
    assert by_name["Ana Alvarez"][3:] == ["3", "1", "577.0", "4", "4", "1", "1.33", "1.5"]
    assert by_name["Bo Berg"][6:] == ["1", "1", "0", "0.52", "1.0"]
    assert "'=HYPERLINK(1)" in by_name  # a formula is quoted


def test_a_team_without_on_call_gets_the_empty_page_and_an_empty_csv(client, frozen, team):
    client.force_login(lead_of(team))
    body = client.get(_url()).content.decode()
    assert "No warnings: the rotation keeps to the rules this month." in body
    assert "Nobody was on call or paged in October 2026." in body
    assert "No shifts in October 2026." in body
    assert 'id="chart"' not in body
    csv_body = client.get(_url("pm-oncall-load-csv")).content.decode()
    assert csv_body.splitlines()[1:] == []

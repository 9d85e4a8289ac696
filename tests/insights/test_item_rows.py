"""An action item's table row (postmortems/insights/item_rows.py): links, escaping, variants."""

import datetime as dt

import pytest
from django.http import QueryDict
from django.urls import reverse

from postmortems.insights.item_rows import RowState, item_row
from postmortems.models import ActionItem
from postmortems.models.actions import days_overdue as model_days_overdue
from tests.factories import ActionItemFactory, UserFactory

TODAY = dt.date(2026, 11, 30)


def test_row_links_are_the_paths_their_url_names_reverse_to(postmortem):
    from django.urls import set_script_prefix

    from postmortems.insights.item_rows import ROW_LINKS, row_links

    item = ActionItemFactory(postmortem=postmortem)
    number = postmortem.incident.number
    expected = {
        key: reverse(name, args=[number] if key in ("detail", "incident") else [number, item.code])
        for key, name in ROW_LINKS.items()
    }
    assert row_links(item) == expected
    assert expected["done"] == f"/incidents/INC-{number}/postmortem/actions/{item.code}/done/"
    set_script_prefix("/reviews/")  # served under a path: the placeholders follow it
    try:
        assert row_links(item)["done"] == "/reviews" + expected["done"]
    finally:
        set_script_prefix("/")


def test_what_people_typed_is_escaped_everywhere_in_the_row(postmortem):
    owner = UserFactory(display_name='<img src=x onerror="alert(1)">')
    item = ActionItemFactory(
        postmortem=postmortem, owner=owner, title="<script>alert('t')</script>",
        due_date=TODAY - dt.timedelta(days=3),
    )  # fmt: skip
    item.assignees = [(str(owner.pk), owner.display_name)]
    state = RowState(
        today=TODAY,
        next_url='/dashboard/?team=a&x="><b>',
        csrf_token='t"k',
        expanded=True,
        error="<i>error</i>",
        message="<u>message</u>",
        typed=QueryDict("due_date=<d>&reason=%22><s>"),
    )
    html = item_row(item, state)
    for raw in ("<script>", "<img", "<i>", "<u>", "<d>", "<s>", "<b>", 't"k'):
        assert raw not in html
    # the link, history, mark done, nudge, and the labels and buttons of both forms
    assert html.count("&lt;script&gt;alert(&#x27;t&#x27;)&lt;/script&gt;") == 8
    # the owner, the nudge, and the reassign option
    assert html.count("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;") == 3
    assert 'value="&quot;&gt;&lt;s&gt;"' in html  # the reason the user typed, kept
    assert 'name="next" value="/dashboard/?team=a&amp;x=&quot;&gt;&lt;b&gt;"' in html
    assert 'class="dashboard-item row--overdue"' in html
    assert "3 days overdue" in html


def test_a_plain_row_links_to_its_change_forms_and_a_finished_one_shows_its_status(postmortem):
    item = ActionItemFactory(postmortem=postmortem, owner=None, due_date=None)
    html = item_row(item, RowState(today=TODAY, next_url="/my-work/?a=1&b=2"))
    change = reverse("pm-action-change", args=[postmortem.incident.number, item.code])
    assert f'href="{change}?next=/my-work/%3Fa%3D1%26b%3D2"' in html
    assert '<span class="muted">Nobody yet</span>' in html
    assert '<span class="muted">No date</span>' in html
    assert "Nudge" not in html  # nobody to nudge
    assert 'name="csrfmiddlewaretoken"' not in html  # no token given, none rendered
    assert "due_date" not in html  # the extend form is one click away

    item.status = ActionItem.Status.DONE
    finished = item_row(item, RowState(today=TODAY, next_url="/"))
    assert '<span class="status status--item-done">Done</span>' in finished
    assert "<form" not in finished


@pytest.mark.parametrize(
    ("status", "due", "expected"),
    [
        ("open", dt.date(2026, 11, 27), 3),
        ("in_progress", dt.date(2026, 11, 29), 1),
        ("open", dt.date(2026, 11, 30), 0),  # due today is not overdue
        ("open", None, 0),
        ("done", dt.date(2026, 11, 1), 0),
        ("wont_do", dt.date(2026, 11, 1), 0),
    ],
)
def test_days_overdue_is_one_rule_for_rows_and_items(status, due, expected):
    assert model_days_overdue(status, due, TODAY) == expected
    assert ActionItem(status=status, due_date=due).days_overdue_on(TODAY) == expected


def test_the_reassign_select_marks_the_person_chosen_and_nothing_for_a_value_not_offered(
    postmortem,
):
    from postmortems.selectors import attach_assignees
    from tests.factories import MembershipFactory

    team = postmortem.incident.team
    owner = MembershipFactory(team=team, user__display_name="Olivia").user
    mate = MembershipFactory(team=team, user__display_name="Mo <b>").user
    item = ActionItemFactory(postmortem=postmortem, owner=owner)
    expanded = RowState(today=TODAY, next_url="/", expanded=True)

    attach_assignees([item])
    html = item_row(item, expanded)
    assert f'<option value="{owner.pk}" selected>Olivia</option>' in html
    assert f'<option value="{mate.pk}">Mo &lt;b&gt;</option>' in html

    attach_assignees([item], chosen=str(mate.pk))  # a failed reassign keeps the choice
    html = item_row(item, expanded)
    assert f'<option value="{mate.pk}" selected>Mo &lt;b&gt;</option>' in html
    assert f'<option value="{owner.pk}">Olivia</option>' in html

    attach_assignees([item], chosen='"><script>')  # typed by hand: not an option
    html = item_row(item, expanded)
    assert "<option" in html
    assert " selected" not in html
    assert "<script>" not in html


def test_a_page_renders_the_same_row_as_item_row_does(postmortem):
    from django.template import engines

    item = ActionItemFactory(postmortem=postmortem, due_date=TODAY - dt.timedelta(days=1))
    page = engines["django"].from_string(
        "{% load action_item_tags %}{% for item in rows %}{% item_row item %}{% endfor %}"
    )
    html = page.render({"rows": [item], "today": TODAY, "next_url": "/dashboard/?a=1&b=2"})
    assert html == item_row(item, RowState(today=TODAY, next_url="/dashboard/?a=1&b=2"))
    assert html.count("<tr") == 1


def test_a_status_or_priority_outside_the_choices_shows_as_stored(postmortem):
    item = ActionItemFactory(postmortem=postmortem)
    item.priority, item.status = "urgent<", "legacy"
    html = item_row(item, RowState(today=TODAY, next_url="/"))
    assert '<span class="badge badge--priority-urgent&lt;">urgent&lt;</span>' in html

"""Markdown downloads of a postmortem: the full text and the anonymised copy."""

import datetime as dt

import pytest
from django.urls import reverse

from postmortems.export.review_markdown import anonymiser_for
from tests.factories import ActionItemFactory, TagFactory, TimelineEventFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def written(postmortem, owner, author, teammate, lead):
    """A review that names its people in free text, as real ones do."""
    postmortem.summary = (
        "Olivia Owner rolled out the config; Tariq saw the alert and paged "
        "ada.author@example.com. Ping @tariq.teammate or mail vendor-support@example.org."
    )
    postmortem.impact = "**4%** of checkouts failed."
    postmortem.lessons = "Lena Lead will review alert routing with olivia owner."
    postmortem.save()
    postmortem.tags.add(TagFactory(name="dns"))
    teammate.email = "tariq.teammate@example.com"
    teammate.save()
    author.email = "ada.author@example.com"
    author.save()
    TimelineEventFactory(
        postmortem=postmortem,
        occurred_at=dt.datetime(2026, 11, 2, 9, 6, tzinfo=dt.UTC),
        kind="detection",
        text="Tariq Teammate acknowledged the page.\nAda joined the call.",
        created_by=lead,
    )
    ActionItemFactory(
        postmortem=postmortem,
        title="Tariq to add a pool saturation alert",
        type="prevent",
        owner=teammate,
        due_date=dt.date(2026, 12, 15),
        description="Pair with Lena.",
    )
    return postmortem


def _get(client, name, postmortem):
    return client.get(reverse(name, args=[postmortem.incident.number]))


def test_the_markdown_download_holds_the_whole_review(client, written, owner):
    client.force_login(owner)
    response = _get(client, "pm-postmortem-markdown", written)
    assert response["Content-Type"] == "text/markdown; charset=utf-8"
    number = written.incident.number
    assert response["Content-Disposition"] == f'attachment; filename="INC-{number}-postmortem.md"'
    text = response.content.decode()
    assert text.startswith(f"# INC-{number}: {written.incident.title}\n")
    assert "- **Team:** Platform" in text
    assert "- **Incident owner:** Olivia Owner" in text
    assert "- **Authors:** Ada Author" in text
    assert "- **Tags:** dns" in text
    assert "(time to detect 7 min)" in text
    for heading in ("Summary", "Impact", "Contributing factors", "What went well", "Lessons"):
        assert f"\n## {heading}\n" in text
    assert "**4%** of checkouts failed." in text  # Markdown kept raw
    assert "_Not written._" in text
    assert "- **2026-11-02 09:06 UTC** · Detection: Tariq Teammate acknowledged the page.\n" in text
    assert "\n  Ada joined the call." in text  # stays inside its list item
    assert (
        "- [ ] **Tariq to add a pool saturation alert** (Prevent, medium priority) "
        "· owner: Tariq Teammate · due: 2026-12-15 · Open"
    ) in text


def test_an_untyped_action_item_is_listed_without_an_empty_type(client, postmortem, owner):
    ActionItemFactory(postmortem=postmortem, title="Review the runbook", type="")
    client.force_login(owner)
    text = _get(client, "pm-postmortem-markdown", postmortem).content.decode()
    assert "**Review the runbook** (medium priority)" in text


def test_the_anonymised_copy_replaces_people_by_roles_consistently(client, written, outsider):
    client.force_login(outsider)  # anyone who can read it
    response = _get(client, "pm-postmortem-anonymised", written)
    number = written.incident.number
    assert (
        response["Content-Disposition"]
        == f'attachment; filename="INC-{number}-postmortem-anonymised.md"'
    )
    text = response.content.decode()
    for name in ("Olivia", "Owner rolled", "Tariq", "Ada", "Lena", "Teammate", "Lead will"):
        assert name not in text, name
    assert "@example.com" not in text
    assert "- **Incident owner:** Incident owner" in text
    assert "- **Authors:** Author 1" in text
    assert (
        "Incident owner rolled out the config; Action owner 1 saw the alert and paged "
        "Author 1. Ping Action owner 1 or mail [email removed]."
    ) in text
    assert "Responder 1 will review alert routing with Incident owner." in text
    assert "Detection: Action owner 1 acknowledged the page.\n  Author 1 joined the call." in text
    assert "**Action owner 1 to add a pool saturation alert**" in text
    assert "owner: Action owner 1" in text
    assert "Pair with Responder 1." in text


def test_ambiguous_first_names_and_ordinary_words_are_handled(postmortem, owner, team):
    from tests.factories import MembershipFactory

    MembershipFactory(team=team, user__display_name="Will Weaver", user__email="ops@example.com")
    MembershipFactory(team=team, user__display_name="Olivia Other")
    anonymiser = anonymiser_for(postmortem)
    text = anonymiser.text("Olivia said we will ask ops. Will Weaver agreed; Will too.")
    assert text == ("[name removed] said we will ask ops. Team member 1 agreed; Team member 1 too.")
    assert anonymiser.name(owner) == "Incident owner"
    assert anonymiser.name(UserFactory()) == "Someone"


def test_a_restricted_incidents_exports_are_not_found_by_outsiders(
    client, written, outsider, owner
):
    written.incident.restricted = True
    written.incident.save()
    client.force_login(outsider)
    assert _get(client, "pm-postmortem-markdown", written).status_code == 404
    assert _get(client, "pm-postmortem-anonymised", written).status_code == 404
    client.force_login(owner)
    assert _get(client, "pm-postmortem-anonymised", written).status_code == 200


def test_the_read_view_links_to_both_downloads(client, written, outsider):
    client.force_login(outsider)
    page = _get(client, "pm-postmortem-detail", written).content.decode()
    assert reverse("pm-postmortem-markdown", args=[written.incident.number]) in page
    assert reverse("pm-postmortem-anonymised", args=[written.incident.number]) in page


@pytest.mark.parametrize("rows", [1, 6])
def test_the_anonymised_export_costs_the_same_queries_however_long_the_review(
    client, postmortem, owner, rows, django_assert_num_queries
):
    for _ in range(rows):
        TimelineEventFactory(postmortem=postmortem, created_by=UserFactory())
        ActionItemFactory(postmortem=postmortem)
    client.force_login(owner)
    # session, user, incident (+postmortem, team), authors, tags, events, items (+owners),
    # services, the responders and team members
    with django_assert_num_queries(9):
        response = _get(client, "pm-postmortem-anonymised", postmortem)
    assert response.status_code == 200

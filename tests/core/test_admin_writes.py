"""The admin writes through the same services as the pages, so the rules of a write
(the copies of an incident in its items and the search index, audit rows, revision
numbers, the soft delete) hold when the write comes from /admin/ too. Each test runs
as a superuser and as a staff member who has the model permissions."""

import threading
import time

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from postmortems.models import (
    ActionItem,
    ActionItemChange,
    Incident,
    Postmortem,
    SectionRevision,
    TeamWebhook,
    TimelineEvent,
)
from postmortems.services.actions import action_item_update
from postmortems.services.edits import EditConflict
from postmortems.services.incidents import incident_delete, incident_update
from postmortems.services.postmortems import postmortem_set_status, postmortem_update_section
from tests.admin_forms import admin_form_data, form_data
from tests.factories import (
    ActionItemFactory,
    MembershipFactory,
    PostmortemFactory,
    complete_postmortem,
)

pytestmark = pytest.mark.django_db

Action = AuditEvent.Action


@pytest.fixture(params=["superuser", "staff"])
def admin(request, team):
    """Someone who works in the admin: a superuser, or a staff member of the owning
    team with the permissions to change and delete incidents, reviews and their rows."""
    if request.param == "superuser":
        return request.getfixturevalue("admin_user")
    user = MembershipFactory(team=team, user__display_name="Sam Staff", user__is_staff=True).user
    models = ["incident", "postmortem", "timelineevent", "actionitem"]
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="postmortems",
            codename__in=[f"{verb}_{m}" for verb in ("view", "change", "delete") for m in models],
        )
    )
    return user


def _change_page(client, user, model: str, pk: int) -> tuple[str, dict]:
    client.force_login(user)
    url = reverse(f"admin:postmortems_{model}_change", args=[pk])
    page = client.get(url)
    assert page.status_code == 200
    return url, admin_form_data(page)


def _saved(response) -> None:
    errors = response.context and response.context.get("errors")
    assert response.status_code == 302, errors


def _row(data: dict, prefix: str, pk: int) -> int:
    total = int(data[f"{prefix}-TOTAL_FORMS"])
    return next(i for i in range(total) if str(data.get(f"{prefix}-{i}-id")) == str(pk))


def _published(team, title: str, **sections) -> Postmortem:
    postmortem = complete_postmortem(PostmortemFactory(incident__team=team, incident__title=title))
    for name, text in sections.items():
        setattr(postmortem, name, text)
    postmortem.save()
    return postmortem_set_status(postmortem=postmortem, status="published")


def _archive_finds(client, user, words: str) -> list[str]:
    client.force_login(user)
    page = client.get(reverse("pm-archive"), {"q": words})
    return [pm.incident.title for pm in page.context["results"].page.object_list]


# The incident's copies: its action items' team and its search entry


def test_moving_an_incident_to_another_team_in_the_admin_moves_its_action_items(
    client, admin, incident, other_team
):
    """A guard: this held before the admin went through incident_update."""
    ActionItemFactory.create_batch(2, postmortem=PostmortemFactory(incident=incident))
    url, data = _change_page(client, admin, "incident", incident.pk)

    _saved(client.post(url, data | {"team": other_team.pk}))

    teams = ActionItem.objects.filter(postmortem__incident=incident).values_list("team", flat=True)
    assert list(teams) == [other_team.pk, other_team.pk]


def test_an_incident_saved_in_the_admin_gets_a_new_revision(client, admin, incident):
    """A page opened before the admin's save is then refused, not silently overwritten."""
    opened_at = incident.revision
    url, data = _change_page(client, admin, "incident", incident.pk)

    _saved(client.post(url, data | {"title": "Checkout errors after the deploy"}))

    incident.refresh_from_db()
    assert incident.revision == opened_at + 1
    incident.title = "A title typed on the incident page meanwhile"
    with pytest.raises(EditConflict):
        incident_update(incident=incident, expected_revision=opened_at)


def test_an_admin_page_opened_before_someone_saved_the_incident_is_refused(client, admin, incident):
    url, data = _change_page(client, admin, "incident", incident.pk)
    incident.title = "Saved on the incident page meanwhile"
    incident_update(incident=incident, expected_revision=incident.revision)

    response = client.post(url, data | {"title": "Typed in the admin"})

    assert response.status_code == 200
    assert "Someone else saved this incident" in response.content.decode()
    assert Incident.objects.get(pk=incident.pk).title == "Saved on the incident page meanwhile"


def test_an_incident_added_in_the_admin_gets_the_next_number(client, admin_user, incident, team):
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:postmortems_incident_add"),
        {
            "title": "Payments queue stalled", "severity": "SEV2", "status": "investigating",
            "team": team.pk, "owner": "", "description": "", "restricted": "",
            "started_at_0": "2026-11-02", "started_at_1": "09:00:00",
            "postmortem_not_needed_reason": "",
        },
    )  # fmt: skip

    _saved(response)
    added = Incident.objects.get(title="Payments queue stalled")
    assert added.number == incident.number + 1
    assert added.created_by == admin_user


def test_no_postmortem_needed_is_saved_from_the_incident_page_and_the_admin(
    client, admin, incident, owner
):
    """incident_update left the two fields out, so the incident page lost them too."""
    client.force_login(owner)
    page = client.get(reverse("pm-incident-edit", args=[incident.number]))
    data = form_data(page.context["form"])
    data |= {"postmortem_not_needed": "on", "postmortem_not_needed_reason": "A drill"}
    _saved(client.post(reverse("pm-incident-edit", args=[incident.number]), data))
    incident.refresh_from_db()
    assert (incident.postmortem_not_needed, incident.postmortem_not_needed_reason) == (
        True,
        "A drill",
    )

    url, data = _change_page(client, admin, "incident", incident.pk)
    _saved(client.post(url, data | {"postmortem_not_needed_reason": "A planned drill"}))
    assert Incident.objects.get(pk=incident.pk).postmortem_not_needed_reason == "A planned drill"


# Search


def test_editing_a_section_in_the_admin_reindexes_the_review(client, admin, team):
    """A guard: the admin reindexed after a save before, by hand."""
    postmortem = _published(team, "Replica lag")
    url, data = _change_page(client, admin, "postmortem", postmortem.pk)

    _saved(client.post(url, data | {"summary": "The replica fell behind during the vacuum."}))

    assert _archive_finds(client, admin, "vacuum") == ["Replica lag"]


def test_editing_an_action_item_in_the_admin_reindexes_its_review(client, admin, team):
    postmortem = _published(team, "Replica lag")
    item = postmortem.action_items.get()
    url, data = _change_page(client, admin, "actionitem", item.pk)

    _saved(client.post(url, data | {"title": "Alert on replication slot growth"}))

    assert _archive_finds(client, admin, "replication slot") == ["Replica lag"]


def test_deleting_an_action_item_in_the_admin_removes_it_from_search_and_audits_it(
    client, admin, team
):
    postmortem = _published(team, "Replica lag")
    item = postmortem.action_items.get()
    item.title = "Throttle the nightly vacuum"
    item.save()
    action_item_update(item=item, by=admin, expected_revision=item.revision)  # reindexed
    assert _archive_finds(client, admin, "throttle") == ["Replica lag"]

    response = client.post(
        reverse("admin:postmortems_actionitem_delete", args=[item.pk]), {"post": "yes"}
    )

    _saved(response)
    assert _archive_finds(client, admin, "throttle") == []
    event = AuditEvent.objects.get(action=Action.ACTION_ITEM_DELETED)
    assert (event.actor, event.target_label) == (admin, "Throttle the nightly vacuum")


def test_editing_a_timeline_event_on_the_review_page_of_the_admin_reindexes_it(client, admin, team):
    postmortem = _published(team, "Replica lag")
    event = postmortem.timeline_events.filter(kind="detection").get()
    url, data = _change_page(client, admin, "postmortem", postmortem.pk)
    i = _row(data, "timeline_events", event.pk)

    _saved(client.post(url, data | {f"timeline_events-{i}-text": "Pager fired on WAL backlog."}))

    assert _archive_finds(client, admin, "backlog") == ["Replica lag"]
    event.refresh_from_db()
    assert event.revision == 1


def test_restoring_in_the_admin_brings_the_review_back_to_search(client, admin_user, team):
    """A guard: the restore action went through incident_restore before."""
    postmortem = _published(team, "Replica lag")
    incident_delete(incident=postmortem.incident, by=admin_user)
    assert _archive_finds(client, admin_user, "replica") == []

    response = client.post(
        reverse("admin:postmortems_incident_changelist") + "?deleted=recent",
        {"action": "restore", "_selected_action": [postmortem.incident_id]},
    )

    _saved(response)
    assert _archive_finds(client, admin_user, "replica") == ["Replica lag"]


# Audit rows, revisions and history, as on the pages


def test_publishing_and_unpublishing_in_the_admin_are_audited_like_on_the_pages(
    client, admin, team
):
    postmortem = complete_postmortem(PostmortemFactory(incident__team=team))
    url, data = _change_page(client, admin, "postmortem", postmortem.pk)

    _saved(client.post(url, data | {"status": "published"}))

    postmortem.refresh_from_db()
    assert postmortem.published_at is not None
    published = AuditEvent.objects.get(action=Action.POSTMORTEM_PUBLISHED)
    assert (published.actor, published.details["first_publication"]) == (admin, True)

    url, data = _change_page(client, admin, "postmortem", postmortem.pk)
    _saved(client.post(url, data | {"status": "draft"}))
    assert AuditEvent.objects.get(action=Action.POSTMORTEM_UNPUBLISHED).actor == admin


def test_publishing_in_the_admin_is_refused_until_the_review_is_ready(client, admin, postmortem):
    url, data = _change_page(client, admin, "postmortem", postmortem.pk)

    response = client.post(url, data | {"status": "published", "lessons": "Pin the versions."})

    assert response.status_code == 302
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("not ready to publish" in m for m in messages)
    postmortem.refresh_from_db()
    assert (postmortem.status, postmortem.lessons) == ("draft", "")  # nothing saved
    assert not AuditEvent.objects.filter(action=Action.POSTMORTEM_PUBLISHED).exists()


def test_a_section_saved_in_the_admin_is_a_numbered_revision(client, admin, postmortem):
    url, data = _change_page(client, admin, "postmortem", postmortem.pk)

    _saved(client.post(url, data | {"impact": "Checkout failed for 12 minutes."}))

    revisions = SectionRevision.objects.filter(postmortem=postmortem, section="impact")
    latest = revisions.order_by("number").last()
    assert (latest.number, latest.kind, latest.author, latest.text) == (
        revisions.count(),  # after the baseline of the text written before history
        "save",
        admin,
        "Checkout failed for 12 minutes.",
    )


def test_a_section_someone_saved_after_the_admin_page_opened_is_not_overwritten(
    client, admin, postmortem, author
):
    url, data = _change_page(client, admin, "postmortem", postmortem.pk)
    postmortem_update_section(
        postmortem=postmortem,
        section="impact",
        text="Written in the editor meanwhile.",
        base_fingerprint=data["impact_base"],
        by=author,
    )

    response = client.post(url, data | {"impact": "Typed in the admin."})

    assert response.status_code == 200
    assert "Someone else saved this section" in response.content.decode()
    assert Postmortem.objects.get(pk=postmortem.pk).impact == "Written in the editor meanwhile."


def test_an_action_item_done_in_the_admin_is_stamped_and_in_its_history(client, admin, postmortem):
    item = ActionItemFactory(postmortem=postmortem, title="Add a canary")
    url, data = _change_page(client, admin, "actionitem", item.pk)

    _saved(client.post(url, data | {"status": "done"}))

    item.refresh_from_db()
    assert (item.status, item.revision) == ("done", 1)
    assert item.completed_at is not None
    change = ActionItemChange.objects.get(action_item=item)
    assert (change.field, change.new_value, change.changed_by) == ("status", "Done", admin)


def test_deleting_a_timeline_event_on_the_review_page_of_the_admin_is_audited(
    client, admin, postmortem
):
    """A guard: the admin recorded inline deletes itself before."""
    event = TimelineEvent.objects.create(
        postmortem=postmortem, occurred_at=postmortem.incident.started_at, text="Paged."
    )
    url, data = _change_page(client, admin, "postmortem", postmortem.pk)
    i = _row(data, "timeline_events", event.pk)

    _saved(client.post(url, data | {f"timeline_events-{i}-DELETE": "on"}))

    assert not TimelineEvent.objects.filter(pk=event.pk).exists()
    assert AuditEvent.objects.get(action=Action.TIMELINE_EVENT_DELETED).actor == admin


def test_deleting_a_postmortem_in_the_admin_is_audited_and_leaves_search(client, admin_user, team):
    postmortem = _published(team, "Replica lag")
    client.force_login(admin_user)

    response = client.post(
        reverse("admin:postmortems_postmortem_delete", args=[postmortem.pk]), {"post": "yes"}
    )

    _saved(response)
    assert not Postmortem.objects.filter(pk=postmortem.pk).exists()
    assert AuditEvent.objects.get(action=Action.POSTMORTEM_DELETED).actor == admin_user
    assert _archive_finds(client, admin_user, "replica") == []


def test_an_action_item_row_saved_in_the_editor_after_the_admin_page_opened_is_kept(
    client, admin, postmortem, owner
):
    item = ActionItemFactory(postmortem=postmortem, title="Add a canary")
    url, data = _change_page(client, admin, "postmortem", postmortem.pk)
    item.title = "Add a canary to the deploy"
    action_item_update(item=item, by=owner, expected_revision=item.revision)
    i = _row(data, "action_items", item.pk)

    response = client.post(url, data | {f"action_items-{i}-title": "Typed in the admin"})

    assert response.status_code == 200
    assert "Someone else saved this action item" in response.content.decode()
    assert ActionItem.objects.get(pk=item.pk).title == "Add a canary to the deploy"


def test_a_team_webhook_saved_in_the_admin_records_who_saved_it(client, admin_user, team):
    """As the team's notifications page does (team_webhook_save)."""
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:postmortems_teamwebhook_add"),
        {"team": team.pk, "url": "https://chat.example.com/hooks/platform", "notify_digest": "on"},
    )

    _saved(response)
    hook = TeamWebhook.objects.get(team=team)
    assert (hook.updated_by, hook.notify_missing, hook.notify_digest) == (admin_user, False, True)


def _waiting_for_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


@pytest.mark.django_db(transaction=True)
def test_an_admin_save_racing_an_editor_save_of_the_same_item_is_refused_not_lost(
    postgres, admin_user, postmortem, owner
):
    """PostgreSQL, two connections: the editor's save of an item holds the review's lock
    when the admin's save (its form checked against the old revision) reaches the
    service. The admin's save waits, then is refused; the editor's title stays."""
    item = ActionItemFactory(postmortem=postmortem, title="Add a canary")
    admin_client = Client()
    admin_client.force_login(admin_user)
    url = reverse("admin:postmortems_actionitem_change", args=[item.pk])
    data = admin_form_data(admin_client.get(url)) | {"title": "Typed in the admin"}
    locked, answers = threading.Event(), []

    def editor() -> None:
        try:
            with transaction.atomic():
                mine = ActionItem.objects.get(pk=item.pk)
                mine.title = "Add a canary to the deploy"
                action_item_update(item=mine, by=owner, expected_revision=mine.revision)
                locked.set()
                deadline = time.monotonic() + 5
                while not _waiting_for_a_lock() and time.monotonic() < deadline:
                    time.sleep(0.02)
        finally:
            locked.set()
            connection.close()

    def admin_save() -> None:
        try:
            locked.wait(timeout=10)
            answers.append(admin_client.post(url, data))
        finally:
            connection.close()

    threads = [threading.Thread(target=editor), threading.Thread(target=admin_save)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert answers[0].status_code == 302
    messages = [str(m) for m in get_messages(answers[0].wsgi_request)]
    assert any("Someone else saved" in m and "Nothing was saved" in m for m in messages)
    assert ActionItem.objects.get(pk=item.pk).title == "Add a canary to the deploy"

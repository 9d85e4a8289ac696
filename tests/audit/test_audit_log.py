"""The audit log records security-relevant events; staff read it, nobody edits it."""

import json
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts.models import Membership, Team, User
from audit.models import AuditEvent
from audit.services import AuditTarget, audit_record
from postmortems.models import ActionItem, Incident, Postmortem, TimelineEvent
from postmortems.services.postmortems import postmortem_set_status
from tests.admin_forms import admin_form_data
from tests.factories import (
    PASSWORD,
    ActionItemFactory,
    IncidentFactory,
    TimelineEventFactory,
    UserFactory,
    complete_postmortem,
)

pytestmark = pytest.mark.django_db
Action = AuditEvent.Action


def _events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


def _only(action: str) -> AuditEvent:
    events = _events(action)
    assert len(events) == 1, f"expected one {action} event, found {len(events)}"
    return events[0]


def _sign_in(client, email: str, password: str, **extra):
    return client.post(reverse("login"), {"username": email, "password": password}, **extra)


# Signing in and out


def test_a_sign_in_is_recorded_with_the_person_and_address(client, owner):
    _sign_in(client, owner.email, PASSWORD)
    event = _only(Action.LOGIN)
    assert event.actor == owner
    assert event.actor_label == owner.email
    assert (event.target_type, event.target_id) == ("accounts.user", str(owner.pk))
    assert event.ip == "127.0.0.1"


def test_a_failed_sign_in_records_the_address_tried_but_never_the_password(client, owner):
    _sign_in(client, owner.email.upper(), "hunter2-wrong")
    event = _only(Action.LOGIN_FAILED)
    assert event.actor is None
    assert event.details == {"username": owner.email}
    assert event.target_id == str(owner.pk)
    stored = json.dumps(list(AuditEvent.objects.values()), default=str)
    assert "hunter2-wrong" not in stored
    assert "*****" not in stored  # not even Django's masked placeholder


def test_a_failed_sign_in_for_an_unknown_address_names_no_user(client, db):
    _sign_in(client, "nobody@example.com", "guess")
    event = _only(Action.LOGIN_FAILED)
    assert (event.target_id, event.target_label) == ("", "nobody@example.com")


def test_a_sign_out_is_recorded(client, owner):
    client.force_login(owner)
    client.post(reverse("logout"))
    event = _only(Action.LOGOUT)
    assert event.actor == owner


def test_a_lockout_is_recorded_once_when_it_begins(client, owner):
    for _ in range(7):
        _sign_in(client, owner.email, "wrong")
    event = _only(Action.LOCKOUT)
    assert event.details == {"username": owner.email, "failures": 5, "minutes": 15}
    assert len(_events(Action.LOGIN_FAILED)) == 7


def test_behind_the_proxy_the_forwarded_address_is_recorded(client, owner, settings):
    settings.BEHIND_TLS_PROXY = True
    _sign_in(client, owner.email, PASSWORD, HTTP_X_FORWARDED_FOR="10.0.0.1, 203.0.113.9")
    assert _only(Action.LOGIN).ip == "203.0.113.9"


def test_without_the_proxy_a_forwarded_header_is_not_believed(client, owner, settings):
    settings.BEHIND_TLS_PROXY = False
    _sign_in(client, owner.email, PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert _only(Action.LOGIN).ip == "127.0.0.1"


def test_unlocking_in_the_admin_is_recorded(client, owner, admin_user):
    for _ in range(5):
        _sign_in(client, owner.email, "wrong")
    attempt = AccessAttempt.objects.get()
    client.force_login(admin_user)
    client.post(reverse("admin:axes_accessattempt_delete", args=[attempt.pk]), {"post": "yes"})
    event = _only(Action.UNLOCK)
    assert event.actor == admin_user
    assert event.details == {"username": owner.email, "locked_ip": "127.0.0.1", "failures": 5}


# Permission changes in the admin


def _change_user(client, user: User, **changes):
    url = reverse("admin:accounts_user_change", args=[user.pk])
    data = admin_form_data(client.get(url)) | changes
    for name, value in changes.items():
        if value is False:
            data.pop(name)
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    return response


def test_making_someone_staff_or_superuser_is_recorded(client, admin_user, teammate):
    client.force_login(admin_user)
    _change_user(client, teammate, is_staff="on", is_superuser="on")
    event = _only(Action.USER_ACCESS_CHANGED)
    assert event.actor == admin_user
    assert event.target_id == str(teammate.pk)
    assert event.details == {"is_staff": [False, True], "is_superuser": [False, True]}


def test_deactivating_a_user_and_changing_groups_is_recorded(client, admin_user, teammate):
    editors = Group.objects.create(name="Editors")
    client.force_login(admin_user)
    _change_user(client, teammate, is_active=False, groups=[str(editors.pk)])
    event = _only(Action.USER_ACCESS_CHANGED)
    assert event.details == {
        "is_active": [True, False],
        "groups": {"added": ["Editors"], "removed": []},
    }


def test_saving_a_user_without_access_changes_records_nothing(client, admin_user, teammate):
    client.force_login(admin_user)
    _change_user(client, teammate, display_name="Tariq T.")
    assert not AuditEvent.objects.filter(action=Action.USER_ACCESS_CHANGED).exists()


def test_creating_and_deleting_a_user_in_the_admin_is_recorded(client, admin_user):
    client.force_login(admin_user)
    client.post(
        reverse("admin:accounts_user_add"),
        {
            "email": "new@example.com",
            "display_name": "New Person",
            "password1": "a-long-enough-pass-9",
            "password2": "a-long-enough-pass-9",
            "usable_password": "true",
        },
    )
    created = _only(Action.USER_CREATED)
    user = User.objects.get(email="new@example.com")
    assert created.target_id == str(user.pk)
    assert created.details == {"is_staff": False, "is_superuser": False}
    client.post(reverse("admin:accounts_user_delete", args=[user.pk]), {"post": "yes"})
    deleted = _only(Action.USER_DELETED)
    assert deleted.target_label == "New Person"
    assert deleted.details["email"] == "new@example.com"
    assert "a-long-enough-pass-9" not in json.dumps(list(AuditEvent.objects.values("details")))


def _team_form(client, team: Team) -> tuple[str, dict]:
    url = reverse("admin:accounts_team_change", args=[team.pk])
    return url, admin_form_data(client.get(url))


def _membership_index(data: dict, membership: Membership) -> int:
    return next(
        i
        for i in range(int(data["memberships-TOTAL_FORMS"]))
        if data.get(f"memberships-{i}-id") == membership.pk
    )


def test_a_role_change_is_recorded_with_the_old_and_new_role(client, admin_user, team, teammate):
    client.force_login(admin_user)
    url, data = _team_form(client, team)
    i = _membership_index(data, teammate.memberships.get())
    data[f"memberships-{i}-role"] = "lead"
    assert client.post(url, data).status_code == 302
    event = _only(Action.MEMBERSHIP_ROLE_CHANGED)
    assert event.actor == admin_user
    assert event.details == {
        "team": "platform",
        "user": teammate.email,
        "old_role": "member",
        "role": "lead",
    }


def test_adding_and_removing_a_team_member_is_recorded(client, admin_user, team, teammate):
    newcomer = UserFactory()
    client.force_login(admin_user)
    url, data = _team_form(client, team)
    i = _membership_index(data, teammate.memberships.get())
    data[f"memberships-{i}-DELETE"] = "on"
    extra = int(data["memberships-TOTAL_FORMS"]) - 1  # the empty row at the end
    data[f"memberships-{extra}-user"] = str(newcomer.pk)
    assert client.post(url, data).status_code == 302
    assert not Membership.objects.filter(user=teammate).exists()
    removed = _only(Action.MEMBERSHIP_DELETED)
    assert removed.details == {"team": "platform", "user": teammate.email, "role": "member"}
    added = _only(Action.MEMBERSHIP_CREATED)
    assert added.details == {"team": "platform", "user": newcomer.email, "role": "member"}


def test_a_membership_row_changed_to_another_person_records_one_leaving_and_one_joining(
    client, admin_user, team, teammate
):
    """The admin's memberships go through the same services as single sign-on's
    (accounts/services.py): the person replaced on the row is recorded as removed."""
    newcomer = UserFactory()
    client.force_login(admin_user)
    url, data = _team_form(client, team)
    i = _membership_index(data, teammate.memberships.get())
    data[f"memberships-{i}-user"] = str(newcomer.pk)
    assert client.post(url, data).status_code == 302
    assert list(team.memberships.values_list("user", flat=True)) == [newcomer.pk]
    removed = _only(Action.MEMBERSHIP_DELETED)
    assert (removed.actor, removed.details["user"]) == (admin_user, teammate.email)
    added = _only(Action.MEMBERSHIP_CREATED)
    assert added.details == {"team": "platform", "user": newcomer.email, "role": "member"}


def test_deleting_a_team_records_who_was_in_it(client, admin_user, team, lead):
    client.force_login(admin_user)
    client.post(reverse("admin:accounts_team_delete", args=[team.pk]), {"post": "yes"})
    event = _only(Action.TEAM_DELETED)
    assert event.details == {"memberships": [[lead.email, "lead"]]}


# Publishing and deleting


def test_publishing_and_unpublishing_are_recorded(client, postmortem, owner):
    complete_postmortem(postmortem)
    client.force_login(owner)
    url = reverse("pm-postmortem-status", args=[postmortem.incident.number])
    client.post(url, {"status": "published"})
    event = _only(Action.POSTMORTEM_PUBLISHED)
    assert event.actor == owner
    assert (event.target_type, event.target_id) == ("postmortems.postmortem", str(postmortem.pk))
    assert event.ip == "127.0.0.1"  # the service finds the request's address by itself
    assert event.details == {"first_publication": True, "with_open_comments": False}
    client.post(url, {"status": "draft"})
    assert _only(Action.POSTMORTEM_UNPUBLISHED).actor == owner


def test_a_refused_publication_leaves_no_event(postmortem, owner):
    with pytest.raises(Exception, match="not ready"):
        postmortem_set_status(postmortem=postmortem, status="published", by=owner)
    assert not AuditEvent.objects.exists()


def test_deleting_a_timeline_event_in_the_editor_is_recorded(client, postmortem, owner):
    event = TimelineEventFactory(postmortem=postmortem, text="Pager fired")
    client.force_login(owner)
    number = postmortem.incident.number
    client.post(reverse("pm-event-delete", args=[number, event.code]))
    assert not TimelineEvent.objects.filter(pk=event.pk).exists()
    audit = _only(Action.TIMELINE_EVENT_DELETED)
    assert audit.actor == owner
    assert audit.target_id == str(event.pk)
    assert audit.details["incident"] == f"INC-{number}"
    assert audit.details["text"] == "Pager fired"


def test_deleting_an_action_item_in_the_editor_is_recorded(client, postmortem, owner):
    item = ActionItemFactory(postmortem=postmortem, title="Add a canary", owner=owner)
    client.force_login(owner)
    number = postmortem.incident.number
    client.post(reverse("pm-action-delete", args=[number, item.code]))
    assert not ActionItem.objects.filter(pk=item.pk).exists()
    audit = _only(Action.ACTION_ITEM_DELETED)
    assert (audit.actor, audit.target_label) == (owner, "Add a canary")
    assert audit.details["owner"] == owner.email


def test_deleting_incidents_and_postmortems_in_the_admin_is_recorded(
    client, admin_user, postmortem
):
    incident = postmortem.incident
    client.force_login(admin_user)
    client.post(
        reverse("admin:postmortems_postmortem_delete", args=[postmortem.pk]), {"post": "yes"}
    )
    client.post(reverse("admin:postmortems_incident_delete", args=[incident.pk]), {"post": "yes"})
    assert not Incident.objects.exists()
    assert _only(Action.POSTMORTEM_DELETED).target_label == f"Postmortem for {incident.reference}"
    assert _only(Action.INCIDENT_DELETED).target_label == str(incident)
    assert _only(Action.INCIDENT_DELETED).actor == admin_user


def test_bulk_deleting_incidents_in_the_admin_records_each(client, admin_user, incident, team):
    second = IncidentFactory(team=team)
    client.force_login(admin_user)
    client.post(
        reverse("admin:postmortems_incident_changelist"),
        {"action": "delete_selected", "_selected_action": [incident.pk, second.pk], "post": "yes"},
    )
    assert not Incident.objects.exists()
    ids = {e.target_id for e in _events(Action.INCIDENT_DELETED)}
    assert ids == {str(incident.pk), str(second.pk)}


def test_deleting_rows_of_a_postmortem_in_the_admin_is_recorded(client, admin_user, postmortem):
    item = ActionItemFactory(postmortem=postmortem, title="Rotate the key")
    client.force_login(admin_user)
    url = reverse("admin:postmortems_postmortem_change", args=[postmortem.pk])
    data = admin_form_data(client.get(url))
    i = next(
        i
        for i in range(int(str(data["action_items-TOTAL_FORMS"])))
        if data.get(f"action_items-{i}-id") == item.pk
    )
    data[f"action_items-{i}-DELETE"] = "on"
    response = client.post(url, data)
    assert response.status_code == 302
    assert not ActionItem.objects.filter(pk=item.pk).exists()
    assert _only(Action.ACTION_ITEM_DELETED).target_label == "Rotate the key"
    assert Postmortem.objects.filter(pk=postmortem.pk).exists()


# The service others call


def test_audit_record_takes_any_target_and_details(owner):
    event = audit_record(
        action=Action.TOKEN_CREATED,
        actor=owner,
        target=AuditTarget("api.token", "7", "CI deploy token"),
        name="CI deploy token",
        scopes=["read"],
    )
    event.refresh_from_db()
    assert (event.target_type, event.target_id, event.target_label) == (
        "api.token",
        "7",
        "CI deploy token",
    )
    assert event.details == {"name": "CI deploy token", "scopes": ["read"]}
    assert event.ip is None  # no request being served


@pytest.mark.parametrize("key", ["password", "new_password", "client_secret", "raw_token"])
def test_audit_record_refuses_secrets_in_the_details(owner, key):
    details: dict[str, Any] = {key: "x"}
    with pytest.raises(ValueError, match="secrets"):
        audit_record(action=Action.TOKEN_CREATED, actor=owner, target=None, **details)


def test_audit_record_refuses_unknown_actions(owner):
    with pytest.raises(ValueError, match="Unknown audit action"):
        audit_record(action="token_stolen", actor=owner, target=None)


# Who sees the log


@pytest.fixture
def logged(owner):
    return audit_record(action=Action.LOGIN, actor=owner, target=owner)


def test_staff_read_the_log_in_the_admin(client, logged, owner):
    staff = UserFactory(is_staff=True)  # staff without any model permission
    client.force_login(staff)
    listing = client.get(reverse("admin:audit_auditevent_changelist"))
    assert listing.status_code == 200
    assert owner.email in listing.content.decode()
    assert "Audit events" in client.get(reverse("admin:index")).content.decode()
    detail = client.get(reverse("admin:audit_auditevent_change", args=[logged.pk]))
    assert detail.status_code == 200
    assert 'name="action"' not in detail.content.decode()  # shown, not editable


@pytest.mark.parametrize("persona", ["owner", "lead", "outsider"])
def test_people_who_are_not_staff_cannot_see_the_log(client, logged, persona, request):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(reverse("admin:audit_auditevent_changelist"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    detail = client.get(reverse("admin:audit_auditevent_change", args=[logged.pk]))
    assert detail.status_code == 302


def test_nobody_adds_changes_or_deletes_events_through_the_admin(client, logged, admin_user):
    client.force_login(admin_user)
    assert client.get(reverse("admin:audit_auditevent_add")).status_code == 403
    change = reverse("admin:audit_auditevent_change", args=[logged.pk])
    client.post(change, {"action": "logout", "actor_label": "someone@else"})
    logged.refresh_from_db()
    assert (logged.action, logged.actor_label) == (Action.LOGIN, logged.actor.email)
    delete = reverse("admin:audit_auditevent_delete", args=[logged.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    client.post(
        reverse("admin:audit_auditevent_changelist"),
        {"action": "delete_selected", "_selected_action": [logged.pk], "post": "yes"},
    )
    assert AuditEvent.objects.filter(pk=logged.pk).exists()


def test_the_log_page_costs_the_same_queries_however_many_events(
    client, admin_user, owner, django_assert_num_queries
):
    client.force_login(admin_user)
    url = reverse("admin:audit_auditevent_changelist")
    for _ in range(3):
        audit_record(action=Action.LOGIN, actor=owner, target=owner)
    client.get(url)  # warm up: session, content types
    with django_assert_num_queries(8):
        assert client.get(url).status_code == 200
    for _ in range(30):
        audit_record(action=Action.LOGOUT, actor=owner, target=owner)
    with django_assert_num_queries(8):
        assert client.get(url).status_code == 200

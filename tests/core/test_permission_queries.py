"""get_incident_for_user: what each kind of person costs, and who it lets through."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import RequestFactory
from django.utils import timezone

from postmortems.permissions import get_incident_for_user
from tests.factories import MembershipFactory, PostmortemFactory, UserFactory

pytestmark = pytest.mark.django_db

# The factories' incidents start and the deleted one is deleted at this instant, not
# at the real clock's (a Wednesday noon, far from a midnight, weekend or DST change).
NOW = dt.datetime(2026, 11, 18, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _fixed_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def _request(user):
    request = RequestFactory().get("/")
    request.user = user
    return request


@pytest.mark.parametrize("restricted", [False, True])
@pytest.mark.parametrize(
    ("who", "queries"),
    # The incident by number; then, unless the owner or an admin, one statement asks
    # "a member of the owning team or an author of its review".
    [("owner", 1), ("admin", 1), ("member", 2), ("author", 2)],
)
def test_an_editor_costs_at_most_two_statements_restricted_or_not(
    who, queries, restricted, django_assert_num_queries
):
    postmortem = PostmortemFactory(incident__restricted=restricted)
    incident = postmortem.incident
    user = UserFactory(is_superuser=who == "admin")
    if who == "owner":
        incident.owner = user
        incident.save(update_fields=["owner"])
    elif who == "member":
        MembershipFactory(user=user, team=incident.team)
    elif who == "author":
        postmortem.authors.add(user)
    with django_assert_num_queries(queries):
        found = get_incident_for_user(_request(user), incident.number, write=True)
    assert found == incident
    assert found.can_edit


def test_others_read_an_unrestricted_incident_and_may_not_edit_it(django_assert_num_queries):
    incident = PostmortemFactory().incident
    outsider = UserFactory()
    with django_assert_num_queries(2):
        found = get_incident_for_user(_request(outsider), incident.number)
    assert not found.can_edit
    with pytest.raises(PermissionDenied):
        get_incident_for_user(_request(outsider), incident.number, write=True)


def test_a_restricted_incident_does_not_exist_for_others():
    incident = PostmortemFactory(incident__restricted=True).incident
    outsider = UserFactory()
    for write in (False, True):
        with pytest.raises(Http404):
            get_incident_for_user(_request(outsider), incident.number, write=write)


def test_a_deleted_incident_does_not_exist_even_for_its_owner_and_admins():
    incident = PostmortemFactory().incident
    owner, admin = UserFactory(), UserFactory(is_superuser=True)
    incident.owner = owner
    incident.deleted_at = timezone.now()
    incident.save(update_fields=["owner", "deleted_at"])
    for user in (owner, admin):
        with pytest.raises(Http404):
            get_incident_for_user(_request(user), incident.number)

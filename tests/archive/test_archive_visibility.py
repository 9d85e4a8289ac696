"""The archive shows exactly the reviews each person may open.

The archive filters its own narrow search rows (SearchEntry), not incidents; both
filters are built from one rule in postmortems/permissions.py. This checks that they
agree, persona by persona, on a set of incidents that covers every clause of the rule.
"""

import contextlib
from typing import cast

import pytest
from django.http import Http404
from django.test import RequestFactory

from accounts.http import AuthenticatedHttpRequest
from accounts.models import Membership
from postmortems.archive.search import SearchParams, search_postmortems
from postmortems.permissions import get_incident_for_user
from postmortems.services.incidents import incident_delete
from postmortems.services.postmortems import postmortem_set_status, postmortem_update_details
from tests.factories import (
    IncidentFactory,
    MembershipFactory,
    PostmortemFactory,
    TeamFactory,
    UserFactory,
    complete_postmortem,
)


def _published(title, *, team, owner=None, authors=(), restricted=False):
    incident = IncidentFactory(title=title, team=team, owner=owner, restricted=restricted)
    postmortem = PostmortemFactory(incident=incident, impact="")
    complete_postmortem(postmortem)
    postmortem_update_details(postmortem=postmortem, authors=list(authors), tag_names=[])
    postmortem_set_status(postmortem=postmortem, status="published")
    return incident


@pytest.fixture
def world(db):
    platform, payments, storage = (TeamFactory(name=n) for n in ("Platform", "Payments", "Storage"))
    people = {
        "teammate": MembershipFactory(team=platform).user,
        "lead": MembershipFactory(team=platform, role=Membership.Role.LEAD).user,
        # Owns a restricted Platform incident without being in Platform.
        "incident owner from another team": MembershipFactory(team=storage).user,
        # Named an author of a restricted Platform review.
        "author from another team": MembershipFactory(team=storage).user,
        "outsider": MembershipFactory(team=payments).user,
        "in no team": UserFactory(),
        "staff, not admin": MembershipFactory(team=payments, user__is_staff=True).user,
        "admin": UserFactory(is_staff=True, is_superuser=True),
        "deactivated admin": UserFactory(is_superuser=True, is_active=False),
    }
    incidents = [
        _published("Open to all", team=platform),
        _published("Open, another team's", team=payments),
        _published("Restricted to Platform", team=platform, restricted=True),
        _published(
            "Restricted, owned from outside",
            team=platform,
            owner=people["incident owner from another team"],
            restricted=True,
        ),
        _published(
            "Restricted, written from outside",
            team=platform,
            authors=[people["author from another team"]],
            restricted=True,
        ),
        _published("Restricted to Payments", team=payments, restricted=True),
    ]
    deleted = _published("Deleted", team=platform)
    incident_delete(incident=deleted, by=people["admin"])
    return people, [*incidents, deleted]


def _can_open(user, incidents) -> set[str]:
    request = cast(AuthenticatedHttpRequest, RequestFactory().get("/"))
    request.user = user
    opened = set()
    for incident in incidents:
        with contextlib.suppress(Http404):  # 404: not there for this person
            opened.add(get_incident_for_user(request, incident.number).title)
    return opened


def _archive_shows(user) -> set[str]:
    results = search_postmortems(user=user, params=SearchParams())
    return {postmortem.incident.title for postmortem in results.page.object_list}


EVERYONE = {"Open to all", "Open, another team's"}
PLATFORM = {
    "Restricted to Platform",
    "Restricted, owned from outside",
    "Restricted, written from outside",
}
EXPECTED = {
    "teammate": EVERYONE | PLATFORM,
    "lead": EVERYONE | PLATFORM,
    "incident owner from another team": EVERYONE | {"Restricted, owned from outside"},
    "author from another team": EVERYONE | {"Restricted, written from outside"},
    "outsider": EVERYONE | {"Restricted to Payments"},
    "in no team": EVERYONE,
    "staff, not admin": EVERYONE | {"Restricted to Payments"},
    "admin": EVERYONE | PLATFORM | {"Restricted to Payments"},
    "deactivated admin": EVERYONE,
}


@pytest.mark.parametrize("persona", sorted(EXPECTED))
def test_the_archive_shows_exactly_the_reviews_a_persona_may_open(world, persona):
    people, incidents = world
    user = people[persona]

    assert _archive_shows(user) == _can_open(user, incidents) == EXPECTED[persona]

"""Every API operation against every persona, and against missing, read-only and
revoked tokens. The same rules as the pages: restricted incidents do not exist for
outsiders (404), people who see but may not edit get 403 when they write."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from postmortems.api.tokens import api_token_create, api_token_revoke
from postmortems.models import (
    ApiToken,
    DetectionAnswer,
    DetectionReview,
    Postmortem,
    Recurrence,
    Rotation,
)
from postmortems.services.action_changes import action_item_mark_done
from postmortems.services.postmortems import text_fingerprint
from postmortems.trackers.models import TrackerConnection
from tests.api.conftest import ApiClient
from tests.factories import (
    ActionItemFactory,
    ReviewCommentFactory,
    TimelineEventFactory,
    review,
)

READ, WRITE, ANY = "read", "write", "any"
# A team's alerts and on-call load (as on their pages): its leads and admins; members
# 403, everyone else 404. Not about the incident, so the same whether it is restricted.
TEAM_LEAD = "team-lead"
TEAM = "team"  # the team's members, leads and admins read; everyone else 404
WHEN = "2026-11-02T09:30:00Z"

# url name in the pm-api namespace -> (method, access, path arguments, body). The
# completeness test in tests/core/test_permissions.py fails for a route missing here.
OPERATIONS = {
    ("incidents", "get"): (ANY, None, None),
    ("incidents", "post"): (ANY, None, lambda o: {"title": "Disk full", "team": "platform"}),
    ("archive", "get"): (ANY, None, None),
    ("action-items", "get"): (ANY, None, None),
    ("teams", "get"): (ANY, None, None),
    ("services", "get"): (ANY, None, None),
    ("people", "get"): (ANY, None, None),
    # Every team's alerts the person reads: an empty list for those who read none.
    ("alerts", "get"): (ANY, None, None),
    ("alert-rules", "get"): (TEAM_LEAD, "team", None),
    ("incident", "get"): (READ, None, None),
    ("incident", "patch"): (WRITE, None, lambda o: {"revision": 0, "title": "Renamed"}),
    ("incident-resolve", "post"): (WRITE, None, lambda o: {"revision": 0}),
    ("postmortem", "get"): (READ, None, None),
    ("postmortem", "post"): (WRITE, None, lambda o: {}),
    ("postmortem-section", "put"): (
        WRITE,
        "section",
        lambda o: {"text": "New words.", "base": text_fingerprint(o["postmortem"].summary)},
    ),
    ("postmortem-status", "post"): (WRITE, None, lambda o: {"status": "in_review"}),
    # Review comments: whoever reads the review comments while it is in review (the
    # body puts it there); those who edit it resolve them (tests/api/test_comments_api.py).
    ("postmortem-comments", "get"): (READ, None, None),
    ("postmortem-comments", "post"): (READ, None, lambda o: _comment_on(o["postmortem"])),
    ("postmortem-comment-resolve", "post"): (WRITE, "comment", lambda o: {}),
    ("timeline", "get"): (READ, None, None),
    ("timeline", "post"): (WRITE, None, lambda o: {"occurred_at": WHEN, "text": "Paged."}),
    ("timeline-event", "patch"): (WRITE, "event", lambda o: {"revision": 0, "text": "Paged!"}),
    ("actions", "get"): (READ, None, None),
    ("actions", "post"): (WRITE, None, lambda o: {"title": "Alert on disk usage"}),
    ("action", "patch"): (WRITE, "item", lambda o: {"revision": 0, "title": "Alert sooner"}),
    ("action-complete", "post"): (WRITE, "item", lambda o: {"revision": 0}),
    # Creating the item's tracker issue (tests/trackers/test_pages_and_api.py).
    ("action-tracker-issue", "post"): (WRITE, "item-code", lambda o: {}),
    ("action-commit", "post"): (
        WRITE,
        "idea",
        lambda o: {
            "revision": 0,
            "owner": o["postmortem"].incident.owner.email,
            "due_date": (timezone.localdate() + dt.timedelta(days=14)).isoformat(),
            "type": "prevent",
            "verification": "test",
            "verification_plan": "The load test holds p99 under 200 ms.",
        },
    ),
    # Named by the item's code alone; the item is done (`objects`). The item's owner
    # records too, in or out of the team (tests/api/test_outcome_api.py).
    ("action-outcome", "post"): (
        WRITE,
        "done-code",
        lambda o: {"revision": 1, "outcome": "cannot_tell", "note": "No load test yet."},
    ),
    ("action-verify-on", "post"): (
        WRITE,
        "done-code",
        lambda o: {
            "revision": 1,
            "verify_on": (timezone.localdate() + dt.timedelta(days=30)).isoformat(),
        },
    ),
    ("detection-answer", "patch"): (
        WRITE,
        "answer",
        lambda o: {"passed": False, "note": "out of date", "revision": o["answer"].review.revision},
    ),
    ("oncall-load", "get"): (TEAM_LEAD, "team", None),
    # A team's on-call rotations (tests/alerting/oncall/test_oncall_api.py).
    ("team-rotations", "get"): (TEAM, "team", None),
    ("rotation-shifts", "get"): (TEAM, "rotation", None),
    # Possible recurrences of the incident (tests/recurrence/test_recurrences_api.py).
    ("recurrences", "get"): (READ, None, None),
    ("recurrence-confirm", "post"): (WRITE, "recurrence", lambda o: {"note": "Same pool"}),
    ("recurrence-dismiss", "post"): (WRITE, "recurrence", lambda o: {}),
}
ROUTES = {name for name, _method in OPERATIONS}
PERSONAS = ["owner", "teammate", "lead", "author", "admin_user", "outsider"]
EDITORS = {"owner", "teammate", "lead", "author", "admin_user"}
NO_ARGS = {"incidents", "archive", "action-items", "teams", "services", "people", "alerts"}


def _comment_on(postmortem) -> dict:
    """A comment's body, for a review put in review first (comments wait for it)."""
    Postmortem.objects.filter(pk=postmortem.pk).update(status=Postmortem.Status.IN_REVIEW)
    return {"section": "summary", "text": "Could we say more?"}


def _done_item(postmortem):
    item = ActionItemFactory(postmortem=postmortem, owner=None)
    action_item_mark_done(item=item, by=postmortem.authors.get(), expected_revision=0)
    return item


@pytest.fixture
def objects(postmortem):
    team = postmortem.incident.team
    # So that creating an item's tracker issue is accepted (202; the call is an outbox row).
    TrackerConnection.objects.create(
        team=team, kind="github", base_url="https://api.github.com", project="a/b", token="t"
    )
    return {
        "postmortem": postmortem,
        "event": TimelineEventFactory(postmortem=postmortem),
        "item": ActionItemFactory(postmortem=postmortem),
        "idea": ActionItemFactory(
            postmortem=postmortem, status="idea", owner=None, due_date=None, type=""
        ),
        "done": _done_item(postmortem),
        "comment": ReviewCommentFactory(postmortem=postmortem),
        # Answered (the refresh keeps it) though no alert is tied to the incident.
        "answer": DetectionAnswer.objects.create(
            review=DetectionReview.objects.create(postmortem=postmortem),
            rule_name="DiskAlmostFull",
            criterion="runbook",
            suggested=False,
            evidence="no runbook link",
            passed=True,
        ),
        "rotation": Rotation.objects.create(team=team, name="Primary", starts_on="2026-10-05"),
        # An earlier published review, visible to everyone, the incident may repeat.
        "recurrence": Recurrence.objects.create(
            incident=postmortem.incident, earlier=review(team=team).incident
        ),
    }


def _path(name: str, extra: str | None, objects: dict) -> str:
    if name in NO_ARGS:
        return reverse(f"pm-api:{name}")
    team = objects["postmortem"].incident.team.slug
    if extra == "team":
        return reverse(f"pm-api:{name}", args=[team])
    if extra == "item-code":
        return reverse(f"pm-api:{name}", args=[objects["item"].code])
    if extra == "done-code":  # the done item (`objects`), for its outcome
        return reverse(f"pm-api:{name}", args=[objects.get("done", objects["item"]).code])
    if extra == "rotation":
        return reverse(f"pm-api:{name}", args=[team, objects["rotation"].code])
    args: list = [objects["postmortem"].incident.number]
    if extra == "section":
        args.append("summary")
    elif extra == "answer":
        args.append(objects[extra].pk)
    elif extra:
        args.append(objects[extra].code)
    return reverse(f"pm-api:{name}", args=args)


def _call(api: ApiClient, key: tuple[str, str], objects: dict):
    name, method = key
    _access, extra, body = OPERATIONS[key]
    path = _path(name, extra, objects)
    if method == "get":
        return api.get(path)
    assert body is not None  # every write sends one
    return getattr(api, method)(path, body(objects))


def _expected(persona: str, access: str, restricted: bool) -> int | None:
    if access == ANY:
        return None
    if access == TEAM_LEAD:
        members = {"owner": 403, "teammate": 403, "lead": None, "admin_user": None}
        return members.get(persona, 404)
    if access == TEAM:
        return 404 if persona in {"author", "outsider"} else None
    if restricted and persona == "outsider":
        return 404
    if access == WRITE and persona not in EDITORS:
        return 403
    return None


KEYS = sorted(OPERATIONS)
IDS = [f"{method}-{name}" for name, method in KEYS]


@pytest.mark.parametrize("restricted", [False, True], ids=["open", "restricted"])
@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("key", KEYS, ids=IDS)
def test_every_operation_answers_each_persona_as_the_rules_say(
    api_as, objects, persona, restricted, key
):
    incident = objects["postmortem"].incident
    incident.restricted = restricted
    incident.save()
    response = _call(api_as(persona), key, objects)
    expected = _expected(persona, OPERATIONS[key][0], restricted)
    if expected is None:
        assert response.status_code in {200, 201, 202}, response.content
    else:
        assert response.status_code == expected, response.content
        assert response.json()["detail"]


@pytest.mark.parametrize("key", KEYS, ids=IDS)
def test_without_a_token_every_operation_answers_401(api_as, objects, key):
    response = _call(api_as(None), key, objects)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert "Bearer" in response.json()["detail"]


@pytest.mark.parametrize("key", KEYS, ids=IDS)
def test_a_revoked_token_is_refused_everywhere(objects, owner, key):
    token, secret = api_token_create(user=owner, name="old", scope=ApiToken.Scope.READ_WRITE)
    api_token_revoke(token=token)
    assert _call(ApiClient(secret), key, objects).status_code == 401


@pytest.mark.parametrize("key", KEYS, ids=IDS)
def test_a_read_only_token_reads_but_never_writes(api_as, objects, key):
    # The team's lead: the one persona who reads everything here (a team's alerts and
    # on-call load too).
    response = _call(api_as("lead", scope=ApiToken.Scope.READ), key, objects)
    if key[1] == "get":
        assert response.status_code == 200
    else:
        assert response.status_code == 403
        assert "only read" in response.json()["detail"]


def test_an_unknown_or_malformed_token_is_refused(objects):
    path = reverse("pm-api:incidents")
    for header in ["Bearer pmt_not-a-token", "Bearer ", "Basic dXNlcjpwdw==", "pmt_x"]:
        response = ApiClient(None).client.get(path, headers={"Authorization": header})
        assert response.status_code == 401, header


def test_a_deactivated_persons_token_stops_working(objects, owner):
    secret = api_token_create(user=owner, name="ci", scope=ApiToken.Scope.READ)[1]
    owner.is_active = False
    owner.save()
    assert ApiClient(secret).get(reverse("pm-api:incidents")).status_code == 401


def test_a_signed_in_session_does_not_authenticate_the_api(client, owner, objects):
    """Token only: a browser's cookies never act on the API (so no CSRF is needed)."""
    client.force_login(owner)
    assert client.get(reverse("pm-api:incidents")).status_code == 401
    assert client.post(reverse("pm-api:incidents"), {}).status_code == 401

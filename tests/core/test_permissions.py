"""Every URL against every persona: who may read, who may write, who sees nothing."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from postmortems.api.tokens import api_token_create
from postmortems.models import (
    AlertIntegration,
    AlertRule,
    DetectionAnswer,
    DetectionReview,
    OutboundMessage,
    Recurrence,
    ReviewTemplate,
    Rotation,
    RotationOverride,
    SectionRevision,
)
from postmortems.services.review_templates import review_template_create
from postmortems.trackers.adapters import http as tracker_http
from postmortems.trackers.models import TrackerConnection
from tests.api.test_api_permissions import ROUTES as API_ROUTES
from tests.factories import (
    ActionItemFactory,
    ReviewCommentFactory,
    TimelineEventFactory,
    review,
)

READ, WRITE, ANY, STAFF, OWN = "read", "write", "any", "staff", "own"
TEAM_LEAD = "team-lead"  # the team's leads and admins; members 403, others 404
TEAM = "team-members"  # the team's members, leads and admins; others 404
ADMIN = "admin"  # admins; others who see the incident 403, the rest 404

# (url name, method, kind of access, needs event/item code). The completeness test
# below fails when a view is added without a row here.
URLS = [
    ("pm-incident-list", "get", ANY, None),
    ("pm-incident-create", "get", ANY, None),
    ("pm-markdown-preview", "post", ANY, None),
    ("accounts-profile", "get", ANY, None),
    # The people pickers' type-ahead (tests/accounts/test_people_search.py).
    ("accounts-people", "get", ANY, None),
    ("pm-calendar-renew", "post", ANY, None),
    ("pm-api-token-create", "post", ANY, None),
    # The owner's token: everyone else's are 404, admins' included.
    ("pm-api-token-revoke", "post", OWN, "token"),
    ("pm-outbox", "get", STAFF, None),
    ("pm-archive", "get", ANY, None),
    ("pm-archive-services", "get", ANY, None),
    ("pm-archive-tags", "get", ANY, None),
    ("pm-archive-feeds", "get", ANY, None),
    ("pm-archive-follow", "post", ANY, None),
    # Each user's own teams (tests/insights/test_dashboard.py checks the scoping).
    ("pm-dashboard", "get", ANY, None),
    ("pm-dashboard-items", "get", ANY, None),
    ("pm-dashboard-csv", "get", ANY, None),
    ("pm-my-work", "get", ANY, None),
    ("pm-outbox-retry", "post", STAFF, "email"),
    ("pm-outbox-retry-failed", "post", STAFF, None),
    ("pm-team-notifications", "get", TEAM_LEAD, "team"),
    ("pm-incident-detail", "get", READ, None),
    ("pm-postmortem-detail", "get", READ, None),
    ("pm-postmortem-readiness", "get", READ, None),
    ("pm-event-row", "get", READ, "event"),
    ("pm-action-row", "get", READ, "item"),
    ("pm-incident-edit", "get", WRITE, None),
    # The confirmation page (tests/core/test_soft_delete.py posts to it).
    ("pm-incident-delete", "get", ADMIN, None),
    ("pm-postmortem-start", "post", WRITE, None),
    ("pm-postmortem-edit", "get", WRITE, None),
    ("pm-section-save", "post", WRITE, "section"),
    ("pm-section-form", "get", WRITE, "section"),
    ("pm-blameless-check", "post", WRITE, "section"),
    ("pm-blameless-dismiss", "post", WRITE, "section"),
    ("pm-postmortem-details", "post", WRITE, None),
    # Another template for a fresh draft (tests/core/review_templates/).
    ("pm-postmortem-template", "post", WRITE, None),
    ("pm-postmortem-status", "post", WRITE, None),
    ("pm-event-add", "post", WRITE, None),
    ("pm-event-quick", "post", WRITE, None),
    ("pm-event-kind", "post", WRITE, "event"),
    ("pm-timeline-import", "get", WRITE, None),
    ("pm-timeline-import-add", "post", WRITE, None),
    ("pm-event-edit", "get", WRITE, "event"),
    ("pm-event-delete", "post", WRITE, "event"),
    ("pm-action-add", "post", WRITE, None),
    ("pm-action-edit", "get", WRITE, "item"),
    ("pm-action-delete", "post", WRITE, "item"),
    ("pm-action-history", "get", READ, "item"),
    ("pm-action-done", "post", WRITE, "item"),
    ("pm-action-extend", "post", WRITE, "item"),
    ("pm-action-reassign", "post", WRITE, "item"),
    ("pm-action-nudge", "post", WRITE, "item"),
    ("pm-action-change", "get", WRITE, "item"),
    ("pm-idea-add", "post", WRITE, None),
    ("pm-action-commit", "get", WRITE, "item"),
    ("pm-action-commit", "post", WRITE, "item"),
    ("pm-action-outcome", "get", WRITE, "item"),
    ("pm-action-verify-on", "post", WRITE, "item"),
    ("pm-postmortem-history", "get", READ, None),
    ("pm-revision-restore", "post", WRITE, "revision"),
    # Readers comment on a review; resolving is for those who edit.
    ("pm-comment-add", "post", READ, None),
    ("pm-comment-resolve", "post", WRITE, "comment"),
    ("pm-pulse", "get", READ, None),
    ("pm-detection-answer", "post", WRITE, "answer"),
    ("pm-detection-action", "post", WRITE, "answer"),
    ("pm-detection-found", "post", WRITE, None),
    ("pm-detection-mark", "post", WRITE, None),
    ("pm-detection-link", "post", WRITE, None),
    ("pm-detection-no-alert-action", "post", WRITE, None),
    ("pm-postmortem-markdown", "get", READ, None),
    ("pm-postmortem-anonymised", "get", READ, None),
    ("pm-alert-deliveries", "get", STAFF, None),
    # The team's alerting settings (tests/alerting/test_alerting_pages.py).
    ("pm-alerting-list", "get", TEAM_LEAD, "team"),
    ("pm-alerting-create", "get", TEAM_LEAD, "team"),
    ("pm-alerting-edit", "get", TEAM_LEAD, "integration"),
    ("pm-alerting-token", "post", TEAM_LEAD, "integration"),
    # Issue trackers (tests/trackers/): the team's leads; an item's issue, its writers.
    ("pm-tracker-settings", "get", TEAM_LEAD, "team"),
    ("pm-tracker-secret", "post", TEAM_LEAD, "team"),
    ("pm-tracker-check", "post", TEAM_LEAD, "team"),
    ("pm-tracker-people", "post", TEAM_LEAD, "team"),
    ("pm-tracker-disconnect", "post", TEAM_LEAD, "team"),
    ("pm-action-tracker", "post", WRITE, "item"),
    # On-call load and its CSV (tests/alerting/load/test_load_page.py).
    ("pm-oncall-load", "get", TEAM_LEAD, "team"),
    ("pm-oncall-load-csv", "get", TEAM_LEAD, "team"),
    # The team's alert rules and a rule's firings (tests/alerting/quality/).
    ("pm-team-alerts", "get", TEAM_LEAD, "team"),
    ("pm-alert-rule-firings", "get", TEAM_LEAD, "rule"),
    # On-call: members read, leads change (tests/alerting/oncall/test_oncall_pages.py).
    ("pm-oncall-team", "get", TEAM, "team"),
    ("pm-oncall-rotation", "get", TEAM, "rotation"),
    ("pm-oncall-policy", "get", TEAM_LEAD, "team"),
    ("pm-oncall-create", "get", TEAM_LEAD, "team"),
    ("pm-oncall-rotation-edit", "get", TEAM_LEAD, "rotation"),
    ("pm-oncall-members", "post", TEAM_LEAD, "rotation"),
    ("pm-oncall-rotation-delete", "post", TEAM_LEAD, "rotation"),
    ("pm-oncall-override", "post", TEAM_LEAD, "rotation"),
    ("pm-oncall-override-delete", "post", TEAM_LEAD, "override"),
    ("pm-oncall-swap", "post", TEAM_LEAD, "rotation"),
    ("pm-oncall-feed", "post", TEAM_LEAD, "rotation"),
    ("pm-oncall-upload", "post", TEAM_LEAD, "rotation"),
    # The team's review templates (tests/core/review_templates/).
    ("pm-review-templates", "get", TEAM_LEAD, "team"),
    ("pm-review-template", "get", TEAM_LEAD, "template"),
    ("pm-review-template-section-add", "post", TEAM_LEAD, "template"),
    ("pm-review-template-section", "post", TEAM_LEAD, "template-section"),
    # Confirming a possible recurrence (tests/recurrence/test_decisions.py).
    ("pm-recurrence-decide", "post", WRITE, "recurrence"),
    # Who else is in the editor (tests/presence/test_presence_view.py).
    ("pm-presence", "post", WRITE, None),
]
# Reached without a session: sign-in, health checks, and the signed unsubscribe link
# (tested in tests/notifications/test_reminder_delivery.py).
PUBLIC = {
    # The JSON API's schema and docs describe it, not its data (tests/api/test_schema.py).
    "pm-api:openapi-json",
    "pm-api:openapi-view",
    "pm-api:api-root",
    "pm-archive-feed",  # a signed personal feed URL (tests/archive/test_feeds.py)
    # The signed private calendar of action items (tests/notifications/test_calendar_feed.py).
    "pm-calendar-feed",
    "login",
    "logout",
    "healthz",
    "readyz",  # tests/config/test_probes.py
    "home",
    "accounts-unsubscribe",
    # Alerting webhook receivers: machine to machine, authenticated by a token or a
    # body signature instead of a session (tests/alerting/).
    "pm-alert-receiver",
    # A tracker's webhook: signed by the connection's secret (tests/trackers/test_sync.py).
    "pm-tracker-webhook",
    # Single sign-on: starting one, the provider's way back, and allauth's SAML views
    # (the assertion consumer is posted to by the identity provider; metadata is
    # public by design). tests/accounts/test_sso.py and test_sso_saml.py.
    "accounts-sso-login",
    "accounts-sso-callback",
    "saml_acs",
    "saml_finish_acs",
    "saml_sls",
    "saml_metadata",
    "saml_login",
}  # and Django's own auth/admin views
NO_ARGS = {
    "pm-outbox-retry-failed",
    "pm-incident-list",
    "pm-incident-create",
    "pm-markdown-preview",
    "accounts-profile",
    "accounts-people",
    "pm-calendar-renew",
    "pm-api-token-create",
    "pm-outbox",
    "pm-archive",
    "pm-archive-services",
    "pm-archive-tags",
    "pm-archive-feeds",
    "pm-archive-follow",
    "pm-dashboard",
    "pm-dashboard-items",
    "pm-dashboard-csv",
    "pm-my-work",
    "pm-alert-deliveries",
}
PERSONAS = ["owner", "teammate", "lead", "author", "admin_user", "outsider"]
EDITORS = {"owner", "teammate", "lead", "author", "admin_user"}


def _url(name, extra, objects) -> str:
    """The URL of `name` for the objects of the `objects` fixture."""
    postmortem = objects["postmortem"]
    integration, rule = objects["integration"], objects["rule"]
    number = postmortem.incident.number
    if name in NO_ARGS:
        return reverse(name)
    if extra == "team":
        return reverse(name, args=[postmortem.incident.team.slug])
    if extra == "integration":
        return reverse(name, args=[integration.team.slug, integration.code])
    if extra == "rule":
        return reverse(name, args=[rule.team.slug, rule.pk])
    if extra in {"rotation", "override"}:
        rotation = integration.rotation  # the integration's team's rotation (objects)
        args = [rotation.team.slug, rotation.code]
        if extra == "override":
            args.append(rotation.overrides.get().pk)
        return reverse(name, args=args)
    if extra in {"template", "template-section"}:
        template = ReviewTemplate.objects.get(team=postmortem.incident.team)
        args = [template.team.slug, template.code]
        return reverse(name, args=[*args, "summary"] if extra == "template-section" else args)
    if extra == "email":
        return reverse(name, args=[objects["email"].pk])
    if extra == "token":
        return reverse(name, args=[objects["token"].code])
    args = [number]
    if extra == "event":
        args.append(objects["event"].code)
    elif extra == "item":
        args.append(objects["item"].code)
    elif extra == "comment":
        args.append(objects["comment"].code)
    elif extra == "section":
        args.append("summary")
    elif extra == "revision":
        args += ["summary", 1]
    elif extra == "answer":
        args.append(DetectionAnswer.objects.get(review__postmortem=postmortem).pk)
    elif extra == "recurrence":
        args += [Recurrence.objects.get(incident=postmortem.incident).code, "confirm"]
    return reverse(name, args=args)


@pytest.fixture
def objects(postmortem, owner, monkeypatch):
    # The team's tracker answers "down" here: no test reaches GitHub.
    monkeypatch.setattr(tracker_http, "send", lambda *a: tracker_http.Response(503, {}, b"{}"))
    TrackerConnection.objects.create(
        team=postmortem.incident.team,
        kind="github",
        base_url="https://api.github.com",
        project="acme/api",
        token="token",
    )
    integration = AlertIntegration.objects.create(
        team=postmortem.incident.team,
        kind="alertmanager",
        name="Prometheus",
        rotation=_rotation(postmortem.incident.team, owner),
    )
    # An earlier published review, visible to everyone, the incident may repeat.
    recurrence = Recurrence.objects.create(
        incident=postmortem.incident, earlier=review(team=postmortem.incident.team).incident
    )
    review_template_create(team=postmortem.incident.team, name="Near miss", by=None)
    return {
        "recurrence": recurrence,
        "token": api_token_create(user=owner, name="ci", scope="read")[0],
        "postmortem": postmortem,
        "event": TimelineEventFactory(postmortem=postmortem),
        "item": ActionItemFactory(postmortem=postmortem),
        "idea": ActionItemFactory(
            postmortem=postmortem, status="idea", owner=None, due_date=None, type=""
        ),
        "revision": SectionRevision.objects.create(
            postmortem=postmortem, section="summary", number=1, text="First words."
        ),
        "comment": ReviewCommentFactory(postmortem=postmortem),
        "email": OutboundMessage.objects.create(
            dedup_key="test", kind="pm_missing", to_address="a@example.com", status="failed"
        ),
        "integration": integration,
        "rotation": integration.rotation,
        "rule": AlertRule.objects.create(
            integration=integration, team=integration.team, name="DiskAlmostFull"
        ),
        "answer": DetectionAnswer.objects.create(
            review=DetectionReview.objects.create(postmortem=postmortem),
            rule_name="DiskAlmostFull",
            criterion="runbook",
            suggested=False,
            evidence="no runbook link",
            passed=False,  # answered: the refresh keeps it
        ),
    }


def _rotation(team, owner) -> Rotation:
    rotation = Rotation.objects.create(team=team, name="Primary", starts_on="2026-10-05")
    RotationOverride.objects.create(
        rotation=rotation,
        user=owner,
        starts_at="2026-10-05T10:00:00Z",
        ends_at="2026-10-06T10:00:00Z",
    )
    return rotation


def _expected(persona: str, access: str, restricted: bool) -> str:
    if access == ANY:
        return "ok"
    if access == OWN:
        return "ok" if persona == "owner" else "not found"
    if access == STAFF:
        return "ok" if persona == "admin_user" else "forbidden"
    if access == TEAM_LEAD:
        members = {"owner": "forbidden", "teammate": "forbidden", "lead": "ok", "admin_user": "ok"}
        return members.get(persona, "not found")
    if access == TEAM:
        return "not found" if persona in {"author", "outsider"} else "ok"
    visible = persona != "outsider" or not restricted
    if not visible:
        return "not found"
    if access == ADMIN:
        return "ok" if persona == "admin_user" else "forbidden"
    if access == WRITE and persona not in EDITORS:
        return "forbidden"
    return "ok"


@pytest.mark.parametrize("restricted", [False, True], ids=["open", "restricted"])
@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(("name", "method", "access", "extra"), URLS, ids=[u[0] for u in URLS])
def test_every_url_answers_each_persona_as_the_rules_say(
    client, request, objects, persona, restricted, name, method, access, extra
):
    postmortem = objects["postmortem"]
    postmortem.incident.restricted = restricted
    postmortem.incident.save()
    client.force_login(request.getfixturevalue(persona))
    url = _url(name, extra, objects)
    response = getattr(client, method)(url)
    expected = _expected(persona, access, restricted)
    if expected == "not found":
        assert response.status_code == 404
    elif expected == "forbidden":
        assert response.status_code == 403
    else:
        assert response.status_code in {200, 302, 400}, response.status_code


@pytest.mark.parametrize(("name", "method", "access", "extra"), URLS, ids=[u[0] for u in URLS])
def test_anonymous_visitors_are_sent_to_sign_in(client, objects, name, method, access, extra):
    url = _url(name, extra, objects)
    response = getattr(client, method)(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def _names(resolver: URLResolver, namespace: str = "") -> set[str]:
    names = set()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace in {"admin"}:
                continue
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names |= _names(pattern, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(f"{namespace}{pattern.name}")
    return names


def test_every_named_view_has_a_row_in_the_permission_table():
    """Pages are in URLS above. API routes (namespace pm-api) answer tokens, not sessions,
    so their persona table is OPERATIONS in tests/api/test_api_permissions.py: a route
    missing there fails here too."""
    django_auth = {n for n in _names(get_resolver()) if n.startswith("password_")}
    api = {f"pm-api:{name}" for name in API_ROUTES}
    untested = _names(get_resolver()) - {u[0] for u in URLS} - api - PUBLIC - django_auth
    assert not untested, (
        f"add these views to URLS (or API routes to OPERATIONS): {sorted(untested)}"
    )


def test_restricted_incidents_are_missing_from_an_outsiders_list(client, outsider, postmortem):
    postmortem.incident.restricted = True
    postmortem.incident.save()
    client.force_login(outsider)
    response = client.get(reverse("pm-incident-list"))
    assert postmortem.incident.title not in response.content.decode()
    assert response.context["page"].paginator.count == 0

"""Team chat notifications through an incoming webhook: exactly once, retried, never
posted from a request. A real HTTP server in a thread records what arrives."""

import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import time_machine
from django.urls import reverse

from postmortems.models import OutboundMessage, TeamWebhook
from postmortems.notifications.outbox import outbox_due
from postmortems.notifications.reminders import reminders_sweep
from postmortems.notifications.tasks import send_email
from postmortems.services.postmortems import postmortem_set_status
from tests.factories import ActionItemFactory, IncidentFactory, complete_postmortem

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 4, 15, 0, tzinfo=dt.UTC)  # a Wednesday
WEBHOOK = OutboundMessage.Channel.WEBHOOK


class ChatServer:
    """Records every POST; answers 500 to the first `fail_first` of them."""

    def __init__(self) -> None:
        self.posts: list[dict] = []
        self.attempts = 0
        self.fail_first = 0
        self.status = 200
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                server.attempts += 1
                if server.attempts <= server.fail_first:
                    self.send_response(500)
                else:
                    server.posts.append(
                        {"json": json.loads(body), "type": self.headers["Content-Type"]}
                    )
                    self.send_response(server.status)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/hooks/T1/B2/secret"
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()


@pytest.fixture
def chat():
    server = ChatServer()
    yield server
    server.close()


@pytest.fixture
def hook(team, chat):
    return TeamWebhook.objects.create(team=team, url=chat.url)


@pytest.fixture
def overdue_incident(team, owner):
    return IncidentFactory(
        team=team,
        owner=owner,
        title="Queue backlog",
        started_at=NOW - dt.timedelta(hours=30),
        resolved_at=NOW - dt.timedelta(hours=26),
    )


def _deliver_all(now=NOW, *, channel=None) -> list[str]:
    due = outbox_due(now=now)
    if channel:
        due = list(
            OutboundMessage.objects.filter(pk__in=due, channel=channel).values_list("pk", flat=True)
        )
    with time_machine.travel(now, tick=False):
        return [send_email.apply(args=(pk,)).get() for pk in due]


def _chat_rows():
    return OutboundMessage.objects.filter(channel=WEBHOOK)


def test_a_double_sweep_posts_the_missing_postmortem_once(hook, overdue_incident, chat):
    reminders_sweep(now=NOW)
    reminders_sweep(now=NOW)  # a second beat tick, or a second worker
    assert _chat_rows().count() == 1
    _deliver_all()
    _deliver_all()
    assert len(chat.posts) == 1
    text = chat.posts[0]["json"]["text"]
    assert chat.posts[0]["type"] == "application/json; charset=utf-8"
    assert (
        f"Postmortem missing for <http://testserver/incidents/INC-{overdue_incident.number}/|"
        in (text.replace("http://127.0.0.1:8000", "http://testserver"))
    )
    assert "26 h since it was resolved, past the 24 h deadline" in text
    row = _chat_rows().get()
    assert (row.kind, row.status, row.to_address, row.recipient) == ("pm_missing", "sent", "", None)
    assert row.dedup_key == f"webhook:pm-missing:{overdue_incident.pk}:24h"


def test_a_failing_webhook_is_retried_with_backoff_and_posts_once(
    hook, overdue_incident, chat, settings
):
    chat.fail_first = 2
    reminders_sweep(now=NOW)
    row = _chat_rows().get()
    with time_machine.travel(NOW, tick=False) as clock:
        assert send_email.apply(args=(row.pk,)).get() == "retry"
        row.refresh_from_db()
        assert (row.status, row.attempts) == ("queued", 1)
        assert "HTTP Error 500" in row.last_error
        assert send_email.apply(args=(row.pk,)).get() == "skipped"  # not due yet
        clock.shift(dt.timedelta(seconds=settings.OUTBOX_RETRY_SECONDS))
        assert send_email.apply(args=(row.pk,)).get() == "retry"
        clock.shift(dt.timedelta(seconds=2 * settings.OUTBOX_RETRY_SECONDS))
        assert send_email.apply(args=(row.pk,)).get() == "sent"
        assert send_email.apply(args=(row.pk,)).get() == "skipped"
    assert chat.attempts == 3
    assert len(chat.posts) == 1
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == ("sent", 3, "")


def test_a_webhook_that_keeps_failing_ends_as_failed_after_the_last_attempt(
    hook, overdue_incident, chat, settings
):
    settings.OUTBOX_GIVE_UP_SECONDS = 0  # no second attempt
    chat.fail_first = 100
    reminders_sweep(now=NOW)
    assert _deliver_all(channel=WEBHOOK) == ["failed"]
    assert _chat_rows().get().status == "failed"


def test_a_redirect_is_a_failure_not_a_post_elsewhere(hook, overdue_incident, chat, settings):
    chat.status = 302  # a permanent failure: no second attempt
    reminders_sweep(now=NOW)
    assert _deliver_all(channel=WEBHOOK) == ["failed"]
    assert "302" in _chat_rows().get().last_error


def test_an_unreachable_webhook_does_not_stop_the_emails(hook, overdue_incident, chat, mailoutbox):
    chat.close()  # nothing listens any more
    chat.close = lambda: None
    reminders_sweep(now=NOW)
    outcomes = _deliver_all()
    assert sorted(outcomes) == ["retry", "sent"]
    assert len(mailoutbox) == 1


def test_teams_without_a_webhook_or_with_the_kind_off_get_nothing(
    team, hook, overdue_incident, other_team, chat
):
    hook.notify_missing = False
    hook.save()
    IncidentFactory(team=other_team, started_at=NOW - dt.timedelta(hours=30), resolved_at=None)
    reminders_sweep(now=NOW)
    assert not _chat_rows().exists()


def test_restricted_incidents_are_never_posted(hook, overdue_incident):
    overdue_incident.restricted = True
    overdue_incident.save()
    reminders_sweep(now=NOW)
    assert OutboundMessage.objects.filter(channel="email").count() == 1
    assert not _chat_rows().exists()


def test_publishing_queues_one_chat_message_and_posts_nothing_during_the_request(
    client, owner, postmortem, hook, chat, django_capture_on_commit_callbacks
):
    complete_postmortem(postmortem)
    client.force_login(owner)
    url = reverse("pm-postmortem-status", args=[postmortem.incident.number])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"status": "published"})
    assert response.status_code == 302
    assert chat.attempts == 0  # queued only; the request never waits for the webhook
    postmortem.refresh_from_db()
    postmortem_set_status(postmortem=postmortem, status="draft", by=owner)
    postmortem_set_status(postmortem=postmortem, status="published", by=owner)
    row = _chat_rows().get()
    assert (row.kind, row.dedup_key) == ("published", f"webhook:published:{postmortem.pk}")
    send_email.apply(args=(row.pk,))
    (post,) = chat.posts
    assert post["json"]["text"].startswith(":memo: Postmortem published: <")
    assert f"|INC-{postmortem.incident.number} {postmortem.incident.title}>" in post["json"]["text"]
    assert "\n>A configuration change reduced connection pool size" in post["json"]["text"]


def test_slack_markup_in_titles_is_escaped(hook, team, chat):
    IncidentFactory(
        team=team,
        title="<!channel> & friends",
        started_at=NOW - dt.timedelta(hours=30),
        resolved_at=None,
    )
    reminders_sweep(now=NOW)
    text = _chat_rows().get().body_text
    assert "&lt;!channel&gt; &amp; friends>" in text
    assert "<!channel>" not in text


MONDAY = dt.datetime(2026, 11, 9, 10, 0, tzinfo=dt.UTC)


def test_the_weekly_digest_is_posted_once_a_week_on_monday_morning(
    hook, team, owner, postmortem, chat
):
    ActionItemFactory(postmortem=postmortem, due_date=dt.date(2026, 11, 1), owner=owner)
    IncidentFactory(team=team, title="Old outage", started_at=MONDAY - dt.timedelta(days=3))
    early = MONDAY.replace(hour=8)
    assert not [e for e in reminders_sweep(now=early).emails if e.kind == "team_digest"]
    reminders_sweep(now=MONDAY)
    reminders_sweep(now=MONDAY + dt.timedelta(hours=5))
    (row,) = _chat_rows().filter(kind="team_digest")
    assert row.dedup_key == f"webhook:team-digest:{team.pk}:2026-W46"
    assert "Weekly postmortem digest for Platform" in row.body_text
    assert "• Overdue action items: 1" in row.body_text
    assert "• Postmortems past the deadline: 1" in row.body_text
    assert "Old outage>" in row.body_text
    assert "/dashboard/?team=platform|Open the team dashboard>" in row.body_text
    next_monday = MONDAY + dt.timedelta(days=7)
    reminders_sweep(now=next_monday)
    assert _chat_rows().filter(kind="team_digest").count() == 2


def test_a_team_with_nothing_to_report_gets_no_digest(hook):
    reminders_sweep(now=MONDAY)
    assert not _chat_rows().exists()


def test_the_outbox_page_names_the_team_chat_and_never_the_webhook_url(
    client, admin_user, hook, overdue_incident, chat
):
    reminders_sweep(now=NOW)
    client.force_login(admin_user)
    html = client.get(reverse("pm-outbox")).content.decode()
    assert "Platform&#x27;s chat" in html
    assert chat.url not in html


# The settings page --------------------------------------------------------


def _settings_url(team):
    return reverse("pm-team-notifications", args=[team.slug])


def test_a_team_lead_sets_the_webhook(client, lead, team):
    client.force_login(lead)
    response = client.post(
        _settings_url(team),
        {"url": "https://hooks.slack.com/services/T1/B2/x", "notify_published": "on"},
    )
    assert response.status_code == 302
    hook = TeamWebhook.objects.get(team=team)
    assert hook.url == "https://hooks.slack.com/services/T1/B2/x"
    assert (hook.notify_missing, hook.notify_published, hook.notify_digest) == (False, True, False)
    assert hook.updated_by == lead
    assert client.get(_settings_url(team)).status_code == 200


def test_only_web_addresses_are_accepted(client, lead, team):
    client.force_login(lead)
    response = client.post(_settings_url(team), {"url": "file:///etc/passwd"})
    assert response.status_code == 400
    assert not TeamWebhook.objects.exists()


def test_members_may_not_change_the_webhook_and_other_teams_do_not_see_it(
    client, teammate, outsider, team
):
    client.force_login(teammate)
    assert client.post(_settings_url(team), {"url": "https://x.example"}).status_code == 403
    client.force_login(outsider)
    assert client.get(_settings_url(team)).status_code == 404
    assert not TeamWebhook.objects.exists()


def test_the_profile_links_leads_to_their_team_settings(client, lead, teammate, team):
    client.force_login(lead)
    assert _settings_url(team) in client.get(reverse("accounts-profile")).content.decode()
    client.force_login(teammate)
    assert _settings_url(team) not in client.get(reverse("accounts-profile")).content.decode()

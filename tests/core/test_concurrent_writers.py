"""Many people and an alerting webhook writing to one postmortem at the same moment.

Real concurrent clients on PostgreSQL: each writer is a thread with its own database
connection and its own test client, going through the real pages, API and webhook
receiver; a barrier starts them together. No write may fail because another one
happened at the same time: no 5xx, every acknowledged write is there afterwards, and
the denormalised copies (the search index, ActionItem.team, section revisions) agree
with the rows they were copied from.
"""

import datetime as dt
import json
import threading
from dataclasses import dataclass, field

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from postmortems.api.tokens import api_token_create
from postmortems.models import (
    ActionItem,
    AlertEvent,
    ApiToken,
    Incident,
    Postmortem,
    SearchEntry,
    SectionRevision,
    TimelineEvent,
)
from postmortems.services.actions import action_item_create
from postmortems.services.postmortems import postmortem_start, text_fingerprint
from postmortems.services.search_index import index_postmortem
from tests.alerting.support import alertmanager, make_hook
from tests.factories import TeamFactory
from tests.threads import run_together

NOW = dt.datetime(2026, 11, 2, 13, 0, tzinfo=dt.UTC)  # after the recorded alert payloads
ROUNDS = 5
CHATS = [
    "[11:02] alice: restarted checkout-1\n[11:04] bob: error rate falling\n",
    "[11:20] carol: rolled back the config push\n[11:25] dave: all clear\n",
]
# The alert resolves and fires again within the refire window, over and over: each
# delivery appends an event to the open postmortem's timeline.
ALERTS = [
    alertmanager("alertmanager_resolved"),  # 11:30
    alertmanager(startsAt="2026-11-02T11:40:00Z"),
    alertmanager(
        "alertmanager_resolved", startsAt="2026-11-02T11:40:00Z", endsAt="2026-11-02T11:50:00Z"
    ),
    alertmanager(startsAt="2026-11-02T12:00:00Z"),
    alertmanager(
        "alertmanager_resolved", startsAt="2026-11-02T12:00:00Z", endsAt="2026-11-02T12:10:00Z"
    ),
]


@dataclass
class Log:
    """What the clients were told: every answer, and what each success acknowledged."""

    answers: list[tuple[str, int]] = field(default_factory=list)
    events: list[str] = field(default_factory=list)
    items: list[str] = field(default_factory=list)
    finished: list[str] = field(default_factory=list)
    sections: dict[str, str] = field(default_factory=dict)
    status: str = ""
    team: str = ""
    alerts: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, writer: str, response) -> bool:
        with self.lock:
            self.answers.append((writer, response.status_code))
        return response.status_code < 300

    def unexpected(self, allowed: dict[str, set[int]]) -> list[tuple[str, int]]:
        return [(w, s) for w, s in self.answers if s not in allowed[w.split(":")[0]]]


def _api(token: str) -> Client:
    return Client(raise_request_exception=False, headers={"Authorization": f"Bearer {token}"})


def _json(client: Client, method: str, path: str, body: dict):
    return getattr(client, method)(path, json.dumps(body), content_type="application/json")


def _browser(user) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_on_one_postmortem_get_no_server_error_and_lose_nothing(
    postgres, team, owner, admin_user
):
    with time_machine.travel(NOW, tick=True):
        hook = make_hook(team, refire_window=30)
        assert hook.post(Client(), "alertmanager_firing").status_code == 200
        incident = Incident.objects.get()
        postmortem = postmortem_start(incident=incident, by=owner)  # owner: an author
        other_team = TeamFactory(name="Payments", slug="payments")
        to_finish = [
            action_item_create(postmortem=postmortem, by=owner, title=f"To finish {n}")
            for n in range(ROUNDS)
        ]
        token = api_token_create(user=owner, name="cli", scope=ApiToken.Scope.READ_WRITE)[1]
        admin_token = api_token_create(
            user=admin_user, name="cli", scope=ApiToken.Scope.READ_WRITE
        )[1]
        base = f"/api/v1/incidents/{incident.number}"
        log = Log()

        def add_events(n: int):
            def write(barrier) -> None:
                api = _api(token)
                barrier.wait(timeout=30)
                for r in range(ROUNDS):
                    text = f"Event {n}.{r} from the API"
                    body = {"occurred_at": f"2026-11-02T11:{n:02}:{r:02}Z", "text": text}
                    if log.answer("event", _json(api, "post", f"{base}/postmortem/timeline", body)):
                        log.events.append(text)

            return write

        def add_items(n: int):
            def write(barrier) -> None:
                api = _api(token)
                barrier.wait(timeout=30)
                for r in range(ROUNDS):
                    title = f"Item {n}.{r} from the API"
                    body = {"title": title}
                    if log.answer("item", _json(api, "post", f"{base}/postmortem/actions", body)):
                        log.items.append(title)

            return write

        def finish_items(barrier) -> None:
            api = _api(token)
            barrier.wait(timeout=30)
            for item in to_finish:
                path = f"{base}/postmortem/actions/{item.code}"
                title = f"Finished {item.title}"
                body = {"title": title, "status": "done", "revision": 0}
                if log.answer("finish", _json(api, "patch", path, body)):
                    log.finished.append(title)

        def save_section(section: str, *, autosave: bool):
            def write(barrier) -> None:
                browser = _browser(owner)
                url = reverse("pm-section-save", args=[incident.number, section])
                previous = ""
                barrier.wait(timeout=30)
                for r in range(ROUNDS):
                    text = f"{section} as written in round {r}."
                    data = {"text": text, "base": text_fingerprint(previous), "editor": section}
                    if autosave:
                        data["action"] = "autosave"
                    response = browser.post(url, data)
                    # A plain save redirects back to the editor; a conflict shows the page.
                    ok = response.status_code == (200 if autosave else 302)
                    log.answer("section", response)
                    if ok:
                        log.sections[section] = previous = text

            return write

        def change_status(barrier) -> None:
            api = _api(token)
            barrier.wait(timeout=30)
            for r in range(ROUNDS):
                status = "in_review" if r % 2 == 0 else "draft"
                response = _json(api, "post", f"{base}/postmortem/status", {"status": status})
                if log.answer("status", response):
                    log.status = status

        def deliver_alerts(barrier) -> None:
            client = Client(raise_request_exception=False)
            barrier.wait(timeout=30)
            for body in ALERTS:
                response = hook.post(client, body)
                if log.answer("alert", response):
                    log.alerts.append(response.json()["outcome"])

        def import_chat(barrier) -> None:
            browser = _browser(owner)
            url = reverse("pm-timeline-import-add", args=[incident.number])
            barrier.wait(timeout=30)
            for chat in CHATS:
                data = {"transcript": chat, "pick-0": "on", "pick-1": "on"}
                data.update({"kind-0": "action", "kind-1": "action"})
                log.answer("import", browser.post(url, data))

        def move_incident(barrier) -> None:
            """An admin moves the incident between teams: its action items follow."""
            api = _api(admin_token)
            barrier.wait(timeout=30)
            for r in range(3):
                slug = other_team.slug if r % 2 == 0 else team.slug
                for _attempt in range(10):  # a 409 means re-read and send again
                    revision = api.get(base).json()["revision"]
                    response = _json(api, "patch", base, {"team": slug, "revision": revision})
                    log.answer("move", response)
                    if response.status_code == 200:
                        log.team = slug
                        break

        writers = [
            *(add_events(n) for n in range(3)),
            *(add_items(n) for n in range(2)),
            finish_items,
            save_section("summary", autosave=False),
            save_section("impact", autosave=True),
            change_status,
            deliver_alerts,
            import_chat,
            move_incident,
        ]
        crashed = run_together(writers)

    assert not crashed
    requests = len(log.answers)
    server_errors = [answer for answer in log.answers if answer[1] >= 500]
    assert not server_errors, f"{len(server_errors)} of {requests} requests: {server_errors}"
    assert not log.unexpected(
        {
            "event": {201},
            "item": {201},
            "finish": {200},
            "section": {200, 302},
            "status": {200},
            "alert": {200},
            "import": {302},
            "move": {200, 409},  # 409: an alert changed the incident since it was read
        }
    ), log.answers

    # Every acknowledged write is there.
    texts = list(TimelineEvent.objects.filter(postmortem=postmortem).values_list("text", flat=True))
    assert sorted(t for t in texts if t.startswith("Event ")) == sorted(log.events)
    assert len(log.events) == 3 * ROUNDS
    assert sum(t.startswith("**") for t in texts) == 4  # two chat imports of two lines
    items = ActionItem.objects.filter(postmortem=postmortem)
    titles = set(items.values_list("title", flat=True))
    assert set(log.items) <= titles
    assert len(log.items) == 2 * ROUNDS
    assert set(log.finished) <= titles
    assert len(log.finished) == ROUNDS
    assert log.alerts == ["resolved", "reopened", "resolved", "reopened", "resolved"]
    alert_events = AlertEvent.objects.filter(incident=incident)
    assert alert_events.count() == 1 + len(ALERTS)
    assert not alert_events.filter(timeline_event__isnull=True).exists()

    fresh = Postmortem.objects.select_related("incident__team").get(pk=postmortem.pk)
    assert fresh.status == log.status
    assert fresh.summary == log.sections["summary"]
    assert fresh.impact == log.sections["impact"]
    assert fresh.incident.team.slug == log.team

    # The copies agree with what they copy. Every item is in the incident's team:
    assert set(items.values_list("team_id", flat=True)) == {fresh.incident.team_id}
    # each save is a revision, numbered without a gap or a repeat;
    summary = SectionRevision.objects.filter(postmortem=postmortem, section="summary")
    assert list(summary.order_by("number").values_list("number", flat=True)) == list(
        range(1, ROUNDS + 1)
    )
    # one person's autosaves within five minutes are one revision;
    impact = SectionRevision.objects.filter(postmortem=postmortem, section="impact")
    assert list(impact.values_list("number", "text")) == [(1, log.sections["impact"])]
    # the search index holds what indexing the postmortem now would write.
    entry_fields = [f.attname for f in SearchEntry._meta.concrete_fields]
    stored = SearchEntry.objects.filter(postmortem=postmortem).values_list(*entry_fields).get()
    for text in [*log.events, *log.items, *log.finished, fresh.summary]:
        assert text in fresh.search_text
    index_postmortem(postmortem.pk)
    assert SearchEntry.objects.filter(postmortem=postmortem).values_list(*entry_fields).get() == (
        stored
    )
    assert Postmortem.objects.get(pk=postmortem.pk).search_text == fresh.search_text

"""The XSS corpus in every field a user writes, and every page that shows them, in Chromium.

All payloads go in at once: each long text field holds the whole corpus, each short
one (titles, names, tags, reasons) gets one row per payload. A listener installed
before any page script records every alert/confirm/prompt, every dialog, every
`window.__xss.push` a payload makes and every Content-Security-Policy violation (an
injected inline script or handler that the policy blocks still shows up there). Email
HTML bodies and feed entries, which leave the app's policy behind, are opened as pages
of their own with no policy at all."""

import datetime as dt
import xml.etree.ElementTree as ET

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.tokens import feed_token
from postmortems.models import BlamelessDismissal, OutboundMessage, Postmortem, TimelineEvent
from postmortems.notifications.announcements import announce_publication
from postmortems.notifications.reminders import reminders_sweep
from postmortems.services.postmortems import (
    postmortem_update_details,
    postmortem_update_section,
    text_fingerprint,
)
from postmortems.services.search_index import index_postmortem
from tests.browser_support import sign_in
from tests.factories import (
    PASSWORD,
    ActionItemFactory,
    IncidentFactory,
    ReviewCommentFactory,
    TimelineEventFactory,
)
from tests.security.payloads import PAYLOADS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ALL = "\n\n".join(PAYLOADS)
SECTIONS = ["summary", "impact", "contributing_factors", "went_well", "went_wrong", "got_lucky"]

LISTEN = """
window.__xss = [];
window.__cspViolations = [];
for (const name of ["alert", "confirm", "prompt", "print"]) {
  window[name] = (...args) => { window.__xss.push(`${name}(${args.join(",")})`); };
}
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(
    `${event.violatedDirective} blocked ${event.blockedURI || "inline"}: ${event.sample}`
  );
});
"""


def _store_everything(*, team, owner, teammate, author, incident, postmortem):
    """Every payload in every field; the postmortem published and indexed."""
    owner.display_name = PAYLOADS[52][:150]
    owner.save()
    teammate.display_name = "<img src=x onerror=window.__xss.push('name')>"
    teammate.save()
    author.display_name = '"><script>window.__xss.push("author")</script>'
    author.save()
    incident.title = "<script>window.__xss.push('title')</script>"
    incident.description = ALL
    incident.save()
    for payload in PAYLOADS:
        IncidentFactory(team=team, owner=owner, title=payload[:200], description=payload)
    for name in SECTIONS:
        setattr(postmortem, name, ALL)
    postmortem.save()
    # A saved edit, so the history page has a diff full of payloads to show.
    postmortem_update_section(
        postmortem=postmortem,
        section="summary",
        text=f"{ALL}\n\nEdited.",
        base_fingerprint=text_fingerprint(ALL),
        by=owner,
    )
    today = timezone.localdate()
    for number, payload in enumerate(PAYLOADS):
        TimelineEventFactory(postmortem=postmortem, text=payload)
        ActionItemFactory(
            postmortem=postmortem,
            title=payload[:200],
            description=payload,
            owner=owner if number % 2 else teammate,
            due_date=today + dt.timedelta(days=number % 10 - 5),
        )
        ReviewCommentFactory(postmortem=postmortem, text=payload, author=teammate)
        BlamelessDismissal.objects.create(
            postmortem=postmortem,
            section="summary",
            excerpt=f"{number} {payload}"[:300],
            category="blame",
            reason=payload[:200],
            dismissed_by=owner,
        )
    postmortem_update_details(
        postmortem=postmortem, authors=[author, owner], tag_names=[p[:50] for p in PAYLOADS]
    )
    Postmortem.objects.filter(pk=postmortem.pk).update(
        status="published", published_at=timezone.now()
    )
    index_postmortem(postmortem.pk)
    postmortem.refresh_from_db()
    announce_publication(postmortem=postmortem, by=None)
    # Digests go out on weekdays at each person's local hour: sweep the 24 hours of
    # the next Wednesday (UTC), which is a weekday in every time zone, whatever
    # day the suite runs on.
    now = timezone.now()
    wednesday = (now + dt.timedelta(days=(2 - now.weekday()) % 7 or 7)).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    for hour in range(24):
        reminders_sweep(now=wednesday + dt.timedelta(hours=hour))


def _open_document(page, html: str) -> None:
    """Open `html` as a page of the app's origin, with no security headers at all."""

    def fulfill(route, _request=None):
        route.fulfill(status=200, content_type="text/html; charset=utf-8", body=html)

    page.route("**/__document__", fulfill)
    page.goto("/__document__")
    page.unroute("**/__document__")


def _assert_nothing_ran(page, where: str) -> None:
    page.wait_for_load_state("load")
    assert page.evaluate("window.__xss") == [], where
    assert page.evaluate("window.__cspViolations") == [], where


def test_no_payload_runs_anywhere(page, team, owner, teammate, author, incident, postmortem):
    _store_everything(
        team=team,
        owner=owner,
        teammate=teammate,
        author=author,
        incident=incident,
        postmortem=postmortem,
    )
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.add_init_script(LISTEN)
    sign_in(page, owner.email, PASSWORD)
    ref = incident.reference
    pages = [
        "/incidents/",
        "/incidents/?page=2",
        "/incidents/?page=3",
        "/incidents/?page=4",
        f"/incidents/{ref}/",
        f"/incidents/{ref}/edit/",
        f"/incidents/{ref}/postmortem/",
        f"/incidents/{ref}/postmortem/edit/",
        f"/incidents/{ref}/postmortem/history/",
        f"/incidents/{ref}/postmortem/readiness/",
        "/archive/?q=alert",
        "/archive/?q=script",
        "/archive/tags/",
        "/archive/feeds/",
        "/dashboard/",
        "/dashboard/items/",
        "/my-work/",
    ]
    for path in pages:
        response = page.goto(path)
        assert response.status == 200, path
        _assert_nothing_ran(page, path)

    # Chat import, from the editor: pasted, previewed and imported in the page.
    page.goto(f"/incidents/{ref}/postmortem/edit/")
    events_before = TimelineEvent.objects.filter(postmortem=postmortem).count()
    page.get_by_text("Import from chat").click()
    transcript = "\n".join(
        f"[09:{number % 60:02d}] alice{number}: {payload}"
        for number, payload in enumerate(PAYLOADS)
    )
    page.get_by_label("Chat transcript").fill(transcript)
    page.get_by_role("button", name="Preview events").click()
    expect(page.locator("#chat-import .chat-preview__row").first).to_be_visible()
    _assert_nothing_ran(page, "chat import preview")
    with page.expect_response(lambda response: "/timeline/import/add/" in response.url):
        page.get_by_role("button", name="Import selected events").click()
    expect(page.locator("#timeline .timeline-item").first).to_be_visible()
    _assert_nothing_ran(page, "chat import")
    assert TimelineEvent.objects.filter(postmortem=postmortem).count() > events_before
    page.goto(f"/incidents/{ref}/postmortem/")
    _assert_nothing_ran(page, "timeline after the import")

    # Exports are plain text, never HTML a browser would run.
    for path in [f"/incidents/{ref}/postmortem/export.md", "/dashboard/items.csv"]:
        response = page.request.get(path)
        assert response.status == 200
        assert not response.headers["content-type"].startswith("text/html"), path

    # Emails and feed entries leave the policy behind: opened with none at all.
    documents = [
        (f"email {row.kind} to {row.to_address}", row.body_html)
        for row in OutboundMessage.objects.exclude(body_html="")
    ]
    assert set(OutboundMessage.objects.values_list("kind", flat=True)) >= {
        "published",
        "action_digest",
    }
    feed = page.request.get(f"/archive/feed/{feed_token(owner, {})}/").text()
    atom = "{http://www.w3.org/2005/Atom}"
    entries = ET.fromstring(feed).findall(f"{atom}entry")
    assert entries
    for entry in entries:
        for element in [entry.find(f"{atom}summary"), entry.find(f"{atom}content")]:
            if element is not None and element.text:
                documents.append(("feed entry", element.text))
    assert len(documents) > 2
    for where, html in documents:
        _open_document(page, html)
        _assert_nothing_ran(page, where)
    assert dialogs == []


def test_the_listener_hears_a_payload_that_runs(page, owner):
    """Without the app's escaping, the same listener would fail the test."""
    page.add_init_script(LISTEN)
    _open_document(page, PAYLOADS[0] + PAYLOADS[6])
    page.wait_for_function("window.__xss.length >= 2")
    sign_in(page, owner.email, PASSWORD)
    page.evaluate("document.body.insertAdjacentHTML('beforeend', '<img src=x onerror=alert(1)>')")
    page.wait_for_function("window.__cspViolations.length > 0")

"""A person finds a review in the archive, narrows it, follows a related one, subscribes."""

import re
import xml.etree.ElementTree as ET

import pytest
from playwright.sync_api import expect

from postmortems.services.postmortems import postmortem_set_status, postmortem_update_details
from postmortems.services.timeline import timeline_event_create
from tests.browser_support import sign_in
from tests.factories import (
    BASE_TIME,
    PASSWORD,
    IncidentFactory,
    PostmortemFactory,
    ServiceFactory,
    complete_postmortem,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
ATOM = "{http://www.w3.org/2005/Atom}"


def _review(team, owner, title, summary, service, tags):
    incident = IncidentFactory(team=team, title=title)
    incident.services.add(service)
    postmortem = complete_postmortem(PostmortemFactory(incident=incident, summary=summary))
    postmortem_update_details(postmortem=postmortem, authors=[owner], tag_names=tags)
    postmortem_set_status(postmortem=postmortem, status="published", by=owner)
    return postmortem


def test_a_reader_finds_narrows_follows_and_subscribes(page, owner, team, app_server, settings):
    settings.SITE_URL = app_server  # absolute links in feeds point at this server
    database = ServiceFactory(name="Orders database", slug="orders-db")
    other = ServiceFactory(name="CDN", slug="cdn")
    failover = _review(team, owner, "Orders write outage", "Writes failed for 9 minutes.",
                       database, ["failover"])  # fmt: skip
    timeline_event_create(
        postmortem=failover, by=owner, occurred_at=BASE_TIME, kind="action",
        text="Promotion stalled because the replica lagged by 40 seconds.",
    )  # fmt: skip
    sibling = _review(team, owner, "Replica lag during backup", "Backups slowed replication.",
                      database, ["failover"])  # fmt: skip
    _review(
        team, owner, "Stale assets after purge", "A purge limit left old files.", other, ["cdn"]
    )

    sign_in(page, owner.email, PASSWORD)
    page.get_by_role("link", name="Archive", exact=True).click()
    page.evaluate("window.__noReload = true")

    # Search as you type, by a phrase from the timeline.
    page.get_by_label("Search published reviews").fill('"promotion stalled"')
    expect(page.locator("#results .hit")).to_have_count(1)
    expect(page.locator("#results .hit").first).to_contain_text("Orders write outage")
    expect(page.locator("#results mark").first).to_be_visible()
    expect(page).to_have_url(re.compile(r"q=%22promotion(\+|%20)stalled%22"))

    # Narrow by service and tag; facets keep counting.
    page.get_by_label("Service").select_option("orders-db")
    expect(page).to_have_url(re.compile(r"service=orders-db"))
    # The follow card comes with the filter, without a reload, and follows by htmx. The
    # click also fires one more search (the search box loses focus): its answer must not
    # put "Follow" back.
    page.get_by_role("button", name="Follow Orders database").click()
    expect(page.get_by_role("button", name="Unfollow Orders database")).to_be_visible()
    page.get_by_label("Tag").select_option("failover")
    expect(page).to_have_url(re.compile(r"tag=failover"))
    expect(page.locator("#results .hit")).to_have_count(1)
    assert page.evaluate("window.__noReload") is True

    # Read it, then follow a related review. The click waits until no htmx request is
    # in flight: a late swap of the results would replace the link being clicked.
    expect(page.locator(".htmx-request")).to_have_count(0)
    page.locator("#results .hit a").first.click()
    expect(page).to_have_url(re.compile(r"/postmortem/$"))
    expect(page.get_by_role("heading", name="Orders write outage")).to_be_visible()
    related = page.locator(".related")
    expect(related).to_contain_text("Replica lag during backup")
    expect(related).not_to_contain_text("Stale assets after purge")
    related.get_by_role("link", name=re.compile("Replica lag during backup")).click()
    expect(page.get_by_role("heading", name="Replica lag during backup")).to_be_visible()
    assert f"/incidents/{sibling.incident.reference}/postmortem/" in page.url

    # Subscribe to the feed of the service: a reader fetches it without a session.
    page.goto("/archive/feeds/")
    url = page.get_by_label("Orders database").input_value()
    reader = page.context.browser.new_context()
    try:
        response = reader.request.get(url)
        assert response.status == 200
        assert response.headers["content-type"].startswith("application/atom+xml")
        feed = ET.fromstring(response.body())
    finally:
        reader.close()
    titles = sorted(entry.find(f"{ATOM}title").text or "" for entry in feed.iter(f"{ATOM}entry"))
    assert titles == sorted(
        [
            f"{failover.incident.reference} Orders write outage",
            f"{sibling.incident.reference} Replica lag during backup",
        ]
    )

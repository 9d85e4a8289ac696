"""Personal Atom feeds of published reviews: signed links, scopes, visibility, format."""

import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse

from accounts.tokens import feed_scope_from_token, feed_token, unsubscribe_token
from postmortems.archive.feeds import FEED_SIZE
from postmortems.services.postmortems import postmortem_set_status
from tests.factories import (
    ServiceFactory,
    TagFactory,
    UserFactory,
    complete_postmortem,
    review,
)

pytestmark = pytest.mark.django_db
SITE = "https://pm.example.com"
ATOM = {"atom": "http://www.w3.org/2005/Atom"}


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = SITE


def _feed_path(user, scope=None) -> str:
    return reverse("pm-archive-feed", args=[feed_token(user, scope or {})])


def _entries(client, user, scope=None) -> list[ET.Element]:
    response = client.get(_feed_path(user, scope))
    assert response.status_code == 200
    return ET.fromstring(response.content).findall("atom:entry", ATOM)


def _titles(client, user, scope=None) -> list[str]:
    return [e.findtext("atom:title", namespaces=ATOM) or "" for e in _entries(client, user, scope)]


# Tokens


def test_a_feed_token_names_its_user_and_scope(owner):
    assert feed_scope_from_token(feed_token(owner, {"team": "platform"})) == (
        owner,
        {"team": "platform"},
    )
    assert feed_scope_from_token(feed_token(owner, {})) == (owner, {})


@pytest.mark.parametrize("scope", [{"team": "a", "tag": "b"}, {"user": "x"}, {"tag": ""}])
def test_a_feed_token_refuses_scopes_it_does_not_know(owner, scope):
    with pytest.raises(ValueError, match="Not a feed scope"):
        feed_token(owner, scope)


def test_tampered_and_foreign_tokens_are_refused(owner, admin_user):
    token = feed_token(owner, {"tag": "dns"})
    payload, signature = token.rsplit(":", 1)
    forged = feed_token(admin_user, {"tag": "dns"}).rsplit(":", 1)[0] + ":" + signature
    assert feed_scope_from_token(forged) is None
    assert feed_scope_from_token(payload + ":" + signature[::-1]) is None
    assert feed_scope_from_token("nonsense") is None
    # Signed with another salt: an unsubscribe link is no feed key.
    assert feed_scope_from_token(unsubscribe_token(owner)) is None


# The feed view


def test_anyone_with_the_link_reads_the_feed_without_signing_in(client, owner):
    review(title="Cache stampede")
    response = client.get(_feed_path(owner))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    assert response["Cache-Control"] == "private"


def test_a_tampered_feed_link_is_not_found(client, owner):
    path = _feed_path(owner)
    assert client.get(path[:-3] + "xyz/").status_code == 404
    assert client.get(reverse("pm-archive-feed", args=["garbage"])).status_code == 404


def test_a_deactivated_users_feed_is_not_found(client, owner):
    path = _feed_path(owner)
    owner.is_active = False
    owner.save()
    assert client.get(path).status_code == 404


def test_a_feed_whose_subject_was_deleted_is_not_found(client, owner):
    tag = TagFactory(slug="gone")
    path = _feed_path(owner, {"tag": "gone"})
    tag.delete()
    assert client.get(path).status_code == 404


def test_the_feed_answers_only_get(client, owner):
    assert client.post(_feed_path(owner)).status_code == 405


def test_the_feed_is_valid_atom_with_absolute_links(client, owner, author):
    dns = TagFactory(name="dns")
    draft = review(title="Resolver saturation", published=False)
    draft.summary = "Resolvers ran out of **sockets**."
    draft.save()
    draft.tags.set([dns])
    draft.authors.set([author])
    complete_postmortem(draft)
    postmortem_set_status(postmortem=draft, status="published")
    response = client.get(_feed_path(owner))

    root = ET.fromstring(response.content)  # well-formed XML
    assert root.tag == "{http://www.w3.org/2005/Atom}feed"
    assert root.findtext("atom:title", namespaces=ATOM) == "Published postmortems"
    assert root.findtext("atom:id", namespaces=ATOM)
    assert root.findtext("atom:updated", namespaces=ATOM)
    assert root.findtext("atom:author/atom:name", namespaces=ATOM) == "Postmortems"
    links = {link.get("rel"): link.get("href") for link in root.findall("atom:link", ATOM)}
    assert links["self"] == SITE + response.wsgi_request.path
    assert links["alternate"] == SITE + reverse("pm-archive")

    [entry] = root.findall("atom:entry", ATOM)
    number = draft.incident.number
    assert entry.findtext("atom:title", namespaces=ATOM) == f"INC-{number} Resolver saturation"
    assert entry.find("atom:link", ATOM).get("href") == SITE + reverse(
        "pm-postmortem-detail", args=[number]
    )
    assert entry.findtext("atom:id", namespaces=ATOM)
    assert entry.findtext("atom:published", namespaces=ATOM)
    assert entry.findtext("atom:updated", namespaces=ATOM)
    summary = entry.find("atom:summary", ATOM)
    assert summary.get("type") == "html"
    assert summary.text == "<p>Resolvers ran out of <strong>sockets</strong>.</p>"
    assert [a.text for a in entry.findall("atom:author/atom:name", ATOM)] == ["Ada Author"]
    assert [c.get("term") for c in entry.findall("atom:category", ATOM)] == ["dns"]


def test_markup_in_a_title_is_text_and_in_a_summary_is_sanitised(client, owner):
    pm = review(title="Queue <backlog> & retries")
    pm.summary = "<script>alert(1)</script> [x](javascript:alert(1))"
    pm.save()
    [entry] = _entries(client, owner)
    assert entry.findtext("atom:title", namespaces=ATOM).endswith("Queue <backlog> & retries")
    summary = entry.findtext("atom:summary", namespaces=ATOM)
    assert summary is not None
    assert "<script>" not in summary
    assert "javascript:" not in summary


def test_the_feed_lists_the_newest_published_reviews_first_and_at_most_thirty(client, owner):
    review(published=False, title="A draft")
    for day in range(FEED_SIZE + 2):
        review(days=day, title=f"Review {day}")
    titles = _titles(client, owner)
    assert len(titles) == FEED_SIZE
    assert titles[0].endswith("Review 31")
    assert titles[-1].endswith("Review 2")
    assert not any(t.endswith("A draft") for t in titles)


@pytest.mark.parametrize(("persona", "visible"), [("outsider", False), ("teammate", True)])
def test_restricted_reviews_reach_only_the_feeds_of_those_who_see_them(
    request, client, team, persona, visible
):
    review(team=team, restricted=True, title="Leaked credentials")
    review(title="Open review")
    titles = _titles(client, request.getfixturevalue(persona))
    assert any(t.endswith("Open review") for t in titles)
    assert any(t.endswith("Leaked credentials") for t in titles) is visible


def test_losing_access_takes_effect_on_the_next_fetch(client, team, teammate):
    review(team=team, restricted=True, title="Leaked credentials")
    path = _feed_path(teammate)
    assert len(ET.fromstring(client.get(path).content).findall("atom:entry", ATOM)) == 1
    teammate.memberships.all().delete()
    assert ET.fromstring(client.get(path).content).findall("atom:entry", ATOM) == []


def test_a_service_feed_includes_its_child_services(client, owner):
    checkout = ServiceFactory(name="Checkout", slug="checkout")
    api = ServiceFactory(slug="checkout-api", parent=checkout)
    db = ServiceFactory(slug="checkout-db", parent=api)
    review(services=[checkout], title="Root")
    review(services=[db], title="Grandchild")
    review(services=[db, api], title="Two levels")  # listed once
    review(services=[ServiceFactory()], title="Elsewhere")
    titles = _titles(client, owner, {"service": "checkout"})
    assert sorted(t.split(" ", 1)[1] for t in titles) == ["Grandchild", "Root", "Two levels"]
    assert _titles(client, owner, {"service": "checkout-db"})[0].endswith("Two levels")
    response = client.get(_feed_path(owner, {"service": "checkout"}))
    assert b"<title>Published postmortems: service Checkout</title>" in response.content


def test_team_and_tag_feeds_follow_their_team_and_tag(client, owner, team):
    dns = TagFactory(slug="dns")
    review(team=team, title="Ours")
    review(tags=[dns], title="Tagged")
    review(title="Other")
    assert [t.split(" ", 1)[1] for t in _titles(client, owner, {"team": "platform"})] == ["Ours"]
    assert [t.split(" ", 1)[1] for t in _titles(client, owner, {"tag": "dns"})] == ["Tagged"]
    root = ET.fromstring(client.get(_feed_path(owner, {"tag": "dns"})).content)
    alternate = root.find("atom:link[@rel='alternate']", ATOM).get("href")
    assert alternate == f"{SITE}{reverse('pm-archive')}?tag=dns"


@pytest.mark.parametrize("rows", [1, 6])
def test_the_feed_costs_the_same_queries_however_many_entries(
    client, owner, rows, django_assert_num_queries
):
    for day in range(rows):
        pm = review(days=day, tags=[TagFactory()], services=[ServiceFactory()])
        pm.authors.add(UserFactory())
    path = _feed_path(owner, {"team": "platform"})
    review(team=owner.teams.get())
    # user, scope name, reviews, their tags, their authors
    with django_assert_num_queries(5):
        response = client.get(path)
    assert response.status_code == 200


# The feeds page


def test_the_feeds_page_lists_private_absolute_links_for_every_scope(client, owner, team):
    ServiceFactory(name="Checkout", slug="checkout")
    TagFactory(name="dns", slug="dns")
    client.force_login(owner)
    response = client.get(reverse("pm-archive-feeds"))
    body = response.content.decode()
    assert "private" in body
    assert "no-cache" in response["Cache-Control"]
    all_url = SITE + _feed_path(owner)
    link = '<link rel="alternate" type="application/atom+xml" title="Published postmortems"'
    assert f'{link} href="{all_url}">' in body
    for scope in [{}, {"team": "platform"}, {"service": "checkout"}, {"tag": "dns"}]:
        assert f'value="{SITE}{_feed_path(owner, scope)}"' in body
    # Each link on the page opens a working feed.
    path = _feed_path(owner, {"service": "checkout"})
    assert client.get(path).status_code == 200


def test_each_person_gets_their_own_feed_links(client, owner, teammate):
    client.force_login(owner)
    body = client.get(reverse("pm-archive-feeds")).content.decode()
    assert _feed_path(owner) in body
    assert _feed_path(teammate) not in body


def test_the_services_and_tags_pages_link_to_their_feeds(client, owner):
    review(services=[ServiceFactory(slug="checkout")], tags=[TagFactory(slug="dns")])
    client.force_login(owner)
    services = client.get(reverse("pm-archive-services")).content.decode()
    tags = client.get(reverse("pm-archive-tags")).content.decode()
    assert f'href="{SITE}{_feed_path(owner, {"service": "checkout"})}"' in services
    assert f'href="{SITE}{_feed_path(owner, {"tag": "dns"})}"' in tags

"""Browsing the archive by service and by tag, and related reviews on the read view."""

import pytest
from django.urls import reverse

from postmortems.archive import related
from postmortems.archive.browse_views import service_tree, tags_with_counts
from postmortems.archive.related import related_postmortems
from postmortems.models import Service
from postmortems.selectors import postmortem_with_content
from postmortems.services.postmortems import postmortem_set_status
from postmortems.services.search_index import rebuild_index
from tests.factories import (
    ServiceFactory,
    TagFactory,
    complete_postmortem,
    review,
)

pytestmark = pytest.mark.django_db


def _totals(user) -> dict[str, tuple[int, int]]:
    """slug -> (total including children, direct), over the whole tree."""
    found = {}

    def walk(nodes):
        for node in nodes:
            found[node.service.slug] = (node.total, node.direct)
            walk(node.children)

    walk(service_tree(user=user))
    return found


@pytest.fixture
def checkout():
    """checkout > checkout-api > checkout-db, and checkout > checkout-web; search alone."""
    root = ServiceFactory(name="Checkout", slug="checkout")
    api = ServiceFactory(name="Checkout API", slug="checkout-api", parent=root)
    return {
        "root": root,
        "api": api,
        "db": ServiceFactory(name="Checkout DB", slug="checkout-db", parent=api),
        "web": ServiceFactory(name="Checkout web", slug="checkout-web", parent=root),
        "search": ServiceFactory(name="Search", slug="search"),
    }


# Services page


def test_service_counts_include_reviews_of_child_services(owner, checkout):
    review(services=[checkout["db"]])
    review(services=[checkout["api"]])
    review(services=[checkout["web"]])
    review(services=[checkout["root"]])
    review(services=[checkout["search"]])
    totals = _totals(owner)
    assert totals["checkout"] == (4, 1)
    assert totals["checkout-api"] == (2, 1)
    assert totals["checkout-db"] == (1, 1)
    assert totals["checkout-web"] == (1, 1)
    assert totals["search"] == (1, 1)


def test_a_review_naming_several_services_of_one_subtree_counts_once_above_them(owner, checkout):
    review(services=[checkout["db"], checkout["web"], checkout["api"]])
    review(services=[checkout["db"], checkout["search"]])
    totals = _totals(owner)
    assert totals["checkout"] == (2, 0)
    assert totals["checkout-api"] == (2, 1)
    assert totals["checkout-db"] == (2, 2)
    assert totals["checkout-web"] == (1, 1)
    assert totals["search"] == (1, 1)


def test_drafts_are_not_counted(owner, checkout):
    review(services=[checkout["db"]], published=False)
    assert _totals(owner)["checkout"] == (0, 0)


def test_the_tree_nests_children_under_their_parents_by_name(owner, checkout):
    tree = service_tree(user=owner)
    assert [n.service.slug for n in tree] == ["checkout", "search"]
    assert [n.service.slug for n in tree[0].children] == ["checkout-api", "checkout-web"]
    assert [n.service.slug for n in tree[0].children[0].children] == ["checkout-db"]


def test_a_loop_in_the_service_tree_does_not_hang_the_page(client, owner, checkout):
    # Only self-parenting is prevented by a constraint; a longer loop can be made.
    Service.objects.filter(pk=checkout["root"].pk).update(parent=checkout["db"])
    review(services=[checkout["api"]])
    client.force_login(owner)
    response = client.get(reverse("pm-archive-services"))
    assert response.status_code == 200
    assert "Checkout DB" in response.content.decode()


def test_the_services_page_links_each_service_to_the_filtered_archive(client, owner, checkout):
    review(services=[checkout["db"]])
    client.force_login(owner)
    body = client.get(reverse("pm-archive-services")).content.decode()
    assert f'href="{reverse("pm-archive")}?service=checkout-db"' in body
    assert f'href="{reverse("pm-archive")}?service=checkout"' in body
    assert "Subscribe (Atom)" in body


@pytest.mark.parametrize(("persona", "expected"), [("outsider", 0), ("teammate", 1)])
def test_restricted_reviews_are_counted_on_the_services_page_only_for_those_who_see_them(
    request, client, team, checkout, persona, expected
):
    review(team=team, services=[checkout["db"]], restricted=True)
    client.force_login(request.getfixturevalue(persona))
    response = client.get(reverse("pm-archive-services"))
    root = response.context["tree"][0]
    assert (root.service.slug, root.total) == ("checkout", expected)


@pytest.mark.parametrize("rows", [1, 6])
def test_the_services_page_costs_the_same_queries_however_many_services(
    client, owner, rows, django_assert_num_queries
):
    parent = ServiceFactory()
    for _ in range(rows):
        child = ServiceFactory(parent=parent)
        review(services=[child, ServiceFactory(parent=child)])  # two in one subtree
        review(services=[child], restricted=True)
    client.force_login(owner)
    # session, user, services, direct counts, links of multi-service incidents
    with django_assert_num_queries(5):
        response = client.get(reverse("pm-archive-services"))
    assert response.status_code == 200
    assert response.context["tree"][0].total == rows


# Tags page


def test_tags_are_listed_by_count_then_name_and_unused_ones_are_hidden(client, owner):
    dns, tls, cache, unused = (TagFactory(name=n, slug=n) for n in ["dns", "tls", "cache", "x"])
    review(tags=[dns, tls])
    review(tags=[tls, cache])
    review(tags=[dns])
    review(tags=[unused], published=False)
    client.force_login(owner)
    response = client.get(reverse("pm-archive-tags"))
    assert [(t.slug, t.review_count) for t in response.context["tags"]] == [
        ("dns", 2),
        ("tls", 2),
        ("cache", 1),
    ]
    body = response.content.decode()
    assert f'href="{reverse("pm-archive")}?tag=dns"' in body
    assert "?tag=x" not in body


@pytest.mark.parametrize(("persona", "expected"), [("outsider", []), ("teammate", [("dns", 1)])])
def test_restricted_reviews_are_counted_on_the_tags_page_only_for_those_who_see_them(
    request, client, team, persona, expected
):
    review(team=team, tags=[TagFactory(name="dns", slug="dns")], restricted=True)
    client.force_login(request.getfixturevalue(persona))
    response = client.get(reverse("pm-archive-tags"))
    assert [(t.slug, t.review_count) for t in response.context["tags"]] == expected
    assert ("?tag=dns" in response.content.decode()) == bool(expected)


def test_an_admin_counts_every_publishedreview(admin_user, team):
    tag = TagFactory()
    review(team=team, tags=[tag], restricted=True)
    review(tags=[tag])
    assert [t.review_count for t in tags_with_counts(user=admin_user)] == [2]


@pytest.mark.parametrize("rows", [1, 6])
def test_the_tags_page_costs_the_same_queries_however_many_tags(
    client, owner, rows, django_assert_num_queries
):
    for _ in range(rows):
        review(tags=[TagFactory(), TagFactory()])
    client.force_login(owner)
    # session, user, tags with counts
    with django_assert_num_queries(3):
        response = client.get(reverse("pm-archive-tags"))
    assert len(response.context["tags"]) == 2 * rows


# Related reviews


@pytest.fixture
def subject(team, checkout):
    dns = TagFactory(name="dns", slug="dns")
    pm = review(team=team, services=[checkout["api"], checkout["web"]], tags=[dns])
    return postmortem_with_content(pm)


def test_related_reviews_rank_shared_services_above_shared_tags(owner, subject, checkout):
    dns = subject.tags.get()
    tag_only = review(tags=[dns], days=3)  # score 1, newest
    one_service = review(services=[checkout["api"]], days=1)  # score 2
    both_services = review(services=[checkout["api"], checkout["web"]])  # score 4
    service_and_tag = review(services=[checkout["web"]], tags=[dns])  # score 3
    review(services=[checkout["search"]], tags=[TagFactory()])  # nothing shared
    review(services=[checkout["db"]])  # a child service is not the same service
    related = related_postmortems(postmortem=subject, user=owner)
    assert related == [both_services, service_and_tag, one_service, tag_only]
    assert [s.name for s in related[0].shared_services] == ["Checkout API", "Checkout web"]
    assert [t.name for t in related[1].shared_tags] == ["dns"]


def test_equal_scores_go_to_the_newest_first(owner, subject, checkout):
    older = review(services=[checkout["api"]], days=1)
    newer = review(services=[checkout["api"]], days=2)
    assert related_postmortems(postmortem=subject, user=owner) == [newer, older]


def test_on_postgresql_equal_scores_go_to_the_closest_text_first(postgres, owner, team, checkout):
    subject = review(team=team, services=[checkout["api"]], title="Redis failover stalled")
    similar = review(services=[checkout["api"]], days=1, title="Redis failover took minutes")
    newer = review(services=[checkout["api"]], days=2, title="Disk alert at night")
    rebuild_index()
    subject = postmortem_with_content(subject)
    assert related_postmortems(postmortem=subject, user=owner) == [similar, newer]


def test_on_postgresql_the_shortlist_holds_the_best_scored_reviews_the_viewer_may_see(
    postgres, outsider, subject, checkout, monkeypatch
):
    monkeypatch.setattr(related, "SHORTLIST", 2)
    both = [checkout["api"], checkout["web"]]
    dns = subject.tags.get()
    review(team=subject.incident.team, services=both, restricted=True)  # score 4, hidden
    review(services=both, tags=[dns], published=False)  # score 5, a draft
    best = review(services=both, days=1)  # score 4
    second = review(services=[checkout["web"]], tags=[dns], days=2)  # score 3
    review(services=[checkout["api"]], days=3)  # score 2, past the shortlist
    review(tags=[dns], days=4)  # score 1, past the shortlist
    assert related_postmortems(postmortem=subject, user=outsider) == [best, second]


@pytest.mark.parametrize("shares", ["a service", "a tag"])
def test_a_review_with_only_services_or_only_tags_finds_its_related_reviews(
    owner, team, checkout, shares
):
    dns = TagFactory(name="dns", slug="dns")
    links = {"services": [checkout["api"]]} if shares == "a service" else {"tags": [dns]}
    subject = postmortem_with_content(review(team=team, **links))
    other = review(days=1, **links)
    review(services=[checkout["web"]], tags=[TagFactory()], days=2)  # shares nothing

    assert related_postmortems(postmortem=subject, user=owner) == [other]


def test_related_reviews_leave_out_drafts_itself_and_respect_the_limit(owner, subject, checkout):
    review(services=[checkout["api"]], published=False)
    for day in range(4):
        review(services=[checkout["api"]], days=day)
    related = related_postmortems(postmortem=subject, user=owner, limit=3)
    assert len(related) == 3
    assert subject not in related
    assert all(pm.status == "published" for pm in related)


@pytest.mark.parametrize(("persona", "visible"), [("outsider", False), ("teammate", True)])
def test_restricted_related_reviews_appear_only_for_those_who_see_them(
    request, subject, checkout, other_team, persona, visible
):
    # The restricted review belongs to the subject's team; the outsider is in other_team.
    hidden = review(team=subject.incident.team, services=[checkout["api"]], restricted=True)
    user = request.getfixturevalue(persona)
    assert (hidden in related_postmortems(postmortem=subject, user=user)) is visible


def test_a_review_sharing_nothing_has_no_related_reviews(owner, checkout):
    lonely = postmortem_with_content(review(services=[checkout["search"]]))
    review(services=[checkout["api"]], tags=[TagFactory()])
    bare = postmortem_with_content(review())
    assert related_postmortems(postmortem=lonely, user=owner) == []
    assert related_postmortems(postmortem=bare, user=owner) == []


def test_the_read_view_lists_related_reviews_with_what_they_share(client, owner, subject, checkout):
    other = review(services=[checkout["web"]], title="Cart timeouts", published=False)
    review(services=[checkout["web"]], published=False)  # a draft stays out
    postmortem_set_status(postmortem=complete_postmortem(other), status="published")
    client.force_login(owner)
    response = client.get(reverse("pm-postmortem-detail", args=[subject.incident.number]))
    body = response.content.decode()
    assert response.context["related"] == [other]
    assert "Related reviews" in body
    assert f'href="{reverse("pm-postmortem-detail", args=[other.incident.number])}"' in body
    assert f"{other.incident.reference} Cart timeouts" in body
    assert '<span class="badge">Checkout web</span>' in body.split("Related reviews")[1]


@pytest.mark.parametrize("rows", [1, 6])
def test_the_read_view_costs_the_same_queries_however_many_related_reviews(
    client, owner, subject, checkout, rows, django_assert_num_queries
):
    for _ in range(rows):
        review(services=[checkout["api"]], tags=list(subject.tags.all()))
    client.force_login(owner)
    # session, user, incident, can-edit (membership), authors, tags, events,
    # items (+owners), services, review comments, "has a pulse survey to answer",
    # related reviews, their shared services and tags, the detection review, the
    # incident's alerts, its recurrences (both ways, one statement)
    with django_assert_num_queries(17):
        response = client.get(reverse("pm-postmortem-detail", args=[subject.incident.number]))
    assert len(response.context["related"]) == min(rows, 5)

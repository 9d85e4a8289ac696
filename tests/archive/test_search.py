"""Search over published reviews, on SQLite (FTS5) and PostgreSQL (tsvector)."""

import re

import pytest
from django.urls import reverse

from postmortems.archive.search import SearchParams, fts5_query, highlight, search_postmortems
from postmortems.services.postmortems import postmortem_set_status, postmortem_update_details
from postmortems.services.timeline import timeline_event_create
from tests.factories import (
    BASE_TIME,
    IncidentFactory,
    PostmortemFactory,
    ServiceFactory,
    complete_postmortem,
)

pytestmark = pytest.mark.django_db


def _published(team, title, summary, **extra):
    incident = IncidentFactory(team=team, title=title, **extra)
    postmortem = PostmortemFactory(incident=incident, summary=summary, impact="")
    complete_postmortem(postmortem)
    postmortem_set_status(postmortem=postmortem, status="published")
    return postmortem


def _titles(user, **params):
    results = search_postmortems(user=user, params=SearchParams(**params))
    return [pm.incident.title for pm in results.page.object_list]


@pytest.fixture
def library(team, owner):
    dns = _published(
        team, "DNS resolver saturation", "Resolvers ran out of sockets during a spike."
    )
    tls = _published(
        team, "Expired TLS certificate", "The partner API certificate expired at night."
    )
    cache = _published(
        team, "Cache stampede after flush", "A cache flush sent every request to the database."
    )
    timeline_event_create(
        postmortem=tls, by=owner, occurred_at=BASE_TIME, kind="detection",
        text="Synthetic checks reported handshake failures from three regions.",
    )  # fmt: skip
    return {"dns": dns, "tls": tls, "cache": cache}


def test_words_find_reviews_and_titles_rank_first(owner, library):
    _published(library["dns"].incident.team, "Queue backlog", "Consumers were slow; DNS was fine.")
    assert _titles(owner, q="dns")[0] == "DNS resolver saturation"
    assert set(_titles(owner, q="dns")) == {"DNS resolver saturation", "Queue backlog"}


def test_a_phrase_from_the_timeline_finds_its_review(owner, library):
    assert _titles(owner, q='"handshake failures"') == ["Expired TLS certificate"]
    assert _titles(owner, q='"failures handshake"') == []


def test_exclusions_and_or(owner, library):
    assert set(_titles(owner, q="cache OR certificate")) == {
        "Expired TLS certificate",
        "Cache stampede after flush",
    }
    assert _titles(owner, q="cache -database") == []
    assert _titles(owner, q="cache -certificate") == ["Cache stampede after flush"]


def test_stemming_matches_word_forms(owner, library):
    assert _titles(owner, q="certificates") == ["Expired TLS certificate"]
    assert _titles(owner, q="flushing") == ["Cache stampede after flush"]


def test_drafts_are_not_searchable(owner, team):
    IncidentFactory(team=team, title="Draft about DNS")
    PostmortemFactory(incident=IncidentFactory(team=team, title="Unpublished DNS"), summary="dns")
    assert _titles(owner, q="dns") == []


def test_a_review_is_searchable_by_text_added_after_publishing(owner, library):
    timeline_event_create(
        postmortem=library["dns"], by=owner, occurred_at=BASE_TIME, kind="action",
        text="Raised the conntrack table size on the resolver hosts.",
    )  # fmt: skip
    assert _titles(owner, q="conntrack") == ["DNS resolver saturation"]


def test_services_and_tags_are_searched_and_filter_with_child_services(owner, library, team):
    edge = ServiceFactory(name="Edge", slug="edge")
    resolvers = ServiceFactory(name="Resolvers", slug="resolvers", parent=edge)
    library["dns"].incident.services.add(resolvers)
    postmortem_update_details(postmortem=library["dns"], authors=[owner], tag_names=["capacity"])
    postmortem_update_details(postmortem=library["tls"], authors=[owner], tag_names=["expiry"])
    assert _titles(owner, q="capacity") == ["DNS resolver saturation"]
    assert _titles(owner, service="edge") == ["DNS resolver saturation"]
    assert _titles(owner, tag="expiry") == ["Expired TLS certificate"]
    results = search_postmortems(user=owner, params=SearchParams(service="edge"))
    assert [(s.name, n) for s, n in results.facets.services] == [("Resolvers", 1)]
    assert [(t.name, n) for t, n in results.facets.tags] == [("capacity", 1)]


def test_snippets_highlight_matches_and_escape_the_text(owner, team):
    _published(team, "Script injection", "The <script>alert(1)</script> payload hit the WAF.")
    [pm] = search_postmortems(user=owner, params=SearchParams(q="payload")).page.object_list
    assert "<mark>payload</mark>" in pm.snippet
    assert "<script" not in pm.snippet  # escaped (SQLite) or dropped by ts_headline
    assert "alert(1)" in pm.snippet


def test_highlight_turns_only_markers_into_marks():
    assert highlight("a \x02b\x03 <i>c</i>") == "a <mark>b</mark> &lt;i&gt;c&lt;/i&gt;"


@pytest.mark.parametrize(
    ("typed", "fts"),
    [
        ("dns outage", '"dns" AND "outage"'),
        ('"connection pool" timeout', '"connection pool" AND "timeout"'),
        ("cache OR redis", '("cache" OR "redis")'),
        ("cache -redis", '("cache") NOT "redis"'),
        ('-"only negative"', None),
        ('"unbalanced', '"unbalanced"'),
        ("AND NOT NEAR(", '"AND" AND "NOT" AND "NEAR"'),
        ("", None),
    ],
)
def test_web_search_syntax_becomes_safe_fts5_syntax(typed, fts):
    assert fts5_query(typed) == fts


def test_restricted_reviews_leave_no_trace_for_outsiders(owner, outsider, team):
    secret = _published(
        team, "Leaked signing key rotated", "A signing key appeared in CI logs.", restricted=True
    )
    edge = ServiceFactory(name="Edge", slug="edge")
    secret.incident.services.add(edge)
    postmortem_update_details(postmortem=secret, authors=[owner], tag_names=["security"])
    assert _titles(owner, q="signing") == ["Leaked signing key rotated"]
    results = search_postmortems(user=outsider, params=SearchParams(q="signing"))
    assert results.page.paginator.count == 0
    everything = search_postmortems(user=outsider, params=SearchParams())
    assert everything.page.paginator.count == 0
    assert everything.facets.services == []
    assert everything.facets.tags == []
    assert everything.facets.teams == []


def test_archive_page_searches_as_you_type_and_keeps_the_query_in_the_url(client, owner, library):
    client.force_login(owner)
    page = client.get(reverse("pm-archive"), {"q": "certificate"})
    body = page.content.decode()
    assert "Expired TLS certificate" in body
    assert 'hx-push-url="true"' in body
    partial = client.get(reverse("pm-archive"), {"q": "certificate"}, HTTP_HX_REQUEST="true")
    assert partial.content.decode().lstrip().startswith('<div id="results"')


def test_no_results_suggests_removing_filters(client, owner, library):
    client.force_login(owner)
    body = client.get(
        reverse("pm-archive"), {"q": "certificate", "severity": "SEV4"}
    ).content.decode()
    assert "Try removing a filter" in body
    assert 'href="/archive/?q=certificate"' in body


@pytest.mark.parametrize("rows", [2, 9])
def test_the_search_page_costs_the_same_queries_however_many_results(
    client, owner, team, rows, django_assert_num_queries
):
    for n in range(rows):
        pm = _published(team, f"Database failover {n}", "The primary failed over to the replica.")
        pm.incident.services.add(ServiceFactory())
        postmortem_update_details(postmortem=pm, authors=[owner], tag_names=[f"t{n}"])
    client.force_login(owner)
    # session, user, every service, tag and team (filter choices and facet names: one
    # statement), the window of matching ids with all its facets (one statement), the
    # page, the tags and services of its hits (one statement), which of them recurred
    with django_assert_num_queries(7):
        response = client.get(reverse("pm-archive"), {"q": "failover"})
    assert response.context["page"].paginator.count == rows
    # Each hit lists its own services and tags, and no one else's.
    for hit in response.context["page"].object_list:
        assert [t.name for t in hit.tag_list] == [t.name for t in hit.tags.all()]
        assert hit.service_list == list(hit.incident.services.all())
        assert len(hit.tag_list) == len(hit.service_list) == 1
    body = response.content.decode()
    assert body.count('class="badge" href="?tag=t') == rows


def test_a_search_is_answered_from_its_newest_matches(client, owner, team, monkeypatch):
    from postmortems.archive import search

    monkeypatch.setattr(search, "RESULT_WINDOW", 3)
    for n in range(5):
        _published(team, f"Database failover {n}", "The primary failed over.")
    results = search_postmortems(user=owner, params=SearchParams(q="failover"))
    assert results.page.paginator.count == 3
    assert results.page.more is True  # type: ignore[attr-defined]  # see search_postmortems
    assert len(results.page.object_list) == 3
    assert [(v, n) for v, _label, n in results.facets.severities] == [("SEV2", 3)]
    client.force_login(owner)
    body = client.get(reverse("pm-archive"), {"q": "failover"}).content.decode()
    assert "3+ reviews" in body
    assert "add words or filters to reach older ones" in body


def test_restricting_an_incident_in_the_admin_hides_its_review_from_search(
    client, admin_user, outsider, team
):
    secret = _published(team, "Signing key exposure", "A key was printed in a build log.")
    assert _titles(outsider, q="signing") == ["Signing key exposure"]
    client.force_login(admin_user)
    incident = secret.incident
    response = client.post(
        reverse("admin:postmortems_incident_change", args=[incident.pk]),
        {
            "title": incident.title, "severity": incident.severity, "status": incident.status,
            "team": incident.team_id, "owner": "", "description": "",
            "started_at_0": "2026-11-02", "started_at_1": "09:00:00",
            "restricted": "on", "postmortem_not_needed_reason": "",
        },
    )  # fmt: skip
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert _titles(outsider, q="signing") == []


@pytest.mark.parametrize("common_links", [1, 1000])
def test_tag_and_service_filters_give_the_same_answer_by_either_plan(
    owner, team, monkeypatch, common_links
):
    # Many links: each entry is probed (EXISTS ... OFFSET 0); few: a semi-join.
    from postmortems.archive import search

    monkeypatch.setattr(search, "COMMON_LINKS", common_links)
    parent = ServiceFactory(slug="storage")
    child = ServiceFactory(slug="storage-replicas", parent=parent)
    tagged = _published(team, "Disk filled up", "Logs filled the disk.")
    postmortem_update_details(postmortem=tagged, authors=[owner], tag_names=["capacity"])
    tagged.incident.services.add(child)
    _published(team, "Disk filled up again", "Untagged, no service.")

    for params in (SearchParams(tag="capacity"), SearchParams(service="storage")):
        results = search_postmortems(user=owner, params=params)
        assert [pm.pk for pm in results.page.object_list] == [tagged.pk]


MARKDOWN_SUMMARY = (
    "## Cause\n\nA **cache** flush emptied the pool; the [runbook for `redis-cli`]"
    "(https://wiki.example/runbooks/cache) says to *warm* it first.\n\n- step one\n- step two"
)


def _snippet(owner, q) -> str:
    [pm] = search_postmortems(user=owner, params=SearchParams(q=q)).page.object_list
    return str(pm.snippet)


def test_snippets_show_markdown_as_plain_text_with_matches_marked(owner, team):
    _published(team, "Cold cache", MARKDOWN_SUMMARY)
    snippet = _snippet(owner, "flush")
    assert "<mark>flush</mark>" in snippet
    for syntax in ("**", "##", "](", "`", "wiki.example", "- step"):
        assert syntax not in snippet, syntax
    assert "the runbook for redis" in snippet.replace("<mark>", "").replace("</mark>", "")


def test_words_inside_a_markdown_link_and_code_are_marked(owner, team):
    _published(team, "Cold cache", MARKDOWN_SUMMARY)
    snippet = _snippet(owner, "runbook")
    assert "<mark>runbook</mark>" in snippet
    assert "https://" not in snippet
    assert re.search(r"<mark>[^<]*redis[^<]*</mark>", _snippet(owner, "redis"))


@pytest.mark.parametrize("q", ["flush) [*", "flush.*?", "(flush)+ $"])
def test_a_query_with_regex_and_html_characters_marks_its_words(owner, team, q):
    _published(team, "Cold cache", "A flush <b>emptied</b> the pool & the [a-z]+ rule.")
    snippet = _snippet(owner, q)
    assert "<mark>flush</mark>" in snippet
    assert "<b>" not in snippet
    assert re.sub(r"</?mark>", "", snippet).count("<") == 0


def test_the_summary_without_a_query_is_plain_text(owner, team):
    _published(team, "Cold cache", MARKDOWN_SUMMARY)
    [pm] = search_postmortems(user=owner, params=SearchParams()).page.object_list
    assert pm.summary_text.startswith("Cause A cache flush emptied the pool; the runbook for")


def test_highlight_escapes_before_it_marks():
    assert highlight("\x02<b>\x03 & \x02a|b\x03 (.*)") == (
        "<mark>&lt;b&gt;</mark> &amp; <mark>a|b</mark> (.*)"
    )
    # Characters the engine's markers stand for while the text is rendered are dropped.
    assert highlight("\ue000x\ue001 \x02y\x03") == "x <mark>y</mark>"
    # A snippet cut in the middle of a link keeps the link's words only.
    assert highlight("pool](https://a.example/x) and \x02z\x03 … see [the run") == (
        "pool and <mark>z</mark> … see the run"
    )

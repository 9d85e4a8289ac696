"""Full-text search over published postmortems, on PostgreSQL and on SQLite.

One interface, `search_postmortems`, hides the two engines:
- PostgreSQL: the stored weighted tsvector with a GIN index, `websearch` queries,
  ts_rank and ts_headline snippets.
- SQLite: the FTS5 table with bm25 ranking (column weights) and snippet().
Both understand what people type: words, "quoted phrases", -exclusions and OR.
Snippets are untrusted text cut from the reviews' Markdown: they are shown as the
plain text they render to (lib/markdown_text.py), escaped, and only the engine's match
markers become <mark> elements (`highlight`).
"""

import json
import re
from dataclasses import dataclass, field
from datetime import date

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.core.exceptions import EmptyResultSet
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import BooleanField, Exists, F, Func, OuterRef, QuerySet
from django.db.models.expressions import RawSQL
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from accounts.models import Team, User
from lib.extensions import page_extras
from lib.markdown_text import markdown_text
from postmortems.models.actions import ActionItem
from postmortems.models.catalog import Service, Tag
from postmortems.models.incidents import Incident, Severity
from postmortems.models.reviews import Postmortem
from postmortems.models.search_entries import SearchEntry
from postmortems.permissions import search_entry_visibility_filter, visibility_filter, visible_tags

MARK_START, MARK_END = "\x02", "\x03"
FTS_WEIGHTS = "10.0, 5.0, 2.0, 1.0, 2.0"  # title, summary, details, narrative, meta
PAGE_SIZE = 20
# A search is answered from its newest RESULT_WINDOW matches: those are ranked, paged,
# counted and faceted. Ranking, counting and faceting tens of thousands of matches
# (a common word in a large archive) costs seconds; past the window the page says
# "1,000+" and asks for more words or filters (bench/README.md has the numbers).
RESULT_WINDOW = 1000
# Result rows carry what a hit shows (the page, archive/templates/postmortems/archive.html,
# and the API's postmortems/api/archive.py), not the whole review and incident: fewer
# columns to send, parse and turn into objects.
HIT_FIELDS = (
    "incident_id", "summary", "published_at", "updated_at", "incident__number",
    "incident__title", "incident__severity", "incident__team__name", "incident__team__slug",
)  # fmt: skip


@dataclass(frozen=True)
class SearchParams:
    q: str = ""
    service: str = ""  # slug; includes its child services
    tag: str = ""  # slug
    severity: str = ""
    team: str = ""  # slug
    published_from: date | None = None
    published_to: date | None = None
    open_items: bool = False
    recurred: bool = False  # only reviews whose incident has a confirmed recurrence

    @property
    def has_filters(self) -> bool:
        return any(
            [self.service, self.tag, self.severity, self.team, self.published_from,
             self.published_to, self.open_items, self.recurred]
        )  # fmt: skip


@dataclass
class Facets:
    services: list[tuple[Service, int]] = field(default_factory=list)
    tags: list[tuple[Tag, int]] = field(default_factory=list)
    severities: list[tuple[str, str, int]] = field(default_factory=list)
    teams: list[tuple[Team, int]] = field(default_factory=list)


@dataclass
class SearchResults:
    page: Page
    facets: Facets
    catalog: "Catalog"


def published_postmortems(user: User) -> QuerySet[Postmortem]:
    """Every published review `user` may see: the base of search, browsing and feeds."""
    return Postmortem.objects.filter(
        visibility_filter(user, prefix="incident__"), status=Postmortem.Status.PUBLISHED
    )


def service_with_descendants(slug: str, services: list[Service] | None = None) -> list[int]:
    """The service and all services below it. The tree is small: one query, or none
    when the caller has every service loaded already (`services`)."""
    if services is None:
        services = list(Service.objects.only("parent_id", "slug"))
    children: dict[int | None, list[int]] = {}
    root = None
    for pk, parent_id, service_slug in ((s.pk, s.parent_id, s.slug) for s in services):
        children.setdefault(parent_id, []).append(pk)
        if service_slug == slug:
            root = pk
    if root is None:
        return []
    found, stack = [], [root]
    while stack:
        pk = stack.pop()
        found.append(pk)
        stack.extend(children.get(pk, []))
    return found


def _visible_entries(user: User) -> QuerySet[SearchEntry]:
    """Published entries `user` may see: permissions.visibility_filter's rule, applied
    to the narrow entry (team, owner, restricted are copied into it)."""
    return SearchEntry.objects.filter(published=True).filter(search_entry_visibility_filter(user))


class _ProbedExists(Exists):
    """EXISTS that PostgreSQL checks row by row instead of turning it into a join.

    OFFSET 0 keeps the planner from pulling the subquery up into a semi-join. For a
    common tag or service, the newest RESULT_WINDOW matches lie among the newest few
    thousand entries: walking pm_search_published and probing each entry's links stops
    early, where the join fetches and sorts every tagged entry (bench/README.md,
    "Window once, tags and services probed per entry", point 2). For a rare one the
    join is the cheap plan, so _linked() chooses.
    """

    template = "EXISTS(%(subquery)s OFFSET 0)"


# Links at least this many: the walk finds the window early (see _ProbedExists).
COMMON_LINKS = 2 * RESULT_WINDOW


def _linked(links: QuerySet, **outer) -> Exists:
    """Entries with one of `links` (tag or service rows), by the cheaper plan. The planner
    cannot tell a common tag from a rare one here; a count capped at COMMON_LINKS can
    (an index-only scan of at most COMMON_LINKS rows)."""
    common = links[:COMMON_LINKS].count() >= COMMON_LINKS
    return (_ProbedExists if common else Exists)(links.filter(**outer))


def _filtered(user: User, params: SearchParams, catalog: "Catalog") -> QuerySet[SearchEntry]:
    entries = _visible_entries(user)
    if params.service:
        links = Incident.services.through.objects.filter(
            service_id__in=service_with_descendants(params.service, catalog.services)
        )
        entries = entries.filter(_linked(links, incident_id=OuterRef("incident_id")))
    if params.tag:
        # The tag's id from the catalog, so each probe is one index lookup, not a join.
        tag_ids = [tag.pk for tag in catalog.tags if tag.slug == params.tag]
        tag_links = Postmortem.tags.through.objects.filter(tag_id__in=tag_ids)
        entries = entries.filter(_linked(tag_links, postmortem_id=OuterRef("postmortem_id")))
    if params.severity:
        entries = entries.filter(severity=params.severity)
    if params.team:
        entries = entries.filter(team__slug=params.team)
    if params.published_from:
        entries = entries.filter(published_at__date__gte=params.published_from)
    if params.published_to:
        entries = entries.filter(published_at__date__lte=params.published_to)
    if params.open_items:
        entries = entries.filter(
            Exists(
                ActionItem.objects.filter(
                    postmortem_id=OuterRef("postmortem_id"),
                    status__in=ActionItem.UNFINISHED,
                )
            )
        )
    if params.recurred:
        # Recurrence sits above the archive: it says which incidents recurred
        # (PAGE_EXTRAS "archive-recurred"), as a subquery; nothing wired, nothing kept.
        recurred = page_extras("archive-recurred", user=user).get("recurred_incidents")
        entries = (
            entries.filter(incident_id__in=recurred) if recurred is not None else entries.none()
        )
    return entries


def _matching(entries: QuerySet[SearchEntry], q: str) -> QuerySet[SearchEntry]:
    """Entries whose review matches the text query."""
    if connection.vendor == "postgresql":
        return entries.filter(search_vector=_pg_query(q))
    fts = fts5_query(q)
    if fts is None:
        return entries.none()
    return entries.filter(
        pk__in=RawSQL(
            "SELECT rowid FROM postmortems_search WHERE postmortems_search MATCH %s", [fts]
        )
    )


def _pg_query(q: str) -> SearchQuery:
    return SearchQuery(q, search_type="websearch", config="english")


def _ranked_page(window: list[int], q: str) -> QuerySet[Postmortem]:
    """The reviews of the window, best first, with snippets when there is a query."""
    postmortems = Postmortem.objects.filter(InIds("pk", window))
    if not q:
        return postmortems.order_by("-published_at", "-pk")
    if connection.vendor == "postgresql":
        query = _pg_query(q)
        return postmortems.annotate(
            rank=SearchRank(F("search_entry__search_vector"), query),
            snippet_raw=SearchHeadline(
                "search_text",
                query,
                config="english",
                start_sel=MARK_START,
                stop_sel=MARK_END,
                max_words=35,
                min_words=15,
                max_fragments=2,
                fragment_delimiter=FRAGMENT_DELIMITER,
            ),
        ).order_by("-rank", "-published_at")
    # .extra() joins the FTS5 table: the ORM has no expression for a virtual table, and
    # the join keeps bm25() and snippet() in the statement that loads the page.
    return postmortems.extra(
        tables=["postmortems_search"],
        where=[
            "postmortems_search.rowid = postmortems_postmortem.id",
            "postmortems_search MATCH %s",
        ],
        params=[fts5_query(q)],
        select={
            "rank": f"bm25(postmortems_search, {FTS_WEIGHTS})",
            "snippet_raw": "snippet(postmortems_search, -1, char(2), char(3), ' … ', 24)",
        },
        order_by=["rank", "-published_at"],
    )


_TOKENS = re.compile(r'(-?)"([^"]*)"|(\S+)')


def fts5_query(q: str) -> str | None:
    """Translate web search syntax (words, "phrases", -word, OR) into FTS5 syntax."""
    groups: list[list[str]] = []  # AND of OR-groups
    excluded: list[str] = []
    join_next = False
    for negate, phrase, word in _TOKENS.findall(q):
        if word == "OR":
            join_next = bool(groups)
            continue
        if word.startswith("-") and len(word) > 1:
            negate, word = "-", word[1:]
        text = phrase if phrase else word
        terms = re.findall(r"\w+", text)
        if not terms:
            continue
        quoted = '"' + " ".join(terms) + '"'
        if negate:
            excluded.append(quoted)
        elif join_next:
            groups[-1].append(quoted)
        else:
            groups.append([quoted])
        join_next = False
    if not groups:
        return None
    expression = " AND ".join(
        group[0] if len(group) == 1 else "(" + " OR ".join(group) + ")" for group in groups
    )
    for term in excluded:
        expression = f"({expression}) NOT {term}"
    return expression


# The match markers while the snippet goes through Markdown: Python-Markdown uses \x02
# and \x03 as placeholders of its own. Private-use characters pass through Markdown and
# nh3 as text; any the user typed are dropped first.
_HOLD_START, _HOLD_END = "\ue000", "\ue001"
_HELD = re.compile(f"{_HOLD_START}([^{_HOLD_START}{_HOLD_END}]*){_HOLD_END}")
# A snippet is cut from the text, often mid-link: "key](https://…) and" at its start,
# "see [the runbook](https://exa" at its end. Their words are kept, their syntax dropped.
_CUT_LINK_START = re.compile(r"^([^\[\]]*)\]\([^()\s]*\)")
_CUT_LINK_END = re.compile(r"\[([^\[\]]*)(\]\([^()\s]*)?$")
FRAGMENT_DELIMITER = " … "


def _mend_cut_links(snippet: str) -> str:
    return FRAGMENT_DELIMITER.join(
        _CUT_LINK_END.sub(r"\1", _CUT_LINK_START.sub(r"\1", fragment))
        for fragment in snippet.split(FRAGMENT_DELIMITER)
    )


def highlight(raw: str | None) -> SafeString:
    """The engine's snippet as the plain text its Markdown renders to, escaped, with
    only the engine's markers turned into <mark>. A marker whose partner was lost (a
    match inside a link's address, which the text does not show) is dropped."""
    held = (
        (raw or "")
        .replace(_HOLD_START, "")
        .replace(_HOLD_END, "")
        .replace(MARK_START, _HOLD_START)
        .replace(MARK_END, _HOLD_END)
    )
    text = escape(
        markdown_text(_mend_cut_links(held))
    )  # escaped first: the marks are added to safe text
    marked = _HELD.sub(lambda m: f"<mark>{m.group(1)}</mark>" if m.group(1) else "", text)
    return mark_safe(marked.replace(_HOLD_START, "").replace(_HOLD_END, ""))


# The window and every facet of it, in one statement: the window's ids come back as
# rows of kind 'id', so they are not sent back to the database for the facets.
_WINDOW_AND_FACETS = """
    WITH m AS MATERIALIZED ({window})
    SELECT 'id', id, NULL, 0 FROM m
    UNION ALL SELECT 'severity', NULL, severity, COUNT(*) FROM m GROUP BY severity
    UNION ALL SELECT 'team', team_id, NULL, COUNT(*) FROM m GROUP BY team_id
    UNION ALL SELECT 'service', x.service_id, NULL, COUNT(*)
        FROM m JOIN postmortems_incident_services x ON x.incident_id = m.incident_id
        GROUP BY x.service_id
    UNION ALL SELECT 'tag', y.tag_id, NULL, COUNT(*)
        FROM m JOIN postmortems_postmortem_tags y ON y.postmortem_id = m.id
        GROUP BY y.tag_id
"""


def in_ids_sql(column: str, ids: list[int]) -> tuple[str, list]:
    """`column IN ids` with the ids as ONE parameter: `= ANY(array)` on PostgreSQL, a
    JSON array through json_each() on SQLite. The PostgreSQL array goes as a text
    literal: psycopg adapting a list of 1,000 ints element by element costs far more
    per statement than joining them (bench/README.md, "One statement for the catalog
    and for the hits' links", point 3)."""
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s::bigint[])", ["{" + ",".join(map(str, ids)) + "}"]
    return f"{column} IN (SELECT value FROM json_each(%s))", [json.dumps(ids)]


class InIds(Func):
    """in_ids_sql() as a queryset filter. A 1,000-item IN list is compiled, sent and
    parsed again for every statement; one array parameter costs a fraction of that
    (bench/README.md, "Window once, tags and services probed per entry", point 1)."""

    output_field = BooleanField()

    def __init__(self, column: str, ids: list[int]):
        super().__init__(F(column))
        self.ids = [int(pk) for pk in ids]

    def as_sql(self, compiler, connection, function=None, template=None, arg_joiner=None, **extra):
        column, params = compiler.compile(self.source_expressions[0])
        sql, ids = in_ids_sql(column, self.ids)
        return sql, [*params, *ids]


_CATALOG = """
    SELECT 0, id, name, slug, parent_id FROM {services}
    UNION ALL SELECT 1, id, name, slug, NULL FROM {tags} WHERE id IN ({visible_tags})
    UNION ALL SELECT 2, id, name, slug, NULL FROM {teams}
    ORDER BY 1, 3
"""


@dataclass
class Catalog:
    """Every service and team, and the tags `user` may see (permissions.visible_tags):
    the filter choices, and the names of the facets."""

    services: list[Service]
    tags: list[Tag]
    teams: list[Team]

    @classmethod
    def load(cls, user: User) -> "Catalog":
        """One statement for the three lists: three querysets cost more a page
        (bench/README.md, "One statement for the catalog and for the hits' links")."""
        visible, params = visible_tags(user).values("id").query.sql_with_params()
        sql = _CATALOG.format(
            services=Service._meta.db_table,
            tags=Tag._meta.db_table,
            teams=Team._meta.db_table,
            visible_tags=visible,
        )
        lists: tuple[list, list, list] = ([], [], [])
        models = (Service, Tag, Team)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            for kind, pk, name, slug, parent_id in cursor.fetchall():
                model = models[kind]
                values: tuple[object, ...]
                if model is Service:
                    values = (pk, name, slug, parent_id)
                    fields = ["id", "name", "slug", "parent_id"]
                else:
                    values, fields = (pk, name, slug), ["id", "name", "slug"]
                lists[kind].append(model.from_db(connection.alias, fields, values))
        return cls(services=lists[0], tags=lists[1], teams=lists[2])


def _window_and_facets(
    matches: QuerySet[SearchEntry], catalog: Catalog
) -> tuple[list[int], Facets]:
    """Ids of the newest RESULT_WINDOW matches (walked on pm_search_published newest
    first) and the facet counts of those matches, in one statement. The window is
    computed once: the count, the facets and the page all read it."""
    window_rows = matches.order_by("-published_at", "-pk").values(
        "postmortem_id", "incident_id", "severity", "team_id"
    )[:RESULT_WINDOW]
    try:
        sql, params = window_rows.query.sql_with_params()
    except EmptyResultSet:  # matches.none(): a query with no words in it ("%", "'; --")
        return [], Facets()
    sql = f"SELECT postmortem_id AS id, incident_id, severity, team_id FROM ({sql}) AS w"
    window: list[int] = []
    counts: dict[str, dict[int | str, int]] = {}
    with connection.cursor() as cursor:
        cursor.execute(_WINDOW_AND_FACETS.format(window=sql), params)
        for kind, key, severity, n in cursor.fetchall():
            if kind == "id":
                window.append(key)
            else:
                counts.setdefault(kind, {})[severity if kind == "severity" else key] = n

    def counted(objects, kind):
        found = counts.get(kind, {})
        return [(obj, found[obj.pk]) for obj in objects if obj.pk in found]

    by_severity = counts.get("severity", {})
    facets = Facets(
        services=counted(catalog.services, "service"),
        tags=counted(catalog.tags, "tag"),
        severities=[
            (v, label, by_severity[v]) for v, label in Severity.choices if v in by_severity
        ],
        teams=counted(catalog.teams, "team"),
    )
    return window, facets


def search_postmortems(
    *, user: User, params: SearchParams, page_number: str | int | None = 1
) -> SearchResults:
    catalog = Catalog.load(user)
    matches = _filtered(user, params, catalog)
    q = params.q.strip()
    if q:
        matches = _matching(matches, q)
    window, facets = _window_and_facets(matches, catalog)
    paginator = Paginator(
        _ranked_page(window, q).select_related("incident__team").only(*HIT_FIELDS),
        PAGE_SIZE,
    )
    total = len(window)
    paginator.count = total  # at most RESULT_WINDOW
    page = paginator.get_page(page_number)
    # There may be older matches. Read by the archive page and the API; not one of
    # Page's attributes, so mypy does not know it.
    page.more = total >= RESULT_WINDOW  # type: ignore[attr-defined]
    for postmortem in page.object_list:
        raw = getattr(postmortem, "snippet_raw", None)
        postmortem.snippet = highlight(raw) if raw else None
        # Without a match to show, the summary, as plain text too.
        postmortem.summary_text = "" if raw else markdown_text(postmortem.summary)
    _attach_links(list(page.object_list), catalog)
    _mark_recurred(list(page.object_list), user)
    return SearchResults(page=page, facets=facets, catalog=catalog)


def _mark_recurred(postmortems: list[Postmortem], user: User) -> None:
    """Set `recurred` on each hit whose incident has a confirmed recurrence the user may
    see (PAGE_EXTRAS "archive-hits"): one statement for the page, none without hits."""
    if not postmortems:
        return
    ids = [p.incident_id for p in postmortems]
    recurred = page_extras("archive-hits", user=user, incident_ids=ids).get("recurred_ids", set())
    for postmortem in postmortems:
        postmortem.recurred = postmortem.incident_id in recurred


_LINKS = """
    SELECT 'tag', postmortem_id, tag_id FROM {tags} WHERE {in_postmortems}
    UNION ALL SELECT 'service', incident_id, service_id FROM {services} WHERE {in_incidents}
"""


def _attach_links(postmortems: list[Postmortem], catalog: Catalog) -> None:
    """Set `tag_list` and `service_list` on each hit: one statement for the links of the
    whole page, named from the catalog already loaded. (prefetch_related would take two
    statements and build a model instance per link, a good part of a search page's
    Python: bench/README.md, "One statement for the catalog and for the hits' links".)"""
    if not postmortems:
        return
    tags, services = {t.pk: t for t in catalog.tags}, {s.pk: s for s in catalog.services}
    linked: dict[tuple[str, int], list[int]] = {}
    in_postmortems, postmortem_ids = in_ids_sql("postmortem_id", [p.pk for p in postmortems])
    in_incidents, incident_ids = in_ids_sql("incident_id", [p.incident_id for p in postmortems])
    params = [*postmortem_ids, *incident_ids]
    sql = _LINKS.format(
        tags=Postmortem.tags.through._meta.db_table,
        services=Incident.services.through._meta.db_table,
        in_postmortems=in_postmortems,
        in_incidents=in_incidents,
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for kind, owner, target in cursor.fetchall():
            linked.setdefault((kind, owner), []).append(target)

    def named(kind: str, owner: int, objects: dict) -> list:
        found = [objects[pk] for pk in linked.get((kind, owner), []) if pk in objects]
        return sorted(found, key=lambda obj: obj.name)

    for postmortem in postmortems:
        postmortem.tag_list = named("tag", postmortem.pk, tags)
        postmortem.service_list = named("service", postmortem.incident_id, services)

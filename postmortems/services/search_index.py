"""Keeps the full-text index of postmortems in sync, on PostgreSQL and on SQLite.

Every database: a narrow SearchEntry row per postmortem with what search filters
and sorts on. PostgreSQL: its weighted tsvector (GIN index) lives in that row, and the
plain text it was built from in `Postmortem.search_text` (for highlighted snippets).
SQLite: an FTS5 table, `postmortems_search`, one row per postmortem (rowid = id).

One set-based SQL statement per database builds the index from the postmortem,
its incident, timeline, action items, services and tags, for one postmortem or
for all of them. Services that change any of those call `index_postmortem`
explicitly (no signals); `rebuild_index` serves migrations and bulk loads.
Deleted incidents are left out: indexing a deleted incident's review removes it.

Writers of one postmortem at the same moment: `index_postmortem` first locks the
postmortem row (services/locks.py; its callers normally hold that lock already), so
each rebuild reads what the writer before it committed and none is lost. The entry
is written with an upsert, never DELETE then INSERT, so even a writer that bypassed
the lock could not collide on the entry's primary key.
"""

from django.db import connection, transaction

from postmortems.services.locks import postmortem_lock

# Weights, title and summary first. A: the title; B: the summary; C: what we learned
# and where (impact, contributing factors, lessons, the custom sections of a team's
# template, services, tags); D: the narrative
# (what went well / wrong / lucky, timeline, action items). The FTS5 columns follow
# the same split, weighted in postmortems/archive/search.py.
_PARTS = """
    SELECT p.id AS id,
           i.title AS title,
           p.summary AS summary,
           p.impact || ' ' || p.contributing_factors || ' ' || p.lessons{custom} AS details,
           p.went_well || ' ' || p.went_wrong || ' ' || p.got_lucky || ' ' ||
             COALESCE((SELECT {agg}(e.text, ' ') FROM postmortems_timelineevent e
                       WHERE e.postmortem_id = p.id), '') || ' ' ||
             COALESCE((SELECT {agg}(a.title, ' ') FROM postmortems_actionitem a
                       WHERE a.postmortem_id = p.id), '') AS narrative,
           COALESCE((SELECT {agg}(s.name, ' ') FROM postmortems_incident_services x
                     JOIN postmortems_service s ON s.id = x.service_id
                     WHERE x.incident_id = i.id), '') || ' ' ||
             COALESCE((SELECT {agg}(t.name, ' ') FROM postmortems_postmortem_tags y
                       JOIN postmortems_tag t ON t.id = y.tag_id
                       WHERE y.postmortem_id = p.id), '') AS meta
    FROM postmortems_postmortem p
    JOIN postmortems_incident i ON i.id = p.incident_id
    WHERE {live} {where}
"""

# The texts of custom sections (a team template's own sections), with the details.
_CUSTOM = """ || ' ' ||
             COALESCE((SELECT {agg}(c.text, ' ') FROM postmortems_reviewsectiontext c
                       WHERE c.postmortem_id = p.id), '')"""


_POSTGRES_TEXT = """
    UPDATE postmortems_postmortem AS target SET
        search_text = d.title || E'\\n' || d.summary || E'\\n' || d.details || E'\\n' ||
                      d.narrative || E'\\n' || d.meta
    FROM ({parts}) AS d
    WHERE target.id = d.id
"""

_POSTGRES_VECTOR = """
    setweight(to_tsvector('english', d.title), 'A') ||
    setweight(to_tsvector('english', d.summary), 'B') ||
    setweight(to_tsvector('english', d.details || ' ' || d.meta), 'C') ||
    setweight(to_tsvector('english', d.narrative), 'D')
"""

# The narrow entry: filters and order from the postmortem and its incident, plus the
# weighted vector on PostgreSQL (NULL on SQLite, whose text lives in FTS5). Entries of
# postmortems no longer indexed (their incident was deleted) are dropped; the others
# are inserted or updated in place. (`WHERE true`: SQLite needs it before ON CONFLICT.)
_ENTRY_DROP = """
    DELETE FROM postmortems_searchentry WHERE {own} AND postmortem_id NOT IN (
        SELECT p.id FROM postmortems_postmortem p
        JOIN postmortems_incident i ON i.id = p.incident_id
        WHERE {live} {where}
    )
"""
_ENTRY_UPSERT = """
    INSERT INTO postmortems_searchentry (postmortem_id, incident_id, team_id, owner_id,
        severity, restricted, published, published_at, search_vector)
    SELECT p.id, i.id, i.team_id, i.owner_id, i.severity, i.restricted,
           p.status = 'published', p.published_at, {vector}
    FROM ({parts}) AS d
    JOIN postmortems_postmortem p ON p.id = d.id
    JOIN postmortems_incident i ON i.id = p.incident_id
    WHERE true
    ON CONFLICT (postmortem_id) DO UPDATE SET
        incident_id = excluded.incident_id, team_id = excluded.team_id,
        owner_id = excluded.owner_id, severity = excluded.severity,
        restricted = excluded.restricted, published = excluded.published,
        published_at = excluded.published_at, search_vector = excluded.search_vector
"""

_SQLITE_DELETE = "DELETE FROM postmortems_search WHERE {where}"
_SQLITE_INSERT = """
    INSERT INTO postmortems_search (rowid, title, summary, details, narrative, meta)
    SELECT id, title, summary, details, narrative, meta FROM ({parts})
"""

SQLITE_CREATE = """
    CREATE VIRTUAL TABLE IF NOT EXISTS postmortems_search USING fts5(
        title, summary, details, narrative, meta, tokenize = 'porter unicode61'
    )
"""


def _run(postmortem_id: int | None, *, live_only: bool = True) -> None:
    where = "p.id = %s" if postmortem_id is not None else "1 = 1"
    own = "{column} = %s" if postmortem_id is not None else "1 = 1"
    params = [postmortem_id] if postmortem_id is not None else []
    postgres = connection.vendor == "postgresql"
    live = "i.deleted_at IS NULL AND" if live_only else ""
    agg = "string_agg" if postgres else "group_concat"
    # The migration that builds the index first (0005) runs before deleted_at (0018)
    # and the custom section texts (0041) exist: live_only=False leaves both out.
    custom = _CUSTOM.format(agg=agg) if live_only else ""
    parts = _PARTS.format(agg=agg, live=live, where=where, custom=custom)
    with connection.cursor() as cursor:
        drop = _ENTRY_DROP.format(own=own.format(column="postmortem_id"), live=live, where=where)
        cursor.execute(drop, params * 2)
        vector = _POSTGRES_VECTOR if postgres else "NULL"
        cursor.execute(_ENTRY_UPSERT.format(vector=vector, parts=parts), params)
        if postgres:
            cursor.execute(_POSTGRES_TEXT.format(parts=parts), params)
        else:
            cursor.execute(_SQLITE_DELETE.format(where=own.format(column="rowid")), params)
            cursor.execute(_SQLITE_INSERT.format(parts=parts), params)


def index_postmortem(postmortem_id: int) -> None:
    # Part of the caller's transaction (no savepoint); a transaction of its own if none.
    with transaction.atomic(savepoint=False):
        postmortem_lock(postmortem_id=postmortem_id)
        _run(postmortem_id)


def unindex_postmortem(postmortem_id: int) -> None:
    """Drop the index rows of a postmortem whose row was just deleted (in the caller's
    transaction): the SQLite FTS table has no foreign key to cascade from."""
    _run(postmortem_id)


def rebuild_index(*, live_only: bool = True) -> None:
    """`live_only=False` serves migrations that run before 0018 added deleted_at (and
    before 0041 added the texts of custom sections)."""
    _run(None, live_only=live_only)
